package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvType;
import dev.edgewise.engine.lora.AdapterActivation;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.FusedPrecision;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tokenizer.ChatTemplate.Message;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An activated LoRA through generation and the reasoning pipeline, on a synthetic model: the rows
 * before the invocation sequence run on the base model and are encoded once, shared by every
 * branch; generation equals the teacher-forced logits under the same rule; a missing invocation
 * leaves the adapter off and says so.
 */
class AloraPipelineTest {
    static final SyntheticShape SHAPE = new SyntheticShape("alora", 2, 64, 4, 2, 128, 476, true);
    static final SamplingParams GREEDY = SamplingParams.defaults(3).withTemperature(0f);
    static final int MAX_TOKENS = 10;
    static Model model;
    static LoraAdapter alora, absent, plain;
    static List<Message> messages = List.of(new Message("user", "What is two plus three? Think first."));

    @BeforeAll
    static void setUp(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.gguf");
        SyntheticModels.write(SHAPE, GGMLType.F32, 23, file);
        // without the prefix cache, so forward-token counts show the sharing the pipeline itself does
        model = Model.load(file, ModelOptions.defaults().withThreads(2).withKvType(KvType.F32).withPrefixCache(false));
        int[] header = model.tokenizer().encode("<|im_start|>assistant\n", true);
        alora = model.addAdapter(LoraAdapter.synthetic(model.config(), 8, 64, 5, AdapterPrecision.F32, header));
        absent = model.addAdapter(LoraAdapter.synthetic(model.config(), 8, 64, 5, AdapterPrecision.F32, new int[]{7, 7, 7, 7}));
        plain = model.addAdapter(LoraAdapter.synthetic(model.config(), 8, 64, 5, AdapterPrecision.F32));
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    static int[] prompt() {
        return model.tokenizer().encode(ChatTemplate.render(messages, true), true);
    }

    static List<ScaledAdapter> set(LoraAdapter a) {
        return List.of(new ScaledAdapter(a, 1f));
    }

    static ReasoningRequest.Builder reasoning(LoraAdapter a) {
        return ReasoningRequest.builder(messages).mode(ReasoningMode.ON).adapters(set(a)).branches(3).sampling(GREEDY).maxTokens(MAX_TOKENS);
    }

    @Test
    void generationAppliesTheAdapterFromTheInvocationOn() {
        int[] prompt = prompt();
        int s = AdapterActivation.invocationStart(prompt, alora.invocationTokens());
        assertThat(s).as("the assistant header ends the prompt").isEqualTo(prompt.length - alora.invocationTokens().length).isPositive();

        LogitsTrace adapted = model.logits(prompt, MAX_TOKENS, set(alora));
        LogitsTrace base = model.logits(prompt, MAX_TOKENS);
        for (int r = 0; r < s; r++) assertThat(maxDiff(adapted.rows()[r], base.rows()[r])).as("row %d", r).isLessThan(1e-4);
        for (int r = s; r < adapted.rows().length; r++) assertThat(maxDiff(adapted.rows()[r], base.rows()[r])).as("row %d", r).isGreaterThan(1e-2);

        GenerationResult g = model.generate(GenerationRequest.tokens(prompt).adapters(set(alora)).sampling(GREEDY).maxTokens(MAX_TOKENS)
                .ignoreEndOfGeneration(true).build(), TokenListener.NONE);
        assertThat(g.adapterActivation().start()).isEqualTo(s);
        assertThat(g.adapterActivation().invocationMissing()).isFalse();
        assertThat(g.tokens()).containsExactly(Arrays.copyOfRange(adapted.tokens(), prompt.length, prompt.length + MAX_TOKENS));
    }

    @Test
    void reasoningBranchesShareTheBasePrefillAndEncodeOnlyTheInvocationRowsAgain() {
        int[] prompt = prompt();
        int n = prompt.length, s = n - alora.invocationTokens().length;
        ReasoningResult r = model.reason(reasoning(alora).build(), TokenListener.NONE);
        assertThat(r.reasoned()).isTrue();
        assertThat(r.adapterActivation().start()).isEqualTo(s);
        // the base prefill of all n rows (shared with the switcher and the plain path), the n - s invocation rows again
        // with the adapter, then the response tokens fed back
        assertThat(r.timings().forwardTokens()).isEqualTo(n + (n - s) + fedBack(r.branches()));

        // every (greedy) branch produces what a whole aLoRA generation of the prompt produces
        GenerationResult alone = model.generate(GenerationRequest.tokens(prompt).adapters(set(alora)).sampling(GREEDY).maxTokens(MAX_TOKENS)
                .build(), TokenListener.NONE);
        for (BranchResult b : r.branches()) assertThat(b.tokens()).containsExactly(alone.tokens());

        // adapterPrefill is what a plain LoRA needs: the whole prompt twice
        ReasoningResult p = model.reason(reasoning(plain).adapterPrefill(true).build(), TokenListener.NONE);
        assertThat(p.timings().forwardTokens()).isEqualTo(2L * n + fedBack(p.branches()));
    }

    @Test
    void withoutTheInvocationTheAdapterStaysOffAndTheResultSaysSo() {
        int[] prompt = prompt();
        assertThat(AdapterActivation.invocationStart(prompt, absent.invocationTokens())).isEqualTo(-1);
        GenerationResult off = model.generate(GenerationRequest.tokens(prompt).adapters(set(absent)).sampling(GREEDY).maxTokens(MAX_TOKENS)
                .ignoreEndOfGeneration(true).build(), TokenListener.NONE);
        GenerationResult base = model.generate(GenerationRequest.tokens(prompt).sampling(GREEDY).maxTokens(MAX_TOKENS)
                .ignoreEndOfGeneration(true).build(), TokenListener.NONE);
        assertThat(off.adapterActivation().invocationMissing()).isTrue();
        assertThat(base.adapterActivation().invocationMissing()).isFalse();
        assertThat(off.tokens()).containsExactly(base.tokens());

        ReasoningResult r = model.reason(reasoning(absent).build(), TokenListener.NONE);
        assertThat(r.adapterActivation().invocationMissing()).isTrue();
        assertThat(r.timings().forwardTokens()).as("one base prefill, nothing re-encoded").isEqualTo(prompt.length + fedBack(r.branches()));
    }

    @Test
    void anActivatedLoraIsRefusedBesideOtherAdaptersAndForFusion() {
        List<ScaledAdapter> mixed = List.of(new ScaledAdapter(alora, 1f), new ScaledAdapter(plain, 1f));
        assertThatThrownBy(() -> model.generate(GenerationRequest.tokens(prompt()).adapters(mixed).maxTokens(2).build(), TokenListener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be combined with other adapters");
        assertThatThrownBy(() -> model.reason(ReasoningRequest.builder(messages).adapters(mixed).build(), TokenListener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be combined with other adapters");
        assertThatThrownBy(() -> model.fuseAdapters(set(alora), FusedPrecision.F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be fused");
        assertThat(model.kvCache().pool().bytesInUse()).as("no KV block leaked by the refusals").isZero();
    }

    /** Response tokens run through the model: all, but a branch's last when it stopped at the token limit. */
    static long fedBack(List<BranchResult> branches) {
        long n = 0;
        for (BranchResult b : branches) n += b.tokens().length - (b.finishReason() == FinishReason.MAX_TOKENS ? 1 : 0);
        return n;
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
