package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvType;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole-model conformance: teacher-forced logits of every fixture dump against the float64
 * "exact" reference and the llama.cpp reference.
 *
 * <p>Tolerance. Edgewise dequantizes exactly (bit-identical to ggml) and keeps activations in F32,
 * so against the exact reference it differs only by float32 rounding. The fixture README reports
 * that two F32 implementations (llama.cpp vs float64) agree within 4.2e-5 at a logit std of 8–16,
 * about 3e-6 of the spread; we observe at most 4.1e-5 on every dump. The suggested budget
 * is 1e-3 of the spread; we hold every logit to {@value #TOLERANCE_OF_STD}·std (8e-4 to 1.6e-3
 * absolute), ten times tighter, which still leaves a 20x margin over the rounding we measure.
 * Against llama.cpp, which rounds activations to the weights' partner type, we must stay within
 * the README's observed exact-vs-llama.cpp distance for that dump plus that same tolerance.
 */
class ReferenceLogitsTest {
    static final double TOLERANCE_OF_STD = 1e-4;

    @TestFactory
    Stream<DynamicTest> modelDumpsMatchTheExactReference() throws IOException {
        Path root = Fixtures.root();
        return ReferenceDump.all(root, "ref").stream()
                .map(d -> DynamicTest.dynamicTest(d.name(), () -> check(d)));
    }

    static void check(ReferenceDump d) throws IOException {
        try (Model model = Model.load(d.model(), exactOptions())) {
            check(d, model.logits(d.sequence(), 0));
        }
    }

    /** Float32 activations throughout: the arithmetic these tolerances are for. */
    static ModelOptions exactOptions() {
        return ModelOptions.defaults().withThreads(2).withBatchSize(16).withKvType(KvType.F32).withInt8Activations(false);
    }

    /** Loads with Q8_0, Q5_0, Q4_K, Q5_K and Q6_K packed for the integer kernels as well or not (the switch is read at load). */
    private static Model loadWithIntegerBlocks(Path model, boolean blocks) throws IOException {
        System.setProperty("edgewise.int8.blocks", Boolean.toString(blocks));
        try {
            return Model.load(model, ModelOptions.defaults().withThreads(2).withBatchSize(16).withKvType(KvType.F32));
        } finally {
            System.clearProperty("edgewise.int8.blocks");
        }
    }

    /** Dumps of the types the integer kernels run: Q4_0, Q8_0, Q5_0, Q4_K and Q6_K (Q4_K_M), Q5_K and Q6_K (Q5_K_M), Q6_K. */
    private static final java.util.regex.Pattern INT8_TYPES = java.util.regex.Pattern.compile("q4_0|q8_0|q5_0|q4_k_m|q5_k_m|q6_k");

    /**
     * With 8-bit activations (the default for Q4_0) the engine rounds activations as llama.cpp's
     * quantized dot products do (llama.cpp also keeps its activation scales in F16 and its KV cache in
     * F16, so the two do not coincide). On every Q4_0 dump the engine must be on average at least
     * as close to the exact reference as llama.cpp is, its largest deviation from exact may exceed
     * llama.cpp's by at most {@value #INT8_MAX_SLACK} (the maximum of a rounding process over ~50k
     * logits fluctuates: row by row either one is the farther), and it must stay within llama.cpp's
     * distance of llama.cpp. Measured, max |ours - exact| against llama.cpp's: 0.57-1.64 against
     * 0.89-1.79 (qwen2 dumps), 1.08 against 1.06 and 1.19 against 1.61 (small-qwen3-hd); mean
     * 0.177 against 0.185 (small-qwen3-hd-q4_0.p1); these Q4_0 criteria are checked with the
     * files' other matrices on the float kernels (the default). Q8_0, Q5_0, Q4_K, Q5_K and Q6_K run on
     * integers with {@code -Dedgewise.int8.blocks=true} (see LoadTimePacking), which every dump is
     * also checked with, the Q4_0 ones too, as the other types are (small-qwen3-hd-q4_0 with its
     * Q8_0 matrices on integers: 1.18 against 1.06 from exact, mean 0.1853 against 0.1847): the same
     * arithmetic lands on either side of llama.cpp's own distance (0.72-1.44 against 0.84-2.21; at
     * most 1.16x it, on nano-deep-untied-q8_0), so they must stay within 1.25x of it, from exact and
     * from llama.cpp; the K-quants round activations per 32 values where llama.cpp's Q8_K rounds per
     * 256, so they land nearer exact than llama.cpp does: with Q4_K, Q5_K and Q6_K all on integers,
     * 1.19-1.64 from exact where llama.cpp is 1.81-2.49 (small-q4_k_m, -q5_k_m, -q6_k), and 2.0-3.0
     * from llama.cpp (at most 1.20x llama.cpp's own distance, on small-q5_k_m.p2).
     */
    @TestFactory
    Stream<DynamicTest> int8DumpsMatchLlamaCpp() throws IOException {
        Path root = Fixtures.root();
        return ReferenceDump.all(root, "ref").stream()
                .filter(d -> INT8_TYPES.matcher(d.name()).find())
                .map(d -> DynamicTest.dynamicTest(d.name(), () -> {
                    // Q4_0 dumps with only Q4_0 on integers (Q4_0's criteria), then every dump with every packed type on integers
                    boolean q4_0 = d.name().contains("q4_0");
                    if (q4_0) checkInt8(d, false, true);
                    checkInt8(d, true, false);
                }));
    }

    /** One int8 dump check: with Q8_0/Q5_0/Q4_K on integers or not, under Q4_0's criteria or the others'. */
    private static void checkInt8(ReferenceDump d, boolean blocks, boolean q4_0) throws IOException {
        try (Model model = loadWithIntegerBlocks(d.model(), blocks)) {
            LogitsTrace trace = model.logits(d.sequence(), 0);
            int[] stored = d.ints("stored_rows");
            float[][] exact = d.rows("logits_exact");
            float[][] llama = d.rows("logits_llama_cpp");
            double llamaDistance = ((Number) d.diff().get("max_abs")).doubleValue();
            double toLlama = 0, toExact = 0, sumToExact = 0, sumLlamaToExact = 0;
            for (int k = 0; k < stored.length; k++) {
                float[] ours = trace.rows()[stored[k]];
                for (int v = 0; v < d.vocab(); v++) {
                    toLlama = Math.max(toLlama, Math.abs(ours[v] - llama[k][v]));
                    toExact = Math.max(toExact, Math.abs(ours[v] - exact[k][v]));
                    sumToExact += Math.abs(ours[v] - exact[k][v]);
                    sumLlamaToExact += Math.abs(llama[k][v] - exact[k][v]);
                }
            }
            System.out.printf(Locale.ROOT, "%-34s int8%s: max|ours-llama| %.4f max|ours-exact| %.4f (llama-exact %.4f), "
                    + "mean|ours-exact| %.4f (llama-exact %.4f)%n", d.name(), blocks ? "" : " (Q4_0 only)", toLlama, toExact, llamaDistance,
                    sumToExact / stored.length / d.vocab(), sumLlamaToExact / stored.length / d.vocab());
            if (q4_0) {
                assertThat(sumToExact).as("%s int8: mean |edgewise - exact| vs llama.cpp's", d.name()).isLessThanOrEqualTo(sumLlamaToExact);
                assertThat(toExact).as("%s int8: max |edgewise - exact|", d.name()).isLessThanOrEqualTo(llamaDistance * (1 + INT8_MAX_SLACK));
                assertThat(toLlama).as("%s int8: max |edgewise - llama.cpp|", d.name()).isLessThanOrEqualTo(llamaDistance);
            } else {
                assertThat(toExact).as("%s int8: max |edgewise - exact|", d.name()).isLessThanOrEqualTo(1.25 * llamaDistance);
                assertThat(toLlama).as("%s int8: max |edgewise - llama.cpp|", d.name()).isLessThanOrEqualTo(1.25 * llamaDistance);
            }
        }
    }

    /** How far (relative) the int8 path's largest deviation from exact may exceed llama.cpp's. */
    static final double INT8_MAX_SLACK = 0.1;

    static void check(ReferenceDump d, LogitsTrace trace) throws IOException {
        int vocab = d.vocab();
        double std = d.logitStd();
        double tol = TOLERANCE_OF_STD * std;
        int[] stored = d.ints("stored_rows");
        float[][] exact = d.rows("logits_exact");
        float[][] llama = d.rows("logits_llama_cpp");
        double llamaDistance = ((Number) d.diff().get("max_abs")).doubleValue();

        double worstExact = 0, worstLlama = 0;
        for (int k = 0; k < stored.length; k++) {
            float[] ours = trace.rows()[stored[k]];
            assertThat(ours).hasSize(vocab);
            for (int v = 0; v < vocab; v++) {
                worstExact = Math.max(worstExact, Math.abs(ours[v] - exact[k][v]));
                worstLlama = Math.max(worstLlama, Math.abs(ours[v] - llama[k][v]));
            }
        }
        // every row (not only stored ones): the exact top-8 logits, and greedy agreement where the margin is clear
        float[] margin = d.floats("margin_exact");
        int[] argmaxExact = d.ints("argmax_exact");
        List<List<Number>> topIds = d.topk("exact_ids"), topLogits = d.topk("exact_logits");
        double worstTop = 0;
        for (int r = 0; r < trace.rows().length; r++) {
            float[] ours = trace.rows()[r];
            for (int k = 0; k < topIds.get(r).size(); k++) {
                int id = topIds.get(r).get(k).intValue();
                worstTop = Math.max(worstTop, Math.abs(ours[id] - topLogits.get(r).get(k).doubleValue()));
            }
            if (margin[r] > 2 * tol) {
                assertThat(Sampler.argmax(ours, 0, vocab)).as("%s row %d greedy token (exact margin %.4f)", d.name(), r, margin[r])
                        .isEqualTo(argmaxExact[r]);
            }
        }
        System.out.printf(Locale.ROOT, "%-34s max|ours-exact| %.2e (top-8 all rows %.2e, tol %.2e)  max|ours-llama| %.3f (llama-exact %.3f)%n",
                d.name(), worstExact, worstTop, tol, worstLlama, llamaDistance);
        assertThat(worstExact).as("%s: max |edgewise - exact|", d.name()).isLessThanOrEqualTo(tol);
        assertThat(worstTop).as("%s: top-8 logits vs exact, all rows", d.name()).isLessThanOrEqualTo(tol);
        assertThat(worstLlama).as("%s: max |edgewise - llama.cpp|", d.name()).isLessThanOrEqualTo(llamaDistance + tol);
    }

}
