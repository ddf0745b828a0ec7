package dev.edgewise.engine.lora;

import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The on-the-fly kernel against a plain double-precision reference on the stored (rounded) factors. */
class LoraKernelsTest {
    static WorkerPool pool;
    static Arena arena;

    @BeforeAll
    static void setUp() {
        pool = new WorkerPool(2);
        arena = Arena.ofShared();
    }

    @AfterAll
    static void tearDown() {
        pool.close();
        arena.close();
    }

    /** A pair of the given shape with random factors stored at {@code precision}. */
    static LoraPair pair(int in, int out, int rank, AdapterPrecision precision, long seed) {
        Random rnd = new Random(seed);
        float[] a = SyntheticAdapter.gaussian(rnd, rank * in, 1 / Math.sqrt(in));
        float[] b = SyntheticAdapter.gaussian(rnd, out * rank, 0.3);
        return new LoraPair(0, LoraTarget.FFN_UP,
                AdapterStorage.matrix(a, rank, in, precision.storageType(in), arena),
                AdapterStorage.matrix(b, out, rank, precision.storageType(rank), arena));
    }

    /** Checks {@code got} row {@code row} against out0 + s B A x in double, with a float-rounding tolerance. */
    static void assertRow(LoraPair p, float s, float[] x, int xRow, float[] out0, float[] got, int row, String what) {
        float[] a = AdapterStorage.dequantize(p.a()), b = AdapterStorage.dequantize(p.b());
        int in = p.inDim(), out = p.outDim(), r = p.rank();
        double[] t = new double[r], tMag = new double[r];
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < in; i++) {
                t[k] += (double) a[k * in + i] * x[xRow * in + i];
                tMag[k] += Math.abs((double) a[k * in + i] * x[xRow * in + i]);
            }
        }
        for (int o = 0; o < out; o++) {
            double d = 0, mag = Math.abs(out0[row * out + o]);
            for (int k = 0; k < r; k++) {
                d += s * (double) b[o * r + k] * t[k];
                mag += Math.abs(s * (double) b[o * r + k]) * tMag[k];
            }
            double expected = out0[row * out + o] + d;
            double err = Math.abs(got[row * out + o] - expected);
            // float32 dot products over in + r terms: a few ulps of the magnitudes summed
            assertThat(err).as("%s row %d output %d: got %s expected %s", what, row, o, got[row * out + o], expected)
                    .isLessThanOrEqualTo(1e-5 * mag + 1e-7);
        }
    }

    @ParameterizedTest
    @EnumSource(AdapterPrecision.class)
    void wholeBatchMatchesTheDoubleReference(AdapterPrecision precision) {
        Random rnd = new Random(1);
        for (int[] shape : new int[][]{{64, 96, 8}, {96, 48, 32}, {160, 40, 16}}) {
            LoraPair p = pair(shape[0], shape[1], shape[2], precision, shape[2]);
            if (precision == AdapterPrecision.Q8_0) {
                assertThat(p.a().type()).isEqualTo(GGMLType.Q8_0);
                assertThat(p.b().type()).isEqualTo(shape[2] % 32 == 0 ? GGMLType.Q8_0 : GGMLType.F16);
            }
            LoraScratch scratch = new LoraScratch();
            for (int batch = 1; batch <= 5; batch++) {
                float[] x = SyntheticAdapter.gaussian(rnd, batch * p.inDim(), 1);
                float[] out0 = SyntheticAdapter.gaussian(rnd, batch * p.outDim(), 1);
                float[] out = out0.clone();
                float s = 1.75f;
                LoraKernels.addDelta(pool, p, s, x, out, batch, scratch);
                for (int row = 0; row < batch; row++) assertRow(p, s, x, row, out0, out, row, precision + " " + Arrays.toString(shape) + " batch " + batch);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(AdapterPrecision.class)
    void rowSubsetsTouchOnlyTheirRows(AdapterPrecision precision) {
        Random rnd = new Random(2);
        LoraPair p = pair(96, 64, 32, precision, 9);
        LoraScratch scratch = new LoraScratch(5, 32, 96);
        int batch = 5;
        for (int[] rows : new int[][]{{3, 0}, {4}, {1, 2, 3, 4, 0}, {2, 4, 1}, {}}) {
            float[] x = SyntheticAdapter.gaussian(rnd, batch * p.inDim(), 1);
            float[] out0 = SyntheticAdapter.gaussian(rnd, batch * p.outDim(), 1);
            int[] padded = Arrays.copyOf(rows, rows.length + 2); // entries past nRows must be ignored
            padded[rows.length] = 99;
            float[] out = out0.clone();
            LoraKernels.addDelta(pool, p, -0.5f, x, out, padded, rows.length, scratch);
            boolean[] used = new boolean[batch];
            for (int r : rows) {
                used[r] = true;
                assertRow(p, -0.5f, x, r, out0, out, r, precision + " rows " + Arrays.toString(rows));
            }
            for (int r = 0; r < batch; r++) {
                if (!used[r]) {
                    assertThat(Arrays.copyOfRange(out, r * 64, (r + 1) * 64)).as("row %d untouched", r)
                            .isEqualTo(Arrays.copyOfRange(out0, r * 64, (r + 1) * 64));
                }
            }
        }
    }

    @Test
    void subsetOfAllRowsEqualsTheWholeBatchBitForBit() {
        Random rnd = new Random(3);
        LoraPair p = pair(64, 96, 8, AdapterPrecision.F16, 4);
        float[] x = SyntheticAdapter.gaussian(rnd, 4 * 64, 1);
        float[] whole = SyntheticAdapter.gaussian(rnd, 4 * 96, 1), subset = whole.clone();
        LoraKernels.addDelta(pool, p, 2f, x, whole, 4, new LoraScratch());
        LoraKernels.addDelta(pool, p, 2f, x, subset, new int[]{0, 1, 2, 3}, 4, new LoraScratch());
        assertThat(subset).isEqualTo(whole);
    }

    @Test
    void zeroScaleAndEmptyBatchesChangeNothing() {
        LoraPair p = pair(64, 96, 8, AdapterPrecision.F32, 5);
        float[] x = SyntheticAdapter.gaussian(new Random(4), 2 * 64, 1);
        float[] out = SyntheticAdapter.gaussian(new Random(5), 2 * 96, 1), before = out.clone();
        LoraKernels.addDelta(pool, p, 0f, x, out, 2, new LoraScratch());
        LoraKernels.addDelta(pool, p, 1f, x, out, 0, new LoraScratch());
        LoraKernels.addDelta(pool, p, 1f, x, out, new int[]{1}, 0, new LoraScratch());
        assertThat(out).isEqualTo(before);
    }

    @Test
    void badArgumentsAreRejected() {
        LoraPair p = pair(64, 96, 8, AdapterPrecision.F32, 6);
        LoraScratch s = new LoraScratch();
        assertThatThrownBy(() -> LoraKernels.addDelta(pool, p, 1f, new float[64], new float[2 * 96], 2, s))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x holds 64");
        assertThatThrownBy(() -> LoraKernels.addDelta(pool, p, 1f, new float[2 * 64], new float[96], 2, s))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out holds 96");
        assertThatThrownBy(() -> LoraKernels.addDelta(pool, p, 1f, new float[2 * 64], new float[2 * 96], new int[]{2}, 1, s))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fewer than 3 rows");
        assertThatThrownBy(() -> LoraKernels.addDelta(pool, p, 1f, new float[2 * 64], new float[2 * 96], new int[]{-1}, 1, s))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> LoraKernels.addDelta(pool, p, 1f, new float[2 * 64], new float[2 * 96], new int[]{0}, 2, s))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nRows 2");
    }
}
