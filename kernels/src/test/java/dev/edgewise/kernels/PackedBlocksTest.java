package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/** Packed Q8_0, Q5_0, Q4_K, Q5_K and Q6_K integer kernels against a scalar integer reference of the same arithmetic, on every width. */
class PackedBlocksTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static Stream<Arguments> kernelsAndTypes() {
        return Int8MatMulTest.kernels().stream()
                .flatMap(k -> Stream.of(GGMLType.Q8_0, GGMLType.Q5_0, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K).map(t -> Arguments.of(k, t)));
    }

    private static boolean kQuant(GGMLType type) {
        return type.blockSize == 256;
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q5_0", "Q4_K", "Q5_K", "Q6_K"})
    void packingKeepsEveryQuantAndScale(GGMLType type) {
        Random rnd = new Random(2);
        try (Arena arena = Arena.ofConfined()) {
            int rows = 32, cols = kQuant(type) ? 512 : 96;
            WeightMatrix w = new WeightMatrix(type, RandomWeights.matrix(arena, type, rows, cols, rnd), rows, cols);
            for (int panel : new int[] {4, 8, 16}) {
                PackedBlocks p = PackedBlocks.pack(w, panel, arena);
                for (int r = 0; r < rows; r++) {
                    for (int k = 0; k < cols; k++) assertThat(p.quant(r, k)).as("%s row %d col %d", type, r, k).isEqualTo(fileQuant(w, r, k));
                    for (int b = 0; b < cols / 32; b++) {
                        if (!kQuant(type)) {
                            assertThat(p.scale(r, b)).isEqualTo(fileScale(w, r, b));
                            continue;
                        }
                        long block = r * w.rowBytes() + (long) type.typeSize * (b / 8);
                        if (type == GGMLType.Q6_K) {
                            assertThat(p.kQuantField(r, b / 8, 0)).isEqualTo(Float.float16ToFloat(w.data().get(LE_SHORT, block + 208)));
                            for (int h = 0; h < 2; h++) assertThat((int) p.kQuantField(r, 2 * b + h, 2)).isEqualTo(q6kScale(w, r, 2 * b + h));
                            continue;
                        }
                        assertThat(p.kQuantField(r, b / 8, 0)).isEqualTo(Float.float16ToFloat(w.data().get(LE_SHORT, block)));
                        assertThat(p.kQuantField(r, b / 8, 1)).isEqualTo(Float.float16ToFloat(w.data().get(LE_SHORT, block + 2)));
                        assertThat((int) p.kQuantField(r, b, 2)).isEqualTo(q4kScaleMin(w, r, b)[0]);
                        assertThat((int) p.kQuantField(r, b, 3)).isEqualTo(q4kScaleMin(w, r, b)[1]);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q5_0", "Q4_K", "Q5_K", "Q6_K"})
    void dequantizesRowsExactlyAsTheFileDecoder(GGMLType type) {
        Random rnd = new Random(11);
        try (Arena arena = Arena.ofConfined()) {
            int rows = 16, cols = kQuant(type) ? 512 : 96;
            WeightMatrix w = new WeightMatrix(type, RandomWeights.matrix(arena, type, rows, cols, rnd), rows, cols);
            for (int panel : new int[] {4, 16}) {
                PackedBlocks p = PackedBlocks.pack(w, panel, arena);
                float[] row = new float[cols + 3], expected = new float[cols + 3];
                for (int r = 0; r < rows; r++) {
                    p.dequantizeRow(r, row, 3);
                    dev.edgewise.quant.Dequantize.row(type, w.data(), r * w.rowBytes(), expected, 3, cols);
                    assertThat(row).as("%s row %d", type, r).containsExactly(expected);
                }
                assertThatThrownBy(() -> p.dequantizeRow(rows, row, 0)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> p.dequantizeRow(0, row, 4)).isInstanceOf(IndexOutOfBoundsException.class);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernelsAndTypes")
    void matchesTheScalarReference(SimdKernels k, GGMLType type) {
        Random rnd = new Random(3);
        int panel = k.int8PanelRows();
        try (Arena arena = Arena.ofConfined()) {
            int[][] shapes = kQuant(type) ? new int[][] {{3 * panel, 256}, {4 * panel, 768}}
                    : new int[][] {{2 * panel, 32}, {4 * panel, 160}, {64, 896}};
            for (int[] shape : shapes) {
                int rows = shape[0], cols = shape[1];
                MemorySegment data = RandomWeights.matrix(arena, type, rows, cols, rnd);
                if (type == GGMLType.Q8_0) { // the extremes of both signs, where the planes' sums are largest
                    for (int r = 0; r < rows; r += 3) {
                        for (int c = 0; c < 32; c++) data.set(ValueLayout.JAVA_BYTE, r * w(type, cols) + 2 + c, (byte) (r % 2 == 0 ? -128 : 127));
                    }
                }
                if (type == GGMLType.Q6_K) { // q = 0 (-32) and 63 (+31) in the first super-block of every third row, scales -128 and 127
                    for (int r = 0; r < rows; r += 3) {
                        for (int i = 0; i < 192; i++) data.set(ValueLayout.JAVA_BYTE, r * w(type, cols) + i, (byte) (r % 2 == 0 ? 0 : -1));
                        for (int i = 0; i < 16; i++) data.set(ValueLayout.JAVA_BYTE, r * w(type, cols) + 192 + i, (byte) (i % 2 == 0 ? -128 : 127));
                    }
                }
                WeightMatrix w = new WeightMatrix(type, data, rows, cols);
                PackedBlocks p = PackedBlocks.pack(w, panel, arena);
                for (int batch : new int[] {1, 2, 3, 4, 5, 6, 9}) assertMatchesReference(k, w, p, batch, rnd);
            }
        }
    }

    /**
     * The 4-vector tiles (and a last 2 or 3 vectors, run as a tile repeating its last vector) give
     * every vector exactly the result of the one-vector pass: the sums are exact integers and the
     * scaling the same float operations.
     */
    @ParameterizedTest
    @MethodSource("kernelsAndTypes")
    void everyVectorOfATileEqualsItsOneVectorPass(SimdKernels k, GGMLType type) {
        Random rnd = new Random(10);
        int panel = k.int8PanelRows();
        try (Arena arena = Arena.ofConfined()) {
            int rows = 2 * panel, cols = kQuant(type) ? 512 : 96; // Q8_0, Q5_0: an odd last pair
            WeightMatrix w = new WeightMatrix(type, RandomWeights.matrix(arena, type, rows, cols, rnd), rows, cols);
            PackedBlocks p = PackedBlocks.pack(w, panel, arena);
            for (int batch = 2; batch <= 9; batch++) {
                float[] x = new float[batch * cols];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % 5 == 0 ? 8 : 1);
                float[] out = new float[batch * rows];
                k.matmulRowsInt8(p, new Int8Activations().quantize(x, batch, cols), out, 0, rows);
                for (int b = 0; b < batch; b++) {
                    float[] alone = new float[rows];
                    k.matmulRowsInt8(p, new Int8Activations().quantize(java.util.Arrays.copyOfRange(x, b * cols, (b + 1) * cols), 1, cols), alone, 0, rows);
                    assertThat(java.util.Arrays.copyOfRange(out, b * rows, (b + 1) * rows)).as("%s %s batch %d vector %d", k, type, batch, b).containsExactly(alone);
                }
            }
        }
    }

    /**
     * Matrices the kernels cannot take stay on the float kernels: rows that are not whole panels,
     * and an Inf or NaN in any F16 field (the packed conversion leaves them out): d, and the K-quants'
     * dmin (Q6_K's d sits after its quants and scales).
     */
    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q5_0", "Q4_K", "Q5_K", "Q6_K"})
    void oddRowCountsAndNonFiniteScalesDoNotPack(GGMLType type) {
        int panel = SimdKernels.preferred().int8PanelRows();
        if (panel == 0) return;
        try (Arena arena = Arena.ofConfined()) {
            int cols = 256;
            WeightMatrix odd = new WeightMatrix(type, RandomWeights.matrix(arena, type, 2 * panel + 1, cols, new Random(12)), 2 * panel + 1, cols);
            assertThat(PackedBlocks.canPack(odd)).isFalse();
            int[] fields = type == GGMLType.Q6_K ? new int[] {208} : type == GGMLType.Q4_K || type == GGMLType.Q5_K ? new int[] {0, 2} : new int[] {0};
            for (int field : fields) {
                for (short bad : new short[] {0x7C00, (short) 0xFC00, 0x7E00}) { // +Inf, -Inf, NaN
                    MemorySegment data = RandomWeights.matrix(arena, type, panel, cols, new Random(13));
                    WeightMatrix w = new WeightMatrix(type, data, panel, cols);
                    assertThat(PackedBlocks.canPack(w)).isTrue();
                    data.set(LE_SHORT, w.rowBytes() * panel - type.typeSize + field, bad); // the last block of the last row
                    assertThat(PackedBlocks.canPack(w)).as("%s field at %d: %04x", type, field, bad).isFalse();
                }
            }
        }
    }

    private static long w(GGMLType type, int cols) {
        return type.rowBytes(cols);
    }

    @ParameterizedTest
    @MethodSource("kernelsAndTypes")
    void rowRangesAreWholePanels(SimdKernels k, GGMLType type) {
        int panel = k.int8PanelRows();
        try (Arena arena = Arena.ofConfined()) {
            int cols = type.blockSize;
            WeightMatrix w = new WeightMatrix(type, RandomWeights.matrix(arena, type, 2 * panel, cols, new Random(4)), 2 * panel, cols);
            PackedBlocks p = PackedBlocks.pack(w, panel, arena);
            Int8Activations q = new Int8Activations().quantize(new float[cols], 1, cols);
            float[] out = new float[2 * panel];
            k.matmulRowsInt8(p, q, out, panel, 2 * panel);
            assertThatThrownBy(() -> k.matmulRowsInt8(p, q, out, 1, panel)).isInstanceOf(IndexOutOfBoundsException.class);
            Int8Activations wrongLength = new Int8Activations().quantize(new float[2 * cols], 1, 2 * cols);
            assertThatThrownBy(() -> k.matmulRowsInt8(p, wrongLength, out, 0, panel)).hasMessageContaining("activations of " + 2 * cols);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q5_0", "Q4_K", "Q5_K", "Q6_K"})
    void matmulUsesThePackingAtEveryBatch(GGMLType type) {
        SimdKernels k = SimdKernels.preferred();
        int panel = k.int8PanelRows();
        if (panel == 0) return;
        Random rnd = new Random(5);
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            int rows = 8 * panel, cols = 256;
            WeightMatrix plain = new WeightMatrix(type, RandomWeights.matrix(arena, type, rows, cols, rnd), rows, cols);
            WeightMatrix packed = plain.withPacked(PackedBlocks.pack(plain, panel, arena));
            for (int batch : new int[] {1, 3, 4, 9}) {
                float[] x = new float[batch * cols];
                for (int i = 0; i < x.length; i++) x[i] = rnd.nextFloat() - 0.5f;
                float[] viaPool = new float[batch * rows], direct = new float[batch * rows], single = new float[batch * rows];
                MatMul.matmul(pool, packed, x, viaPool, batch);
                k.matmulRowsInt8(packed.packedBlocks(), new Int8Activations().quantize(x, batch, cols), direct, 0, rows);
                MatMul.matmulRows(packed, x, single, batch, 0, rows);
                assertThat(viaPool).containsExactly(direct);
                assertThat(single).containsExactly(direct);
                // a vector's result does not depend on the batch around it
                float[] alone = new float[rows];
                MatMul.matmul(pool, packed, java.util.Arrays.copyOfRange(x, (batch - 1) * cols, batch * cols), alone, 1);
                assertThat(java.util.Arrays.copyOfRange(viaPool, (batch - 1) * rows, batch * rows)).containsExactly(alone);
            }
        }
    }

    /** The integer kernel on {@code batch} random vectors against the scalar integer reference and the float kernel. */
    private static void assertMatchesReference(SimdKernels k, WeightMatrix w, PackedBlocks p, int batch, Random rnd) {
        int rows = w.rows(), cols = w.cols();
        float[] x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % 7 == 0 ? 10 : 1);
        for (int i = 0; i < Math.min(32, x.length); i++) x[i] = i % 2 == 0 ? 3 : -3; // activation quants at +-127
        Int8Activations q = new Int8Activations().quantize(x, batch, cols);
        float[] out = new float[batch * rows];
        k.matmulRowsInt8(p, q, out, 0, rows);
        float[] exactOut = new float[batch * rows];
        k.matmulRows(w, x, exactOut, batch, 0, rows);
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double ref = 0, scale = 0, rounding = 0;
                for (int blk = 0; blk < cols / 32; blk++) {
                    long dot = 0, sum = 0;
                    double dw = kQuant(w.type()) ? 0 : fileScale(w, r, blk), dx = q.scale(b, blk), min = 0;
                    long block = r * w.rowBytes() + (long) w.type().typeSize * (blk / 8);
                    if (w.type() == GGMLType.Q4_K || w.type() == GGMLType.Q5_K) { // d * sc * q - dmin * m
                        int[] sm = q4kScaleMin(w, r, blk);
                        dw = Float.float16ToFloat(w.data().get(LE_SHORT, block)) * sm[0];
                        min = Float.float16ToFloat(w.data().get(LE_SHORT, block + 2)) * sm[1];
                    }
                    for (int i = 0; i < 32; i++) {
                        int wq = centred(w, r, 32 * blk + i), xq = q.quant(b, 32 * blk + i);
                        if (w.type() == GGMLType.Q6_K) { // d * sc * (q - 32), sc per 16 columns: the scale goes on the integer
                            wq *= q6kScale(w, r, (32 * blk + i) / 16);
                            dw = Float.float16ToFloat(w.data().get(LE_SHORT, block + 208));
                        }
                        dot += (long) wq * xq;
                        sum += xq;
                        scale += Math.abs(dw * dx * wq * xq) + Math.abs(min * dx * xq);
                        rounding += Math.abs(dw * wq - min) * dx / 2;
                    }
                    ref += dw * dx * dot - min * dx * sum;
                }
                assertThat((double) out[b * rows + r]).as("%s %s batch %d vector %d row %d", k, w, batch, b, r).isCloseTo(ref, offset(1e-5 * scale + 1e-30));
                assertThat((double) out[b * rows + r]).isCloseTo(exactOut[b * rows + r], offset(rounding + 1e-5 * scale + 1e-6));
            }
        }
    }

    /** The weight's integer as ggml scales it: Q8_0's byte, Q5_0's {@code q - 16}, Q6_K's {@code q - 32}, Q4_K's and Q5_K's {@code q}. */
    private static int centred(WeightMatrix w, int r, int k) {
        return w.type() == GGMLType.Q5_0 ? fileQuant(w, r, k) - 16 : w.type() == GGMLType.Q6_K ? fileQuant(w, r, k) - 32 : fileQuant(w, r, k);
    }

    /** Q6_K's signed scale of 16-column sub-block {@code sub} of row r (scales[16] after ql[128] and qh[64]). */
    private static int q6kScale(WeightMatrix w, int r, int sub) {
        return w.data().get(ValueLayout.JAVA_BYTE, r * w.rowBytes() + 210L * (sub / 16) + 192 + sub % 16);
    }

    /** Scale and min of Q4_K or Q5_K sub-block {@code blk} (32 columns) of row r, ggml's get_scale_min_k4 written out. */
    private static int[] q4kScaleMin(WeightMatrix w, int r, int blk) {
        long scales = r * w.rowBytes() + (long) w.type().typeSize * (blk / 8) + 4;
        int j = blk % 8;
        int[] q = new int[12];
        for (int i = 0; i < 12; i++) q[i] = w.data().get(ValueLayout.JAVA_BYTE, scales + i) & 0xFF;
        if (j < 4) return new int[] {q[j] & 63, q[j + 4] & 63};
        return new int[] {(q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)};
    }

    /** Quant of row r, column k as the file holds it: Q8_0 signed, Q5_0 0..31 (ggml's dequantize_row_q5_0), the K-quants unsigned. */
    private static int fileQuant(WeightMatrix w, int r, int k) {
        long superBlock = r * w.rowBytes() + (long) w.type().typeSize * (k / 256);
        int j = k % 256 / 32, l = k % 32;
        if (w.type() == GGMLType.Q4_K || w.type() == GGMLType.Q5_K) { // qs[32 (j / 2) + l]: sub-block j low (even) or high (odd) nibbles
            int v = w.data().get(ValueLayout.JAVA_BYTE, superBlock + (w.type() == GGMLType.Q4_K ? 16 : 48) + 32 * (j / 2) + l) & 0xFF;
            int low = j % 2 == 0 ? v & 0x0F : v >>> 4;
            if (w.type() == GGMLType.Q4_K) return low;
            return low | (w.data().get(ValueLayout.JAVA_BYTE, superBlock + 16 + l) >>> j & 1) << 4; // qh[l] bit j
        }
        if (w.type() == GGMLType.Q6_K) { // dequantize_row_q6_K: column 128 n + 32 g + l
            int n = k % 256 / 128, g = k % 128 / 32;
            int ql = w.data().get(ValueLayout.JAVA_BYTE, superBlock + 64 * n + 32 * (g % 2) + l) & 0xFF;
            int qh = w.data().get(ValueLayout.JAVA_BYTE, superBlock + 128 + 32 * n + l) & 0xFF;
            return (g < 2 ? ql & 0x0F : ql >>> 4) | (qh >>> 2 * g & 3) << 4;
        }
        long block = r * w.rowBytes() + (long) w.type().typeSize * (k / 32);
        int kk = k % 32;
        if (w.type() == GGMLType.Q8_0) return w.data().get(ValueLayout.JAVA_BYTE, block + 2 + kk);
        int qs = w.data().get(ValueLayout.JAVA_BYTE, block + 6 + (kk & 15)) & 0xFF;
        int low = kk < 16 ? qs & 0x0F : qs >>> 4;
        int fifth = (w.data().get(LE_INT, block + 2) >>> kk) & 1;
        return low | fifth << 4;
    }

    private static float fileScale(WeightMatrix w, int r, int b) {
        return Float.float16ToFloat(w.data().get(LE_SHORT, r * w.rowBytes() + (long) w.type().typeSize * b));
    }
}
