package dev.edgewise.engine;

import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.heads.SwitcherHead;
import dev.edgewise.engine.heads.VerifierHead;
import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.KvType;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.DynamicLora;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tokenizer.ChatTemplate.Message;
import dev.edgewise.engine.vote.VoteTally;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/**
 * The reasoning pipeline against independently computed references: a float64 forward for the base
 * model and the heads, and a teacher-forced batch with the adapter on for response rows only.
 */
class ReasoningPipelineTest {
    static final SyntheticShape SHAPE = new SyntheticShape("pipe", 2, 64, 4, 2, 128, 476, true);
    static final SamplingParams SAMPLING = new SamplingParams(0.8f, 40, 0.95f, 0f, 1f, 64, 21);
    static Path file;
    static Model model;
    static LoraAdapter adapter;
    static Heads heads;
    static String question;

    @BeforeAll
    static void setUp(@TempDir Path dir) throws Exception {
        file = dir.resolve("m.gguf");
        SyntheticModels.write(SHAPE, GGMLType.F32, 17, file);
        model = Model.load(file, ModelOptions.defaults().withThreads(2).withKvType(KvType.F32));
        adapter = model.addAdapter(LoraAdapter.synthetic(model.config(), 8, 16, 5, AdapterPrecision.F32));
        heads = Heads.synthetic(model.config().dim(), 3);
        question = "What is the sum of two and three? ".repeat(12) + "Answer in a box.";
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    static int[] prompt() {
        return model.tokenizer().encode(ChatTemplate.render(List.of(new Message("user", question)), true), true);
    }

    static ReasoningRequest.Builder request(ReasoningMode mode) {
        return ReasoningRequest.builder(List.of(new Message("user", question))).mode(mode).heads(heads)
                .adapters(List.of(new ScaledAdapter(adapter, 1f))).branches(3).sampling(SAMPLING).maxTokens(40)
                .budget(BudgetForcing.of(12).withAnswerAllowance(4)).verifierUsesAdapter(false);
    }

    @Test
    void thePromptIsEncodedOnceAndTheSwitcherReadsThatPass() throws Exception {
        ReasoningResult r = model.reason(request(ReasoningMode.ON).build(), TokenListener.NONE);
        int[] prompt = prompt();
        assertThat(r.timings().promptTokens()).isEqualTo(prompt.length).isGreaterThan(128); // more than one EMA chunk
        int suffix = model.tokenizer().encode(ReasoningRequest.DEFAULT_VERIFICATION_PROMPT, true).length;
        // every response token is fed once (in decode, or before verification), and each branch its verification suffix
        assertThat(r.timings().forwardTokens()).isEqualTo(prompt.length + r.timings().responseTokens() + 3L * suffix);
        assertThat(r.timings().verificationTokens()).isGreaterThanOrEqualTo(3 * suffix);

        // the switcher: EMA over 128-token chunks of float64 final hidden states, then the MLP, all scalar
        double[][] hidden;
        try (GGUFFile g = GGUFFile.open(file)) {
            hidden = new ScalarQwen2Reference(g).hidden(prompt);
        }
        SwitcherHead s = heads.switcher().orElseThrow();
        double[] pooled = null;
        for (int c0 = 0; c0 < prompt.length; c0 += s.chunk()) {
            double[] mean = new double[s.dim()];
            int end = Math.min(prompt.length, c0 + s.chunk());
            for (int t = c0; t < end; t++) for (int i = 0; i < mean.length; i++) mean[i] += hidden[t][i] / (end - c0);
            if (pooled == null) pooled = mean;
            else for (int i = 0; i < mean.length; i++) pooled[i] = s.alpha() * mean[i] + (1 - s.alpha()) * pooled[i];
        }
        double logit = s.b2();
        for (int j = 0; j < s.hidden(); j++) {
            double h = s.b1()[j];
            for (int i = 0; i < s.dim(); i++) h += s.w1()[j * s.dim() + i] * pooled[i];
            logit += s.w2()[j] * Math.max(0, h);
        }
        assertThat(r.switchProbability()).isCloseTo(1 / (1 + Math.exp(-logit)), offset(1e-4));
        assertThat(r.decidedBy()).isEqualTo("forced on");
    }

    @Test
    void theFirstTokenComesFromTheBaseAndLaterOnesFromTheAdapterOnResponsePositionsOnly() throws Exception {
        ReasoningResult r = model.reason(request(ReasoningMode.ON).build(), TokenListener.NONE);
        int[] prompt = prompt();
        assertThat(r.reasoned()).isTrue();
        try (WorkerPool pool = new WorkerPool(2)) {
            for (BranchResult b : r.branches()) {
                // reference: one teacher-forced batch, prompt rows without the adapter, response rows with it
                TransformerForward f = new TransformerForward(model.config(), ModelWeights.from(model.file(), model.config()), pool, 64);
                DynamicLora lora = new DynamicLora(pool, model.config());
                f.setDeltas(lora);
                int slot = lora.slot(List.of(new ScaledAdapter(adapter, 1f)));
                PagedKvCache cache = new PagedKvCache(model.config(), KvType.F32, 16, 64L << 20, 4096);
                KvSequence seq = cache.create();
                ForwardBatch batch = new ForwardBatch(prompt.length + b.tokens().length);
                for (int t : prompt) batch.add(t, seq, true, -1);
                for (int t : b.tokens()) batch.add(t, seq, true, slot);
                float[] logits = f.forward(batch, cache);
                int vocab = model.config().vocabSize();
                for (int k = 0; k < b.tokens().length; k++) {
                    if (Float.isNaN(b.logProbs()[k])) continue; // injected by budget forcing
                    float expected = Sampler.logProbability(logits, (prompt.length - 1 + k) * vocab, vocab, b.tokens()[k]);
                    assertThat(b.logProbs()[k]).as("branch %d token %d", b.branch(), k).isCloseTo(expected, offset(2e-4f));
                }
                if (b.forcedAt() >= 0) assertThat(b.forcedAt()).isEqualTo(12);
            }
        }
        // voting weighs each branch by its verifier score
        for (VoteTally t : r.vote().table()) {
            double sum = t.branches().stream().mapToDouble(i -> r.verifierScores().get(i)).sum();
            assertThat(t.weight()).isCloseTo(sum, offset(1e-9));
        }
    }

    @Test
    void theVerifierScoresTheHiddenStateAfterTheVerificationPrompt() throws Exception {
        ReasoningResult r = model.reason(request(ReasoningMode.OFF).build(), TokenListener.NONE);
        assertThat(r.reasoned()).isFalse();
        assertThat(r.branches()).hasSize(1);
        BranchResult b = r.branches().getFirst();
        int[] prompt = prompt();
        int[] suffix = model.tokenizer().encode(ReasoningRequest.DEFAULT_VERIFICATION_PROMPT, true);
        int[] all = new int[prompt.length + b.tokens().length + suffix.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(b.tokens(), 0, all, prompt.length, b.tokens().length);
        System.arraycopy(suffix, 0, all, prompt.length + b.tokens().length, suffix.length);
        double[] last;
        try (GGUFFile g = GGUFFile.open(file)) {
            double[][] hidden = new ScalarQwen2Reference(g).hidden(all);
            last = hidden[all.length - 1];
        }
        VerifierHead v = heads.verifier().orElseThrow();
        double logit = v.b();
        for (int i = 0; i < v.dim(); i++) logit += v.w()[i] * last[i];
        assertThat(r.verifierScores().getFirst()).isCloseTo(1 / (1 + Math.exp(-logit)), offset(1e-4));
    }

    @Test
    void autoModeFollowsTheSwitcher() throws Exception {
        ReasoningResult r = model.reason(request(ReasoningMode.AUTO).build(), TokenListener.NONE);
        assertThat(r.decidedBy()).isEqualTo("switcher");
        assertThat(r.reasoned()).isEqualTo(r.switchProbability() >= heads.switcher().orElseThrow().threshold());
        assertThat(r.branches()).hasSize(r.reasoned() ? 3 : 1);
        assertThat(model.kvCache().pool().usedBlocks()).isZero();
    }
}
