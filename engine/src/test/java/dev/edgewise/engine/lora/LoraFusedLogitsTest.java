package dev.edgewise.engine.lora;

import dev.edgewise.engine.ReferenceDump;
import dev.edgewise.engine.ForwardBatch;
import dev.edgewise.engine.ModelConfig;
import dev.edgewise.engine.ModelWeights;
import dev.edgewise.engine.TransformerForward;
import dev.edgewise.engine.Sampler;
import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.KvType;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole-model logits with adapters against the LoRA reference dumps (fixtures README section 7):
 * fused weights, and on-the-fly deltas ({@link DynamicLora}), both through the engine's
 * {@link TransformerForward}. The on-the-fly run interleaves the adapted sequence with a base-model
 * sequence in the same batches, so each adapter's delta runs over a subset of the rows, and the base
 * sequence must come out exactly as without adapters.
 *
 * <p>Tolerances. The exact reference is float64 over {@code dequant(W) + s B A}. With F32 fused
 * weights or F32 factors our only error is float32 rounding, held to {@value #TOLERANCE_OF_STD} of
 * the logit spread as the base-model conformance test does (observed: at most 3.4e-5, about 2e-6 of
 * the spread). Lossy choices (SAME_TYPE or F16 fusion, F16 or Q8_0 factors) are held to what
 * quantization does anyway: logits may move no more than {@link #QUANT_MARGIN} times the distance
 * between the F32 base model and the base model quantized to that type, both computed here on the
 * same tokens, i.e. "one more rounding of the kind the user chose". Observed ratios are 0.2 (F16 and
 * Q8_0 factors, which round only the 0.2-sized delta) to 1.02 (F16 fusion, one dump).
 */
class LoraFusedLogitsTest {
    static final double TOLERANCE_OF_STD = 1e-4;
    /** Observed ratios (lossy distance / base quantization distance) are 0.2 to 1.02; the max over 124k logits fluctuates. */
    static final double QUANT_MARGIN = 1.5;

    static WorkerPool pool;

    @BeforeAll
    static void setUp() {
        pool = new WorkerPool(2);
    }

    @AfterAll
    static void tearDown() {
        pool.close();
    }

    /** A base model and the dump's adapters, loaded (alternating GGUF and PEFT forms). */
    record Loaded(GGUFFile gguf, ModelConfig config, ModelWeights weights, List<ScaledAdapter> adapters) implements AutoCloseable {
        static Loaded of(ReferenceDump d, AdapterPrecision precision) throws IOException {
            return of(d, precision, null);
        }

        /** {@code peft}: every adapter from its PEFT form (true), its GGUF form (false), or alternating (null). */
        static Loaded of(ReferenceDump d, AdapterPrecision precision, Boolean peft) throws IOException {
            GGUFFile gguf = GGUFFile.open(d.model());
            ModelConfig c = ModelConfig.from(gguf);
            List<ScaledAdapter> adapters = new ArrayList<>();
            int i = 0;
            for (ReferenceDump.Applied a : d.lora()) {
                boolean usePeft = peft != null ? peft : i++ % 2 == 1;
                LoraAdapter adapter = LoraAdapter.load(usePeft ? a.peft() : a.gguf(), precision);
                assertThat(adapter.scale(a.userScale())).isEqualTo(a.s());
                adapters.add(new ScaledAdapter(adapter, a.userScale()));
            }
            return new Loaded(gguf, c, ModelWeights.from(gguf, c), adapters);
        }

        @Override
        public void close() {
            for (ScaledAdapter a : adapters) a.adapter().close();
            gguf.close();
        }
    }

    static float[][] teacherForce(ModelConfig c, ModelWeights w, int[] tokens) {
        return mixedBatch(c, w, List.of(), tokens, false)[0];
    }

    /**
     * Logits of {@code tokens} with {@code adapters} applied on the fly; with {@code withBase}, a
     * second sequence without adapters runs interleaved in the same batches and its logits are
     * returned second.
     */
    static float[][][] mixedBatch(ModelConfig c, ModelWeights w, List<ScaledAdapter> adapters, int[] tokens, boolean withBase) {
        TransformerForward f = new TransformerForward(c, w, pool, 16);
        DynamicLora lora = new DynamicLora(pool, c);
        f.setDeltas(lora);
        int slot = lora.slot(adapters);
        PagedKvCache cache = new PagedKvCache(c, KvType.F32, 16, 64L << 20, 1024);
        KvSequence adapted = cache.create(), base = cache.create();
        ForwardBatch batch = new ForwardBatch(2 * tokens.length);
        for (int t : tokens) {
            batch.add(t, adapted, true, slot);
            if (withBase) batch.add(t, base, true, -1);
        }
        float[] all = f.forward(batch, cache);
        int streams = withBase ? 2 : 1, vocab = c.vocabSize();
        float[][][] out = new float[streams][tokens.length][];
        for (int i = 0; i < batch.size(); i++) out[i % streams][i / streams] = Arrays.copyOfRange(all, i * vocab, (i + 1) * vocab);
        return out;
    }

    /** Max |ours - exact| over the stored rows (full vocabulary) and over the exact top-8 of every row. */
    static double distance(ReferenceDump d, float[][] ours) throws IOException {
        int[] stored = d.ints("stored_rows");
        float[][] exact = d.rows("logits_exact");
        double worst = 0;
        for (int k = 0; k < stored.length; k++) {
            for (int v = 0; v < d.vocab(); v++) worst = Math.max(worst, Math.abs(ours[stored[k]][v] - exact[k][v]));
        }
        List<List<Number>> ids = d.topk("exact_ids"), logits = d.topk("exact_logits");
        for (int r = 0; r < ours.length; r++) {
            for (int k = 0; k < ids.get(r).size(); k++) {
                worst = Math.max(worst, Math.abs(ours[r][ids.get(r).get(k).intValue()] - logits.get(r).get(k).doubleValue()));
            }
        }
        return worst;
    }

    /** Greedy tokens must agree with the exact reference wherever its top-2 margin exceeds twice {@code tol}. */
    static void assertGreedyAgrees(ReferenceDump d, float[][] ours, double tol, String what) {
        float[] margin = d.floats("margin_exact");
        int[] argmax = d.ints("argmax_exact");
        for (int r = 0; r < ours.length; r++) {
            if (margin[r] > 2 * tol) {
                assertThat(Sampler.argmax(ours[r], 0, d.vocab())).as("%s %s row %d (margin %.4f)", d.name(), what, r, margin[r]).isEqualTo(argmax[r]);
            }
        }
    }

    /** The plain LoRA dumps (activated LoRA applies to some rows only and cannot be fused: {@code AloraReferenceTest}). */
    static Stream<ReferenceDump> dumps() throws IOException {
        return ReferenceDump.all(Fixtures.root(), "lora/ref").stream().filter(d -> !d.alora());
    }

    @TestFactory
    Stream<DynamicTest> f32FusionMatchesTheExactReference() throws IOException {
        return dumps().flatMap(d -> Stream.of(false, true).map(peft -> DynamicTest.dynamicTest(d.name() + (peft ? " (PEFT)" : " (GGUF)"), () -> {
            try (Loaded l = Loaded.of(d, AdapterPrecision.F32, peft);
                 FusedWeights f = LoraFuser.fuse(l.weights(), l.config(), l.adapters(), FusedPrecision.F32, pool)) {
                assertThat(f.fusedMatrices()).isEqualTo(7 * l.config().nLayers());
                float[][] ours = teacherForce(l.config(), f.weights(), d.sequence());
                double tol = TOLERANCE_OF_STD * d.logitStd(), dist = distance(d, ours);
                System.out.printf(Locale.ROOT, "fused F32   %-28s max|ours-exact| %.2e (tol %.2e)%n", d.name(), dist, tol);
                assertThat(dist).as("%s fused F32 vs exact", d.name()).isLessThanOrEqualTo(tol);
                assertGreedyAgrees(d, ours, tol, "fused F32");
            }
        })));
    }

    @TestFactory
    Stream<DynamicTest> dynamicDeltasMatchTheExactReference() throws IOException {
        return dumps().map(d -> DynamicTest.dynamicTest(d.name(), () -> {
            int[] tokens = d.sequence();
            // lossy factor precisions on two dumps (both model shapes, two adapters at once); F32 on all
            boolean lossyToo = d.name().startsWith("nano") || d.lora().size() > 1;
            for (AdapterPrecision precision : lossyToo ? AdapterPrecision.values() : new AdapterPrecision[]{AdapterPrecision.F32}) {
                try (Loaded l = Loaded.of(d, precision)) {
                    float[][][] both = mixedBatch(l.config(), l.weights(), l.adapters(), tokens, true);
                    float[][] ours = both[0];
                    float[][] alone = teacherForce(l.config(), l.weights(), tokens);
                    for (int r = 0; r < tokens.length; r++) { // the same up to float rounding of other batch tiles
                        for (int v = 0; v < d.vocab(); v++) {
                            assertThat(both[1][r][v]).as("%s base row %d beside adapted rows", d.name(), r)
                                    .isCloseTo(alone[r][v], org.assertj.core.data.Offset.offset(1e-4f * Math.max(1f, Math.abs(alone[r][v]))));
                        }
                    }
                    double tol = TOLERANCE_OF_STD * d.logitStd(), dist = distance(d, ours);
                    System.out.printf(Locale.ROOT, "dynamic %-4s %-28s max|ours-exact| %.3e%n", precision, d.name(), dist);
                    if (precision == AdapterPrecision.F32) {
                        assertThat(dist).as("%s dynamic F32 vs exact", d.name()).isLessThanOrEqualTo(tol);
                        assertGreedyAgrees(d, ours, tol, "dynamic F32");
                    } else {
                        double bound = QUANT_MARGIN * quantizationDistance(d, precision.name().toLowerCase(Locale.ROOT)) + tol;
                        assertThat(dist).as("%s dynamic %s vs exact", d.name(), precision).isLessThanOrEqualTo(bound);
                    }
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> lossyFusionMovesLogitsNoMoreThanQuantizingTheBase() throws IOException {
        // on the quantized bases (on F32 bases SAME_TYPE is F32, tested above)
        return dumps().filter(d -> !d.model().getFileName().toString().contains("f32")).map(d -> DynamicTest.dynamicTest(d.name(), () -> {
            String model = d.model().getFileName().toString();
            String baseType = model.substring(model.indexOf('-') + 1, model.indexOf('.'));
            try (Loaded l = Loaded.of(d, AdapterPrecision.F32)) {
                double noLora = distance(d, teacherForce(l.config(), l.weights(), d.sequence()));
                for (FusedPrecision p : List.of(FusedPrecision.SAME_TYPE, FusedPrecision.F16)) {
                    String lossyType = p == FusedPrecision.F16 ? "f16" : baseType;
                    try (FusedWeights f = LoraFuser.fuse(l.weights(), l.config(), l.adapters(), p, pool)) {
                        double dist = distance(d, teacherForce(l.config(), f.weights(), d.sequence()));
                        double tol = TOLERANCE_OF_STD * d.logitStd();
                        double bound = QUANT_MARGIN * quantizationDistance(d, lossyType) + tol;
                        System.out.printf(Locale.ROOT, "fused %-9s %-28s max|ours-exact| %.3e, bound %.3e (without the adapters: %.1f)%n",
                                p, d.name(), dist, bound, noLora);
                        assertThat(dist).as("%s fused %s vs exact", d.name(), p).isLessThanOrEqualTo(bound);
                    }
                }
            }
        }));
    }

    /** Max |logits(family-f32) - logits(family-type)| over every row and logit of the dump's tokens: what quantizing the base to {@code type} does. */
    static double quantizationDistance(ReferenceDump d, String type) throws IOException {
        String model = d.model().getFileName().toString();
        String family = model.substring(0, model.indexOf('-'));
        float[][] f32 = baseLogits(family + "-f32.gguf", d);
        float[][] q = baseLogits(family + "-" + type + ".gguf", d);
        double worst = 0;
        for (int r = 0; r < f32.length; r++) for (int v = 0; v < f32[r].length; v++) worst = Math.max(worst, Math.abs(f32[r][v] - q[r][v]));
        return worst;
    }

    /** Logits of a fixture model without adapters on the dump's tokens, computed once per test run. */
    static float[][] baseLogits(String model, ReferenceDump d) throws IOException {
        String key = model + "|" + d.name();
        float[][] cached = BASE_LOGITS.get(key);
        if (cached != null) return cached;
        try (GGUFFile g = GGUFFile.open(Fixtures.path("models/" + model))) {
            ModelConfig c = ModelConfig.from(g);
            float[][] rows = teacherForce(c, ModelWeights.from(g, c), d.sequence());
            BASE_LOGITS.put(key, rows);
            return rows;
        }
    }

    private static final java.util.Map<String, float[][]> BASE_LOGITS = new java.util.concurrent.ConcurrentHashMap<>();
}
