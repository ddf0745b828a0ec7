package dev.edgewise.engine;

import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.engine.kv.KvType;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.quant.GGMLType;
import dev.edgewise.quant.QuantPreset;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Models the test writes itself (no fixtures needed): the engine against an independent float64
 * forward pass, and batched prompt evaluation against one token at a time.
 */
class SyntheticModelForwardTest {
    /** GQA with 2 query heads per KV head, untied output, odd FFN width in Q8_0 blocks. */
    static final SyntheticShape SHAPE = new SyntheticShape("test", 2, 64, 4, 2, 96, 300, false);
    /** Qwen3 layout with heads of 24 (queries 96 wide in a 64 wide model, as Qwen3's are wider than the model), tied output. */
    static final SyntheticShape QWEN3 = SyntheticShape.qwen3("test-qwen3", 2, 64, 4, 2, 24, 96, 300, true);
    static final int[] TOKENS = {5, 17, 290, 3, 3, 44, 100, 7, 299, 0, 12};

    @TempDir
    Path dir;

    static Stream<Arguments> shapesAndTypes() {
        return Stream.of(SHAPE, QWEN3).flatMap(shape -> Stream.of(GGMLType.F32, GGMLType.F16, GGMLType.Q8_0, GGMLType.Q4_0)
                .map(type -> Arguments.of(shape, type)));
    }

    @ParameterizedTest
    @MethodSource("shapesAndTypes")
    void matchesAnIndependentFloat64Forward(SyntheticShape shape, GGMLType type) throws Exception {
        Path file = dir.resolve("m.gguf");
        SyntheticModels.write(shape, type, 3, file);
        double[][] expected;
        try (GGUFFile f = GGUFFile.open(file)) {
            expected = new ScalarQwen2Reference(f).logits(TOKENS);
        }
        for (int batch : new int[]{1, 4, 64}) {
            try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2).withBatchSize(batch).withKvType(KvType.F32).withInt8Activations(false))) {
                LogitsTrace trace = m.logits(TOKENS, 0);
                double worst = 0, scale = 0;
                for (int t = 0; t < TOKENS.length; t++) {
                    for (int v = 0; v < shape.vocabSize(); v++) {
                        worst = Math.max(worst, Math.abs(trace.rows()[t][v] - expected[t][v]));
                        scale = Math.max(scale, Math.abs(expected[t][v]));
                    }
                }
                assertThat(m.config().architecture()).isEqualTo(shape.architecture());
                assertThat(m.config().headDim()).isEqualTo(shape.headDim());
                assertThat(worst).as("%s %s batch %d: max abs error vs float64 (max |logit| %.1f)", shape.name(), type, batch, scale)
                        .isLessThan(1e-4 * Math.max(1, scale));
            }
        }
    }

    /** {@code n} seeded token ids of {@link #SHAPE}'s vocabulary. */
    static int[] longTokens(int n, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) tokens[i] = r.nextInt(SHAPE.vocabSize());
        return tokens;
    }

    /**
     * Rows longer than {@link TransformerForward#SPLIT_POSITIONS} attend in parts merged by their
     * maxima and sums: every row of a 2,600-token prompt (whole rows, two and three parts, in prompt
     * batches that mix them) against the float64 forward.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "Q8_0"})
    void rowsSplitIntoPartsMatchTheFloat64Forward(GGMLType type) throws Exception {
        Path file = dir.resolve("long.gguf");
        SyntheticModels.write(SHAPE, type, 5, file);
        int[] tokens = longTokens(2 * Attention.SPLIT_POSITIONS + 552, 1);
        double[][] expected;
        try (GGUFFile f = GGUFFile.open(file)) {
            expected = new ScalarQwen2Reference(f).logits(tokens);
        }
        for (int batch : new int[]{7, 64}) {
            try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2).withBatchSize(batch).withKvType(KvType.F32)
                    .withInt8Activations(false).withContextSize(4096))) {
                LogitsTrace trace = m.logits(tokens, 0);
                double worst = 0, scale = 0;
                for (int t = 0; t < tokens.length; t++) {
                    for (int v = 0; v < SHAPE.vocabSize(); v++) {
                        worst = Math.max(worst, Math.abs(trace.rows()[t][v] - expected[t][v]));
                        scale = Math.max(scale, Math.abs(expected[t][v]));
                    }
                }
                assertThat(worst).as("%s batch %d: max abs error vs float64 over %d rows (max |logit| %.1f)", type, batch, tokens.length, scale)
                        .isLessThan(1e-4 * Math.max(1, scale));
            }
        }
    }

    /** A branch decoding past a split point (a 1,100-token prompt) samples the same tokens alone as among eight. */
    @ParameterizedTest
    @EnumSource(value = KvType.class, names = {"F32", "F16"})
    void aBranchWithSplitAttentionDecodesTheSameAloneAsInABatchOfEight(KvType kv) throws Exception {
        Path file = dir.resolve("branches.gguf");
        SyntheticModels.write(SHAPE, GGMLType.Q8_0, 6, file);
        SamplingParams sampling = BranchDecodingTest.SAMPLING;
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2).withKvType(kv).withContextSize(4096))) {
            GenerationRequest.Builder request = GenerationRequest.tokens(longTokens(Attention.SPLIT_POSITIONS + 76, 2))
                    .maxTokens(8).ignoreEndOfGeneration(true);
            GenerationResult eight = m.generate(request.branches(8).sampling(sampling).build(), TokenListener.NONE);
            for (int i = 0; i < 8; i++) {
                GenerationResult alone = m.generate(request.branches(1).sampling(sampling.withSeed(sampling.seed() + i)).build(), TokenListener.NONE);
                assertThat(eight.branches().get(i).tokens()).as("%s branch %d", kv, i).isEqualTo(alone.tokens());
            }
        }
    }

    /** K-quant presets on a Qwen3 layout whose rows are whole super-blocks (queries 384 wide in a 256 wide model). */
    @ParameterizedTest
    @EnumSource(names = {"Q4_K_M", "Q6_K"})
    void qwen3KQuantsMatchTheFloat64Forward(QuantPreset preset) throws Exception {
        SyntheticShape shape = SyntheticShape.qwen3("test-qwen3-k", 1, 256, 4, 2, 96, 256, 300, true);
        Path file = dir.resolve("k.gguf");
        SyntheticModels.write(shape, preset, 6, file);
        double[][] expected;
        try (GGUFFile f = GGUFFile.open(file)) {
            expected = new ScalarQwen2Reference(f).logits(TOKENS);
        }
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2).withKvType(KvType.F32).withInt8Activations(false))) {
            LogitsTrace trace = m.logits(TOKENS, 0);
            double worst = 0, scale = 0;
            for (int t = 0; t < TOKENS.length; t++) {
                for (int v = 0; v < shape.vocabSize(); v++) {
                    worst = Math.max(worst, Math.abs(trace.rows()[t][v] - expected[t][v]));
                    scale = Math.max(scale, Math.abs(expected[t][v]));
                }
            }
            assertThat(worst).as("%s: max abs error vs float64 (max |logit| %.1f)", preset, scale).isLessThan(1e-4 * Math.max(1, scale));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0"})
    void greedyGenerationContinuesTheTeacherForcedArgmax(GGMLType type) throws Exception {
        Path file = dir.resolve("g.gguf");
        SyntheticModels.write(SHAPE, type, 4, file);
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2))) {
            GenerationResult r = m.generate(GenerationRequest.tokens(TOKENS).maxTokens(12).ignoreEndOfGeneration(true).build(), TokenListener.NONE);
            LogitsTrace trace = m.logits(TOKENS, 12);
            assertThat(r.tokens()).hasSize(12);
            for (int i = 0; i < 12; i++) assertThat(r.tokens()[i]).isEqualTo(trace.tokens()[TOKENS.length + i]);
            assertThat(r.timings().promptTokens()).isEqualTo(TOKENS.length);
            assertThat(m.tokensEvaluated()).as("prompt once + 11 decode steps, then the trace").isEqualTo(TOKENS.length + 11 + TOKENS.length + 12);
        }
    }
}
