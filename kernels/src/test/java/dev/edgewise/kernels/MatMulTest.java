package dev.edgewise.kernels;

import dev.edgewise.quant.Dequantize;
import dev.edgewise.quant.GGMLType;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MatMulTest {

    private static final List<GGMLType> DIRECT = List.of(GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q5_0,
            GGMLType.Q4_K, GGMLType.Q6_K);
    private static final int[] ROWS = {1, 3, 17, 67};
    private static final int[] ELEMENT_COLS = {1, 7, 33, 100, 288}; // formats with 1-element blocks: not multiples of any width
    private static final int[] BLOCK_COLS = {32, 96, 288};
    private static final int[] BATCHES = {1, 2, 3, 5, 8, 13};

    static Stream<Arguments> directKernels() {
        return TestKernels.all().stream().flatMap(k -> DIRECT.stream().map(t -> Arguments.of(k, t)));
    }

    /** Row partitioning does not depend on the format: the 32-element ones fit the 96-column matrix there. */
    static Stream<Arguments> directKernelsOf32ElementBlocks() {
        return directKernels().filter(a -> ((GGMLType) a.get()[1]).blockSize <= 32);
    }

    static Stream<Arguments> fallbackTypes() {
        return TestKernels.all().stream().flatMap(k ->
                Arrays.stream(GGMLType.values()).filter(GGMLType::supported).map(t -> Arguments.of(k, t)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("directKernels")
    void directKernelMatchesScalarReference(SimdKernels k, GGMLType type) {
        checkAllShapes(type, (w, x, out, batch, r0, r1) -> k.matmulRows(w, x, out, batch, r0, r1));
    }

    /** Every type through the dequantize-then-dot path (the only path for types without a direct kernel). */
    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("fallbackTypes")
    void dequantizingFallbackMatchesScalarReference(SimdKernels k, GGMLType type) {
        assumeTrue(RandomWeights.dequantizable(type), () -> "quant cannot dequantize " + type + " yet");
        KernelInternals internals = TestKernels.internals(k);
        checkAllShapes(type, internals::matmulRowsDequantized);
        if (!internals.hasDirectKernel(type)) {
            checkAllShapes(type, (w, x, out, batch, r0, r1) -> k.matmulRows(w, x, out, batch, r0, r1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void directKernelsExistWhereTheWidthAllows(SimdKernels k) {
        KernelInternals internals = TestKernels.internals(k);
        int lanes = k.species().length();
        assertThat(internals.hasDirectKernel(GGMLType.F32)).isTrue();
        assertThat(internals.hasDirectKernel(GGMLType.F16)).isEqualTo(lanes >= 4);
        assertThat(internals.hasDirectKernel(GGMLType.BF16)).isEqualTo(lanes >= 4);
        assertThat(internals.hasDirectKernel(GGMLType.Q8_0)).isEqualTo(lanes >= 4 && lanes <= 16);
        assertThat(internals.hasDirectKernel(GGMLType.Q4_0)).isEqualTo(lanes >= 4 && lanes <= 16);
        assertThat(internals.hasDirectKernel(GGMLType.Q5_0)).isEqualTo(lanes >= 4 && lanes <= 16);
        assertThat(internals.hasDirectKernel(GGMLType.Q4_K)).isEqualTo(lanes >= 4 && lanes <= 16);
        assertThat(internals.hasDirectKernel(GGMLType.Q6_K)).isEqualTo(lanes >= 4 && lanes <= 16);
        assertThat(internals.hasDirectKernel(GGMLType.Q5_K)).isFalse();
    }

    /** The batched matmul reads rows through these decoders: each must reproduce quant's dequantization exactly. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void rowDecodersEqualDequantizeRowBitForBit(SimdKernels k) {
        KernelInternals internals = TestKernels.internals(k);
        int lanes = k.species().length();
        for (GGMLType t : List.of(GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q5_0, GGMLType.Q4_K, GGMLType.Q6_K)) {
            assertThat(internals.hasSimdDecoder(t)).as(t.name()).isEqualTo(lanes >= 4 && lanes <= 16);
        }
        assertThat(internals.hasSimdDecoder(GGMLType.F16)).isEqualTo(lanes >= 4);
        assertThat(internals.hasSimdDecoder(GGMLType.Q5_K)).isFalse();
        Random rnd = new Random(11);
        try (Arena arena = Arena.ofConfined()) {
            for (GGMLType type : Arrays.stream(GGMLType.values()).filter(GGMLType::supported).toList()) {
                int rows = 3, cols = type.blockSize == 1 ? 100 : 3 * type.blockSize, dstOff = 5;
                MemorySegment m = RandomWeights.matrix(arena, type, rows, cols, rnd);
                for (int r = 0; r < rows; r++) {
                    float[] expected = new float[dstOff + cols + 2];
                    float[] got = new float[dstOff + cols + 2];
                    Dequantize.row(type, m, r * type.rowBytes(cols), expected, dstOff, cols);
                    internals.decodeRow(type, m, r * type.rowBytes(cols), got, dstOff, cols);
                    assertArrayEquals(expected, got, type + " row " + r);
                }
            }
        }
    }

    @FunctionalInterface
    interface RowsKernel {
        void run(WeightMatrix w, float[] x, float[] out, int batch, int rowStart, int rowEnd);
    }

    private static void checkAllShapes(GGMLType type, RowsKernel kernel) {
        Random rnd = new Random(type.ordinal() * 31L + 7);
        int[] colsList = type.blockSize == 1 ? ELEMENT_COLS : blockMultiples(type);
        try (Arena arena = Arena.ofConfined()) {
            for (int rows : ROWS) {
                for (int cols : colsList) {
                    WeightMatrix w = new WeightMatrix(type, RandomWeights.matrix(arena, type, rows, cols, rnd), rows, cols);
                    float[][] dequantized = dequantize(w);
                    for (int batch : BATCHES) {
                        float[] x = RandomWeights.vectors(batch * cols, rnd);
                        float[] out = new float[batch * rows];
                        Arrays.fill(out, Float.NaN);
                        kernel.run(w, x, out, batch, 0, rows);
                        compare(w, dequantized, x, out, batch, 0, rows);
                    }
                    if (rows >= 3) { // a row range writes exactly its rows
                        int batch = 5;
                        float[] x = RandomWeights.vectors(batch * cols, rnd);
                        float[] out = new float[batch * rows];
                        Arrays.fill(out, Float.NaN);
                        kernel.run(w, x, out, batch, 1, rows - 1);
                        compare(w, dequantized, x, out, batch, 1, rows - 1);
                        for (int b = 0; b < batch; b++) {
                            assertThat(out[b * rows]).as("row 0 outside the range").isNaN();
                            assertThat(out[b * rows + rows - 1]).as("last row outside the range").isNaN();
                        }
                    }
                }
            }
        }
    }

    private static int[] blockMultiples(GGMLType type) {
        return type.blockSize == 32 ? BLOCK_COLS : new int[] {type.blockSize, 3 * type.blockSize};
    }

    private static float[][] dequantize(WeightMatrix w) {
        float[][] rows = new float[w.rows()][w.cols()];
        for (int r = 0; r < w.rows(); r++) Dequantize.row(w.type(), w.data(), r * w.rowBytes(), rows[r], 0, w.cols());
        return rows;
    }

    /** Each output against a float64 dot of the exactly dequantized row; tolerance: float rounding of the sum. */
    private static void compare(WeightMatrix w, float[][] dequantized, float[] x, float[] out, int batch, int r0, int r1) {
        int rows = w.rows(), cols = w.cols();
        for (int b = 0; b < batch; b++) {
            for (int r = r0; r < r1; r++) {
                double ref = 0, magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    double p = (double) dequantized[r][c] * x[b * cols + c];
                    ref += p;
                    magnitude += Math.abs(p);
                }
                float got = out[b * rows + r];
                double tolerance = 1e-5 * magnitude + 1e-30;
                if (!(Math.abs(got - ref) <= tolerance)) {
                    fail(w + " batch " + batch + ": out[b=" + b + "][r=" + r + "] = " + got + ", reference " + ref
                            + " (tolerance " + tolerance + ")");
                }
            }
        }
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("directKernelsOf32ElementBlocks")
    void parallelMatmulEqualsSingleThreadedRows(SimdKernels k, GGMLType type) {
        Random rnd = new Random(99);
        int rows = 70, cols = 96, batch = 3; // 70 rows: 5 groups of 16, the last one short
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(3)) { // workers read the weights
            WeightMatrix w = new WeightMatrix(type, RandomWeights.matrix(arena, type, rows, cols, rnd), rows, cols);
            float[] x = RandomWeights.vectors(batch * cols, rnd);
            float[] expected = new float[batch * rows];
            k.matmulRows(w, x, expected, batch, 0, rows);
            // Equal up to the order of a lane reduction: reduceLanes(ADD) sums in a different order
            // when interpreted than when C2 compiles it, and the workers may run either.
            float delta = 0;
            for (float e : expected) delta = Math.max(delta, 1e-6f * Math.abs(e));
            for (int call = 0; call < 20; call++) {
                float[] out = new float[batch * rows];
                k.matmul(pool, w, x, out, batch);
                assertArrayEquals(expected, out, delta, "call " + call);
            }
        }
    }

    @Test
    void staticEntryPointsUseThePreferredKernels() {
        Random rnd = new Random(5);
        int rows = 40, cols = 64, batch = 2;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            WeightMatrix w = new WeightMatrix(GGMLType.Q4_0, RandomWeights.matrix(arena, GGMLType.Q4_0, rows, cols, rnd), rows, cols);
            float[] x = RandomWeights.vectors(batch * cols, rnd);
            float[] expected = new float[batch * rows];
            SimdKernels.forSpecies(FloatVector.SPECIES_PREFERRED).matmulRows(w, x, expected, batch, 0, rows);
            float[] viaRows = new float[batch * rows];
            MatMul.matmulRows(w, x, viaRows, batch, 0, rows);
            float[] viaPool = new float[batch * rows];
            MatMul.matmul(pool, w, x, viaPool, batch);
            assertArrayEquals(expected, viaRows);
            assertArrayEquals(expected, viaPool);
        }
    }

    @Test
    void readsReadOnlyAndHeapSegments() {
        Random rnd = new Random(3);
        int rows = 5, cols = 64;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment native_ = RandomWeights.matrix(arena, GGMLType.Q8_0, rows, cols, rnd);
            MemorySegment heap = MemorySegment.ofArray(native_.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            float[] x = RandomWeights.vectors(cols, rnd);
            float[] expected = new float[rows];
            MatMul.matmulRows(new WeightMatrix(GGMLType.Q8_0, native_, rows, cols), x, expected, 1, 0, rows);
            float[] readOnly = new float[rows];
            MatMul.matmulRows(new WeightMatrix(GGMLType.Q8_0, native_.asReadOnly(), rows, cols), x, readOnly, 1, 0, rows);
            float[] onHeap = new float[rows];
            MatMul.matmulRows(new WeightMatrix(GGMLType.Q8_0, heap, rows, cols), x, onHeap, 1, 0, rows);
            assertArrayEquals(expected, readOnly);
            assertArrayEquals(expected, onHeap);
        }
    }

    @Test
    void batchZeroWritesNothing() {
        WeightMatrix w = new WeightMatrix(GGMLType.F32, MemorySegment.ofArray(new float[6]), 2, 3);
        float[] out = {};
        MatMul.matmulRows(w, new float[0], out, 0, 0, 2);
        try (WorkerPool pool = new WorkerPool(2)) {
            MatMul.matmul(pool, w, new float[0], out, 0);
        }
    }

    @Test
    void weightMatrixValidatesItsShapeAndData() {
        MemorySegment small = MemorySegment.ofArray(new byte[100]);
        assertThatThrownBy(() -> new WeightMatrix(GGMLType.Q4_0, small, 67, 288))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Q4_0").hasMessageContaining("[67 x 288]").hasMessageContaining("needs 10854 bytes")
                .hasMessageContaining("holds only 100");
        assertThatThrownBy(() -> new WeightMatrix(GGMLType.Q8_0, small, 1, 33))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a multiple of the block size 32");
        assertThatThrownBy(() -> new WeightMatrix(GGMLType.F32, small, 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
        WeightMatrix w = new WeightMatrix(GGMLType.Q4_0, MemorySegment.ofArray(new byte[2 * 3 * 18]), 2, 96);
        assertThat(w.rowBytes()).isEqualTo(54);
        assertThat(w.rows()).isEqualTo(2);
        assertThat(w.cols()).isEqualTo(96);
        assertThat(w.type()).isEqualTo(GGMLType.Q4_0);
    }

    @Test
    void matmulRejectsArraysThatDoNotFit() {
        WeightMatrix w = new WeightMatrix(GGMLType.F32, MemorySegment.ofArray(new float[12]), 3, 4);
        assertThatThrownBy(() -> MatMul.matmulRows(w, new float[7], new float[6], 2, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x holds 7 floats").hasMessageContaining("needs 8");
        assertThatThrownBy(() -> MatMul.matmulRows(w, new float[8], new float[5], 2, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out holds 5 floats").hasMessageContaining("needs 6");
        assertThatThrownBy(() -> MatMul.matmulRows(w, new float[8], new float[6], 2, 1, 4))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("[1, 4)");
        assertThatThrownBy(() -> MatMul.matmulRows(w, new float[8], new float[6], -1, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative batch");
    }
}
