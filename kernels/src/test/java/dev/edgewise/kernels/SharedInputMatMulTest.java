package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Several matrices of one input as one parallel loop ({@link MatMul#matmul(WorkerPool, WeightMatrix[], float[], float[][], int)}):
 * each matrix's products equal its own kernel's on the calling thread, whatever the mix of kernels
 * (integer packings, float kernels), the row counts (groups that straddle matrices) and the pool.
 */
class SharedInputMatMulTest {

    @Test
    void eachMatrixEqualsItsOwnKernel() {
        Random rnd = new Random(21);
        int cols = 256;
        SimdKernels k = SimdKernels.preferred();
        int panel = k.int8PanelRows();
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix q4 = packed(arena, GGMLType.Q4_0, 80, cols, rnd, panel);  // 5 groups (the float matrices have short last ones)
            WeightMatrix q8 = packed(arena, GGMLType.Q8_0, 16, cols, rnd, panel);  // one group
            WeightMatrix f16 = new WeightMatrix(GGMLType.F16, RandomWeights.matrix(arena, GGMLType.F16, 5, cols, rnd), 5, cols);
            WeightMatrix q6 = packed(arena, GGMLType.Q6_K, 48, cols, rnd, panel);
            WeightMatrix f32 = new WeightMatrix(GGMLType.F32, RandomWeights.matrix(arena, GGMLType.F32, 33, cols, rnd), 33, cols);
            WeightMatrix q5 = packed(arena, GGMLType.Q5_0, 16, cols, rnd, panel);
            WeightMatrix q4k = packed(arena, GGMLType.Q4_K, 32, cols, rnd, panel);
            WeightMatrix q5k = packed(arena, GGMLType.Q5_K, 16, cols, rnd, panel);
            // each integer packing alone too: the activations are quantized for what the call's packings read
            WeightMatrix[][] mixes = {{q4}, {q4, q8, f16}, {f16, q6, f32, q4}, {f32, f16}, {q8, q6}, {q8}, {q5}, {q4k}, {q5k}, {q6},
                    {q8, q5, q4k, q5k}};
            for (int threads : new int[] {1, 2, 3}) {
                try (WorkerPool pool = new WorkerPool(threads)) {
                    for (WeightMatrix[] ws : mixes) {
                        // 64 vectors: 512 blocks, quantized on the pool (Int8Activations.PARALLEL_BLOCKS)
                        for (int batch : new int[] {1, 3, 4, 5, 64}) {
                            float[] x = RandomWeights.vectors(batch * cols, rnd);
                            float[][] outs = new float[ws.length][];
                            for (int i = 0; i < ws.length; i++) outs[i] = new float[batch * ws[i].rows()];
                            MatMul.matmul(pool, ws, x, outs, batch);
                            for (int i = 0; i < ws.length; i++) {
                                float[] expected = alone(k, ws[i], x, batch);
                                String what = ws[i] + " of " + ws.length + ", " + threads + " threads, batch " + batch;
                                if (ws[i].packed() != null || ws[i].packedBlocks() != null) {
                                    assertThat(outs[i]).as(what).containsExactly(expected);
                                } else { // float kernels: equal up to the order of a lane reduction (interpreted or compiled)
                                    float delta = 0;
                                    for (float e : expected) delta = Math.max(delta, 1e-6f * Math.abs(e));
                                    assertArrayEquals(expected, outs[i], delta, what);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void rejectsMatricesThatDoNotShareTheInput() {
        WeightMatrix a = new WeightMatrix(GGMLType.F32, java.lang.foreign.MemorySegment.ofArray(new float[12]), 3, 4);
        WeightMatrix b = new WeightMatrix(GGMLType.F32, java.lang.foreign.MemorySegment.ofArray(new float[10]), 2, 5);
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> MatMul.matmul(pool, new WeightMatrix[] {a, b}, new float[5], new float[][] {new float[3], new float[2]}, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one width");
            assertThatThrownBy(() -> MatMul.matmul(pool, new WeightMatrix[] {a, a}, new float[4], new float[][] {new float[3]}, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 matrices need as many outputs");
            assertThatThrownBy(() -> MatMul.matmul(pool, new WeightMatrix[0], new float[4], new float[0][], 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
            assertThatThrownBy(() -> MatMul.matmul(pool, new WeightMatrix[] {a, a}, new float[4], new float[][] {new float[3], new float[2]}, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out holds 2 floats");
        }
    }

    private static WeightMatrix packed(Arena arena, GGMLType type, int rows, int cols, Random rnd, int panel) {
        WeightMatrix w = new WeightMatrix(type, RandomWeights.matrix(arena, type, rows, cols, rnd), rows, cols);
        if (panel == 0) return w; // no integer kernels at this width: the float ones run
        return type == GGMLType.Q4_0 ? w.withPacked(PackedQ4_0.pack(w, panel, arena)) : w.withPacked(PackedBlocks.pack(w, panel, arena));
    }

    /** The matrix's own kernel over all its rows on this thread: the integer one for a packing, else the float one. */
    private static float[] alone(SimdKernels k, WeightMatrix w, float[] x, int batch) {
        float[] out = new float[batch * w.rows()];
        if (w.packed() != null) k.matmulRowsInt8(w.packed(), new Int8Activations().quantize(x, batch, w.cols()), out, 0, w.rows());
        else if (w.packedBlocks() != null) k.matmulRowsInt8(w.packedBlocks(), new Int8Activations().quantize(x, batch, w.cols()), out, 0, w.rows());
        else k.matmulRows(w, x, out, batch, 0, w.rows());
        return out;
    }
}
