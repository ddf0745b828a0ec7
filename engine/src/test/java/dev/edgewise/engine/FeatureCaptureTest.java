package dev.edgewise.engine;

import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.heads.SwitcherHead;
import dev.edgewise.engine.heads.VerifierHead;
import dev.edgewise.engine.kv.KvType;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tokenizer.ChatTemplate.Message;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

/**
 * The features the pipeline hands out for training heads are exactly what its heads read: the switcher's
 * probability and every verifier score follow from them bit for bit; a forced response is fed as if sampled.
 */
class FeatureCaptureTest {
    static Path file;
    static Model model;
    static LoraAdapter adapter;
    static Heads heads;

    @BeforeAll
    static void setUp(@TempDir Path dir) throws Exception {
        file = dir.resolve("m.gguf");
        SyntheticModels.write(ReasoningPipelineTest.SHAPE, GGMLType.F32, 17, file);
        model = Model.load(file, ModelOptions.defaults().withThreads(2).withKvType(KvType.F32));
        adapter = model.addAdapter(LoraAdapter.synthetic(model.config(), 8, 16, 5, AdapterPrecision.F32));
        heads = Heads.synthetic(model.config().dim(), 3);
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    static ReasoningRequest.Builder request(ReasoningMode mode, String question) {
        return ReasoningRequest.builder(List.of(new Message("user", question))).mode(mode).heads(heads)
                .adapters(List.of(new ScaledAdapter(adapter, 1f))).branches(3).sampling(ReasoningPipelineTest.SAMPLING).maxTokens(24)
                .budget(BudgetForcing.of(12).withAnswerAllowance(4));
    }

    @Test
    void capturedFeaturesGiveTheHeadsOutputsExactly() {
        ReasoningResult r = model.reason(request(ReasoningMode.ON, "What is two and three?").captureFeatures(true).build(), TokenListener.NONE);
        ReasoningResult.Features f = r.features();
        SwitcherHead s = heads.switcher().orElseThrow();
        VerifierHead v = heads.verifier().orElseThrow();
        assertThat(f.switcherPooled()).hasSize(model.config().dim());
        assertThat(r.switchProbability()).isEqualTo((double) s.probability(f.switcherPooled()));
        assertThat(f.verifierHidden()).hasSize(3);
        for (int i = 0; i < 3; i++) assertThat(r.verifierScores().get(i)).isEqualTo((double) v.score(f.verifierHidden().get(i), 0));
        assertThat(model.kvCache().pool().usedBlocks()).isZero();

        ReasoningResult plain = model.reason(request(ReasoningMode.ON, "What is two and three?").build(), TokenListener.NONE);
        assertThat(plain.features()).isNull();
        assertThat(plain.verifierScores()).isEqualTo(r.verifierScores()); // capturing changes nothing
    }

    @Test
    void aForcedResponseIsFedAsIfSampledThenVerified() throws Exception {
        String question = "What is two and three?", response = "Two and three make five. The answer is \\boxed{5}.";
        ReasoningResult r = model.reason(request(ReasoningMode.OFF, question).forcedResponse(response).captureFeatures(true)
                .verifierUsesAdapter(false).build(), TokenListener.NONE);
        BranchResult b = r.branches().getFirst();
        int[] forced = model.tokenizer().encode(response, true);
        assertThat(b.tokens()).containsExactly(forced);
        assertThat(b.text()).isEqualTo(response);
        assertThat(r.vote().answer()).contains("5");
        // reference: float64 forward of prompt + response + verification prompt, scored by the verifier
        int[] prompt = model.tokenizer().encode(ChatTemplate.render(List.of(new Message("user", question)), true), true);
        int[] suffix = model.tokenizer().encode(ReasoningRequest.DEFAULT_VERIFICATION_PROMPT, true);
        int[] all = new int[prompt.length + forced.length + suffix.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(forced, 0, all, prompt.length, forced.length);
        System.arraycopy(suffix, 0, all, prompt.length + forced.length, suffix.length);
        double[] last;
        try (GGUFFile g = GGUFFile.open(file)) {
            last = new ScalarQwen2Reference(g).hidden(all)[all.length - 1];
        }
        float[] captured = r.features().verifierHidden().getFirst();
        for (int i = 0; i < last.length; i++) assertThat((double) captured[i]).as("element %d", i).isCloseTo(last[i], offset(1e-3 * (1 + Math.abs(last[i]))));
        assertThat(model.kvCache().pool().usedBlocks()).isZero();
        assertThatThrownBy(() -> request(ReasoningMode.ON, question).forcedResponse("").build()).hasMessageContaining("forced response is empty");
    }
}
