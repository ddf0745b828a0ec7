package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvBlockPool;
import dev.edgewise.engine.kv.KvType;
import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.loader.testing.Fixtures;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Parallel branches: one prefill, shared KV, batched decode, per-branch results independent of batching. */
class BranchDecodingTest {
    static final SamplingParams SAMPLING = new SamplingParams(0.9f, 40, 0.95f, 0f, 1f, 64, 11);

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"nano-q4_0", "small-q8_0", "small-q4_k_m", "small-f16", "nano-deep-untied-f32", "tiny-real-q8_0"})
    void aBranchDecodesTheSameTokensAloneAsInABatchOfEight(String name) throws Exception {
        Path file = Fixtures.path("models/" + name + ".gguf");
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2))) {
            GenerationRequest.Builder request = GenerationRequest.prompt("Hello, my name is").maxTokens(16)
                    .ignoreEndOfGeneration(true);
            List<String> streamed = new ArrayList<>(List.of("", "", "", "", "", "", "", ""));
            GenerationResult eight = m.generate(request.branches(8).sampling(SAMPLING).build(),
                    e -> streamed.set(e.branch(), streamed.get(e.branch()) + e.text()));
            assertThat(eight.branches()).hasSize(8);
            assertThat(eight.branches().stream().map(b -> java.util.Arrays.toString(b.tokens())).distinct().count())
                    .as("branches sample different continuations").isGreaterThan(1);
            for (int i = 0; i < 8; i++) {
                GenerationResult alone = m.generate(request.branches(1).sampling(SAMPLING.withSeed(SAMPLING.seed() + i)).build(), TokenListener.NONE);
                BranchResult b = eight.branches().get(i);
                assertThat(b.tokens()).as("%s branch %d", name, i).isEqualTo(alone.tokens());
                // logits agree to float rounding, not bit for bit: a batch accumulates in other tiles, and
                // F16 keys and values can round those last bits to the next half-precision step
                for (int t = 0; t < b.logProbs().length; t++) {
                    assertThat(b.logProbs()[t]).as("%s branch %d log-prob %d", name, i, t)
                            .isCloseTo(alone.logProbs()[t], org.assertj.core.data.Offset.offset(5e-3f));
                }
                assertThat(b.text()).isEqualTo(alone.text()).isEqualTo(streamed.get(i));
            }
            assertThat(m.kvCache().pool().usedBlocks()).as("every block returned").isZero();
        }
    }

    @Test
    void thePromptIsEvaluatedOnceForAllBranches() throws Exception {
        Path file = dir.resolve("m.gguf");
        SyntheticModels.write(new SyntheticShape("t", 2, 64, 4, 2, 96, 300, true), GGMLType.Q8_0, 1, file);
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2))) {
            int[] prompt = new int[40];
            for (int i = 0; i < prompt.length; i++) prompt[i] = 3 + i;
            GenerationResult r = m.generate(GenerationRequest.tokens(prompt).branches(6).maxTokens(10).sampling(SAMPLING)
                    .ignoreEndOfGeneration(true).build(), TokenListener.NONE);
            // 40 prompt tokens once; then 9 steps of 6 rows (each branch's 10th token needs no forward)
            assertThat(m.tokensEvaluated()).isEqualTo(40 + 9 * 6);
            assertThat(r.timings().decodeSteps()).isEqualTo(9);
            assertThat(r.timings().generatedTokens()).isEqualTo(60);
            assertThat(r.timings().decodedTokens()).isEqualTo(54);
        }
    }

    @Test
    void branchesThatRunOutOfKvBlocksStopCleanlyAndOthersFinish() throws Exception {
        Path file = dir.resolve("m.gguf");
        SyntheticShape shape = new SyntheticShape("t", 2, 64, 4, 2, 96, 300, true);
        SyntheticModels.write(shape, GGMLType.Q8_0, 1, file);
        var config = new ModelConfig("t", 2, 64, 4, 2, 16, 96, 300, 4096, 1e6f, 1e-6f, true);
        long block = KvBlockPool.bytesPerBlock(config, KvType.F16, 16);
        // 32 prompt positions = 2 blocks shared; each branch needs 1 more block for 16 new tokens: room for 3 of 4
        ModelOptions options = ModelOptions.defaults().withThreads(2).withKvBudgetBytes(5 * block);
        try (Model m = Model.load(file, options)) {
            int[] prompt = new int[32];
            for (int i = 0; i < prompt.length; i++) prompt[i] = 5 + i;
            GenerationResult r = m.generate(GenerationRequest.tokens(prompt).branches(4).maxTokens(12).sampling(SAMPLING)
                    .ignoreEndOfGeneration(true).build(), TokenListener.NONE);
            List<FinishReason> reasons = r.branches().stream().map(BranchResult::finishReason).toList();
            assertThat(reasons).containsExactly(FinishReason.MAX_TOKENS, FinishReason.MAX_TOKENS, FinishReason.MAX_TOKENS, FinishReason.CACHE_FULL);
            assertThat(r.branches().get(3).tokens()).as("the first token comes from the shared prompt logits").hasSize(1);
            for (int i = 0; i < 3; i++) assertThat(r.branches().get(i).tokens()).hasSize(12);
            assertThat(m.kvCache().pool().usedBlocks()).isZero();
        }
    }
}
