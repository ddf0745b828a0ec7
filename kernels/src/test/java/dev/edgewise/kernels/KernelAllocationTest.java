package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.fail;

/**
 * Compiled kernels allocate nothing. A vector handed to (or returned from) a helper that C2 does not
 * inline is boxed: a heap object per call, and a kernel several times slower. C2 stops inlining when
 * a compilation outgrows its node budget, so a harmless-looking change (a longer helper, one more
 * call) can do it silently; the 4-vector tiles once ran 5x slower for that reason. Boxing shows as
 * allocation, which this test measures per thread (not time): each kernel shape is run until the
 * JIT has compiled it, and must then run a hundred calls allocating no more than a small scratch array
 * per call (a boxed vector per row or per tile would be kilobytes per call at these shapes).
 */
class KernelAllocationTest {
    private static final List<GGMLType> TYPES = List.of(GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0,
            GGMLType.Q5_0, GGMLType.Q4_K, GGMLType.Q6_K);
    private static final int ROWS = 64, COLS = 512, CALLS = 100;
    /** Allocation allowed per call: a kernel's accumulator scratch (2 x 16 floats), never a vector per row or tile. */
    private static final long ALLOWANCE_PER_CALL = 512;
    private static final long WARM_UP_NANOS = 60_000_000_000L;

    private static final Arena ARENA = Arena.ofShared();

    @AfterAll
    static void close() {
        ARENA.close();
    }

    static Stream<Arguments> shapes() {
        return TYPES.stream().flatMap(t -> Stream.of(1, 2, 4, 8).map(b -> Arguments.of(t, b)));
    }

    @ParameterizedTest(name = "{0}, batch {1}")
    @MethodSource("shapes")
    void compiledMatmulAllocatesNothing(GGMLType type, int batch) {
        Random rnd = new Random(7);
        WeightMatrix w = new WeightMatrix(type, RandomWeights.matrix(ARENA, type, ROWS, COLS, rnd), ROWS, COLS);
        float[] x = RandomWeights.vectors(batch * COLS, rnd);
        float[] out = new float[batch * ROWS];
        assertAllocatesNothing(type + " x " + batch + " vectors", () -> MatMul.matmulRows(w, x, out, batch, 0, ROWS));
    }

    /** The integer path: Q4_0 packed into panels, activations quantized to 8 bits per call. */
    @ParameterizedTest(name = "packed Q4_0, batch {0}")
    @ValueSource(ints = {1, 2, 4, 8})
    void compiledPackedMatmulAllocatesNothing(int batch) {
        Random rnd = new Random(8);
        WeightMatrix file = new WeightMatrix(GGMLType.Q4_0, RandomWeights.matrix(ARENA, GGMLType.Q4_0, ROWS, COLS, rnd), ROWS, COLS);
        WeightMatrix w = file.withPacked(PackedQ4_0.pack(file, SimdKernels.preferred().int8PanelRows(), ARENA));
        float[] x = RandomWeights.vectors(batch * COLS, rnd);
        float[] out = new float[batch * ROWS];
        assertAllocatesNothing("packed Q4_0 x " + batch + " vectors", () -> MatMul.matmulRows(w, x, out, batch, 0, ROWS));
    }

    /** The integer path of PackedBlocks: every type it packs, activations quantized to 8 bits per call. */
    @ParameterizedTest(name = "packed {0}, batch {1}")
    @MethodSource("packedBlockShapes")
    void compiledPackedBlocksMatmulAllocatesNothing(GGMLType type, int batch) {
        Random rnd = new Random(10);
        WeightMatrix file = new WeightMatrix(type, RandomWeights.matrix(ARENA, type, ROWS, COLS, rnd), ROWS, COLS);
        WeightMatrix w = file.withPacked(PackedBlocks.pack(file, SimdKernels.preferred().int8PanelRows(), ARENA));
        float[] x = RandomWeights.vectors(batch * COLS, rnd);
        float[] out = new float[batch * ROWS];
        assertAllocatesNothing("packed " + type + " x " + batch + " vectors", () -> MatMul.matmulRows(w, x, out, batch, 0, ROWS));
    }

    static Stream<Arguments> packedBlockShapes() {
        return Stream.of(GGMLType.Q8_0, GGMLType.Q5_0, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K)
                .flatMap(t -> Stream.of(1, 2, 4, 8).map(b -> Arguments.of(t, b)));
    }

    @Test
    void compiledVectorOpsAllocateNothing() {
        Random rnd = new Random(9);
        int n = 896 + 5; // a scalar tail too
        float[] a = RandomWeights.vectors(n, rnd), b = RandomWeights.vectors(n, rnd), out = new float[n], weight = RandomWeights.vectors(n, rnd);
        float[] sink = new float[1];
        assertAllocatesNothing("vector ops", () -> {
            sink[0] += VectorOps.dot(a, 0, b, 0, n);
            VectorOps.rmsnorm(out, 0, a, 0, weight, n, 1e-6f);
            VectorOps.axpy(0.5f, a, 0, out, 0, n);
            VectorOps.siluMul(out, 0, b, 0, n);
            System.arraycopy(a, 0, out, 0, n);
            VectorOps.softmaxRows(out, 0, 1, n, null, 0, null, 0);
            sink[0] += VectorOps.max(a, 0, n) + (float) VectorOps.sumExp(a, 0, n, 1f);
        });
    }

    /**
     * Attention over one block of Qwen2.5-0.5B's shape (GQA groups of 2, 7 and 12 query heads of 64, 16
     * positions, a partial block of 5 too): key columns scored as floats and Q8_0, values summed as floats and Q8_0.
     */
    @ParameterizedTest(name = "attention, group of {0}")
    @ValueSource(ints = {2, 7, 12})
    void compiledAttentionKernelsAllocateNothing(int heads) {
        Random rnd = new Random(10);
        int n = 64, block = 16;
        float[] q = RandomWeights.vectors(heads * n, rnd), keys = RandomWeights.vectors(n * block, rnd);
        float[] values = RandomWeights.vectors(block * n, rnd), scores = new float[heads * block], out = new float[heads * n];
        byte[] q8Keys = new byte[KvKernels.q8_0Bytes(n) * block], q8Values = new byte[KvKernels.q8_0Bytes(n) * block];
        for (int p = 0; p < block; p++) {
            KeyColumns.quantizeQ8_0(values, p * n, q8Keys, 0, block, p, n);
            KvKernels.quantizeQ8_0(values, p * n, q8Values, p * KvKernels.q8_0Bytes(n), n);
        }
        assertAllocatesNothing("attention kernels, group of " + heads, () -> {
            for (int slots : new int[] {block, 5}) {
                KeyColumns.scores(q, 0, heads, keys, 0, block, slots, n, 0.125f, scores, 0, block);
                KeyColumns.scoresQ8_0(q, 0, heads, q8Keys, 0, block, slots, n, 0.125f, scores, 0, block);
                KvKernels.accumulate(scores, 0, block, heads, values, 0, slots, out, 0, n);
                KvKernels.accumulateQ8_0(scores, 0, block, heads, q8Values, 0, slots, out, 0, n);
            }
            java.util.Arrays.fill(out, 0f);
        });
    }

    private static void assertAllocatesNothing(String what, Runnable call) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long least = Long.MAX_VALUE;
        long end = System.nanoTime() + WARM_UP_NANOS;
        do {
            for (int i = 0; i < 20 * CALLS; i++) call.run();
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < CALLS; i++) call.run();
            least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
            if (least <= ALLOWANCE_PER_CALL * CALLS) return;
        } while (System.nanoTime() < end);
        fail(what + " still allocates " + least / CALLS + " bytes per call after " + WARM_UP_NANOS / 1_000_000_000
                + " s of warm-up: a vector is boxed (a kernel helper taking or returning vectors is no longer inlined)");
    }
}
