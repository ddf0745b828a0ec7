package dev.edgewise.engine.lora;

import dev.edgewise.engine.LayerWeights;
import dev.edgewise.engine.ModelConfig;
import dev.edgewise.engine.ModelWeights;
import dev.edgewise.kernels.MatMul;
import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.quant.Float16;
import dev.edgewise.quant.GGMLType;
import dev.edgewise.quant.Quantize;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fusion on a one-layer model built in memory whose seven projections each have a different ggml
 * type, with two adapters (one skipping ffn_up) at different scales.
 */
class LoraFuserTest {
    /** 1 layer, dim 256 (K-quant rows need 256), kv 128, ffn 256. */
    static final ModelConfig C = new ModelConfig("fuser-test", 1, 256, 4, 2, 64, 256, 50, 512, 1e6f, 1e-6f, true);
    static final Map<LoraTarget, GGMLType> TYPES = new EnumMap<>(Map.of(
            LoraTarget.ATTN_Q, GGMLType.Q8_0, LoraTarget.ATTN_K, GGMLType.Q4_0, LoraTarget.ATTN_V, GGMLType.F16,
            LoraTarget.ATTN_OUTPUT, GGMLType.Q3_K, LoraTarget.FFN_GATE, GGMLType.F32, LoraTarget.FFN_UP, GGMLType.BF16,
            LoraTarget.FFN_DOWN, GGMLType.Q5_1));

    static WorkerPool pool;
    static Arena arena;
    static ModelWeights base;
    static List<ScaledAdapter> adapters;

    @BeforeAll
    static void setUp() {
        pool = new WorkerPool(2);
        arena = Arena.ofShared();
        Random rnd = new Random(11);
        Map<LoraTarget, WeightMatrix> m = new EnumMap<>(LoraTarget.class);
        for (LoraTarget t : LoraTarget.values()) m.put(t, randomMatrix(rnd, TYPES.get(t), t.outDim(C), t.inDim(C)));
        float[] ones = new float[256];
        java.util.Arrays.fill(ones, 1f);
        LayerWeights l = new LayerWeights(ones, m.get(LoraTarget.ATTN_Q), new float[256], m.get(LoraTarget.ATTN_K), new float[128],
                m.get(LoraTarget.ATTN_V), new float[128], m.get(LoraTarget.ATTN_OUTPUT), ones, m.get(LoraTarget.FFN_GATE),
                m.get(LoraTarget.FFN_UP), m.get(LoraTarget.FFN_DOWN));
        WeightMatrix embedding = randomMatrix(rnd, GGMLType.F32, 50, 256);
        base = new ModelWeights(embedding, new LayerWeights[]{l}, ones, embedding);
        adapters = List.of(new ScaledAdapter(adapter(rnd, 8, 16f, null), 1f), new ScaledAdapter(adapter(rnd, 4, 4f, LoraTarget.FFN_UP), -0.5f));
    }

    @AfterAll
    static void tearDown() {
        pool.close();
        arena.close();
    }

    static WeightMatrix randomMatrix(Random rnd, GGMLType type, int rows, int cols) {
        if (type == GGMLType.Q3_K) { // no quantizer: random blocks with a sane F16 scale (Q3_K keeps it in its last 2 bytes)
            byte[] bytes = new byte[(int) type.rowBytes(cols) * rows];
            rnd.nextBytes(bytes);
            MemorySegment seg = arena.allocate(bytes.length);
            seg.copyFrom(MemorySegment.ofArray(bytes));
            for (long b = 0; b < bytes.length; b += type.typeSize) {
                seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, b + type.typeSize - 2, Float16.fromFloat(0.002f + rnd.nextFloat() * 0.002f));
            }
            return new WeightMatrix(type, seg, rows, cols);
        }
        return AdapterStorage.matrix(SyntheticAdapter.gaussian(rnd, rows * cols, 0.05), rows, cols, type, arena);
    }

    static LoraAdapter adapter(Random rnd, int rank, float alpha, LoraTarget skip) {
        List<LoraPair> pairs = new ArrayList<>();
        for (LoraTarget t : LoraTarget.values()) {
            if (t == skip) continue;
            int in = t.inDim(C), out = t.outDim(C);
            pairs.add(new LoraPair(0, t,
                    AdapterStorage.matrix(SyntheticAdapter.gaussian(rnd, rank * in, 1 / Math.sqrt(in)), rank, in, GGMLType.F32, arena),
                    AdapterStorage.matrix(SyntheticAdapter.gaussian(rnd, out * rank, 0.01), out, rank, GGMLType.F16, arena)));
        }
        return LoraAdapter.of("test-r" + rank, alpha, false, pairs);
    }

    /** The exact fused weights in double: dequantized W plus sum s B A. */
    static double[] exact(LoraTarget t) {
        WeightMatrix w = t.of(base.layers()[0]);
        float[] wf = AdapterStorage.dequantize(w);
        double[] out = new double[wf.length];
        for (int i = 0; i < wf.length; i++) out[i] = wf[i];
        int in = w.cols();
        for (ScaledAdapter sa : adapters) {
            LoraPair p = sa.adapter().pair(0, t);
            if (p == null) continue;
            float[] a = AdapterStorage.dequantize(p.a()), b = AdapterStorage.dequantize(p.b());
            double s = sa.scale();
            for (int o = 0; o < w.rows(); o++) {
                for (int k = 0; k < p.rank(); k++) {
                    double c = s * b[o * p.rank() + k];
                    for (int i = 0; i < in; i++) out[o * in + i] += c * a[k * in + i];
                }
            }
        }
        return out;
    }

    @Test
    void f32FusionIsTheExactSumUpToFloatRounding() {
        try (FusedWeights f = LoraFuser.fuse(base, C, adapters, FusedPrecision.F32, pool)) {
            assertThat(f.fusedMatrices()).isEqualTo(7);
            for (LoraTarget t : LoraTarget.values()) {
                WeightMatrix m = t.of(f.weights().layers()[0]);
                assertThat(m.type()).isEqualTo(GGMLType.F32);
                float[] got = AdapterStorage.dequantize(m);
                double[] want = exact(t);
                double worst = 0, scale = 0;
                for (int i = 0; i < got.length; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - want[i]));
                    scale = Math.max(scale, Math.abs(want[i]));
                }
                assertThat(worst).as("%s max abs error (max |w| %.3f)", t, scale).isLessThan(1e-6 * scale);
            }
        }
    }

    @Test
    void sameTypeRequantizesTheF32FusionWithGgmlsQuantizerAndFallsBackToQ8_0() {
        try (FusedWeights f32 = LoraFuser.fuse(base, C, adapters, FusedPrecision.F32, pool);
             FusedWeights same = LoraFuser.fuse(base, C, adapters, FusedPrecision.SAME_TYPE, pool)) {
            for (LoraTarget t : LoraTarget.values()) {
                WeightMatrix m = t.of(same.weights().layers()[0]);
                GGMLType expected = TYPES.get(t) == GGMLType.Q3_K ? GGMLType.Q8_0 : TYPES.get(t);
                assertThat(m.type()).as(t.toString()).isEqualTo(expected);
                assertThat(FusedPrecision.SAME_TYPE.fusedType(TYPES.get(t), m.cols())).isEqualTo(expected);
                byte[] requantized = Quantize.quantize(expected, AdapterStorage.dequantize(t.of(f32.weights().layers()[0])));
                assertThat(m.data().toArray(ValueLayout.JAVA_BYTE)).as("%s bytes", t).isEqualTo(requantized);
            }
            assertThat(same.bytes()).isLessThan(f32.bytes());
        }
        try (FusedWeights f16 = LoraFuser.fuse(base, C, adapters, FusedPrecision.F16, pool)) {
            for (LoraTarget t : LoraTarget.values()) assertThat(t.of(f16.weights().layers()[0]).type()).isEqualTo(GGMLType.F16);
        }
    }

    @Test
    void packedFusionKeepsQ4_0OnlyAsItsPackingAndFusesAgainFromIt() {
        if (dev.edgewise.kernels.SimdKernels.preferred().int8PanelRows() == 0) return;
        List<ScaledAdapter> again = List.of(adapters.get(1));
        try (FusedWeights plain = LoraFuser.fuse(base, C, adapters, FusedPrecision.SAME_TYPE, pool, false);
             FusedWeights packed = LoraFuser.fuse(base, C, adapters, FusedPrecision.SAME_TYPE, pool, true);
             FusedWeights plainAgain = LoraFuser.fuse(plain.weights(), C, again, FusedPrecision.SAME_TYPE, pool, false);
             FusedWeights packedAgain = LoraFuser.fuse(packed.weights(), C, again, FusedPrecision.SAME_TYPE, pool, true)) {
            for (LoraTarget t : LoraTarget.values()) {
                WeightMatrix p = t.of(packed.weights().layers()[0]), q = t.of(plain.weights().layers()[0]);
                if (TYPES.get(t) != GGMLType.Q4_0) {
                    assertThat(p.data().toArray(ValueLayout.JAVA_BYTE)).as(t.toString()).isEqualTo(q.data().toArray(ValueLayout.JAVA_BYTE));
                    continue;
                }
                assertThat(p.hasData()).as("%s keeps no second copy", t).isFalse();
                assertThat(rows(p)).as(t.toString()).isEqualTo(rows(q));
                assertThat(rows(t.of(packedAgain.weights().layers()[0]))).as("%s fused again", t)
                        .isEqualTo(rows(t.of(plainAgain.weights().layers()[0])));
            }
            assertThat(packed.bytes()).isEqualTo(plain.bytes());
        }
    }

    /** Every row of m as floats, from its packing when it has one. */
    private static float[][] rows(WeightMatrix m) {
        float[][] out = new float[m.rows()][m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            if (m.packed() != null) m.packed().dequantizeRow(r, out[r], 0);
            else dev.edgewise.quant.Dequantize.row(m.type(), m.data(), r * m.rowBytes(), out[r], 0, m.cols());
        }
        return out;
    }

    @Test
    void untouchedTensorsAreSharedNotCopied() {
        List<ScaledAdapter> onlySecond = List.of(adapters.get(1));
        try (FusedWeights f = LoraFuser.fuse(base, C, onlySecond, FusedPrecision.SAME_TYPE, pool)) {
            LayerWeights b = base.layers()[0], l = f.weights().layers()[0];
            assertThat(f.fusedMatrices()).isEqualTo(6);
            assertThat(l.up()).isSameAs(b.up());
            assertThat(l.wq()).isNotSameAs(b.wq());
            assertThat(l.attnNorm()).isSameAs(b.attnNorm());
            assertThat(l.bq()).isSameAs(b.bq());
            assertThat(f.weights().tokenEmbedding()).isSameAs(base.tokenEmbedding());
            assertThat(f.weights().output()).isSameAs(base.output());
            assertThat(base.layers()[0]).isSameAs(b); // the base is not modified
        }
        try (FusedWeights none = LoraFuser.fuse(base, C, List.of(new ScaledAdapter(adapters.get(0).adapter(), 0f)), FusedPrecision.F32, pool)) {
            assertThat(none.fusedMatrices()).isZero();
            assertThat(none.bytes()).isZero();
            assertThat(none.weights().layers()[0]).isSameAs(base.layers()[0]);
        }
    }

    @Test
    void fusedMatmulEqualsBaseMatmulPlusTheDynamicDelta() {
        Random rnd = new Random(5);
        int batch = 3;
        try (FusedWeights f = LoraFuser.fuse(base, C, adapters, FusedPrecision.F32, pool)) {
            for (LoraTarget t : LoraTarget.values()) {
                WeightMatrix w = t.of(base.layers()[0]), fused = t.of(f.weights().layers()[0]);
                float[] x = SyntheticAdapter.gaussian(rnd, batch * w.cols(), 1);
                float[] viaFused = new float[batch * w.rows()], dynamic = new float[batch * w.rows()];
                MatMul.matmul(pool, fused, x, viaFused, batch);
                MatMul.matmul(pool, w, x, dynamic, batch);
                LoraScratch scratch = LoraScratch.forModel(C, batch, 8);
                for (ScaledAdapter sa : adapters) {
                    LoraPair p = sa.adapter().pair(0, t);
                    if (p != null) LoraKernels.addDelta(pool, p, sa.scale(), x, dynamic, batch, scratch);
                }
                double worst = 0, scale = 0;
                for (int i = 0; i < dynamic.length; i++) {
                    worst = Math.max(worst, Math.abs(dynamic[i] - viaFused[i]));
                    scale = Math.max(scale, Math.abs(viaFused[i]));
                }
                assertThat(worst).as("%s: fused vs dynamic (max |y| %.3f)", t, scale).isLessThan(1e-5 * scale);
            }
        }
    }

    @Test
    void adaptersThatDoNotFitTheModelAreRejectedBeforeAnyWork() {
        ModelConfig other = new ModelConfig("other", 1, 128, 4, 2, 32, 256, 50, 512, 1e6f, 1e-6f, true);
        assertThatThrownBy(() -> LoraFuser.fuse(base, other, adapters, FusedPrecision.F32, pool))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("blk.0.attn_q.weight.lora_a");
    }
}
