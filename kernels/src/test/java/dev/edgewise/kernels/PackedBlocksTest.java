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

/** Packed Q8_0 and Q5_0 integer kernels against a scalar integer reference of the same arithmetic, on every width. */
class PackedBlocksTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static Stream<Arguments> kernelsAndTypes() {
        return Int8MatMulTest.kernels().stream()
                .flatMap(k -> Stream.of(GGMLType.Q8_0, GGMLType.Q5_0).map(t -> Arguments.of(k, t)));
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q5_0"})
    void packingKeepsEveryQuantAndScale(GGMLType type) {
        Random rnd = new Random(2);
        try (Arena arena = Arena.ofConfined()) {
            int rows = 32, cols = 96;
            WeightMatrix w = new WeightMatrix(type, RandomWeights.matrix(arena, type, rows, cols, rnd), rows, cols);
            for (int panel : new int[] {4, 8, 16}) {
                PackedBlocks p = PackedBlocks.pack(w, panel, arena);
                for (int r = 0; r < rows; r++) {
                    for (int k = 0; k < cols; k++) assertThat(p.quant(r, k)).as("%s row %d col %d", type, r, k).isEqualTo(fileQuant(w, r, k));
                    for (int b = 0; b < cols / 32; b++) assertThat(p.scale(r, b)).isEqualTo(fileScale(w, r, b));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernelsAndTypes")
    void matchesTheScalarReference(SimdKernels k, GGMLType type) {
        Random rnd = new Random(3);
        int panel = k.int8PanelRows();
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{2 * panel, 32}, {4 * panel, 160}, {64, 896}}) {
                int rows = shape[0], cols = shape[1];
                MemorySegment data = RandomWeights.matrix(arena, type, rows, cols, rnd);
                if (type == GGMLType.Q8_0) { // the extremes of both signs, where the planes' sums are largest
                    for (int r = 0; r < rows; r += 3) {
                        for (int c = 0; c < 32; c++) data.set(ValueLayout.JAVA_BYTE, r * w(type, cols) + 2 + c, (byte) (r % 2 == 0 ? -128 : 127));
                    }
                }
                WeightMatrix w = new WeightMatrix(type, data, rows, cols);
                PackedBlocks p = PackedBlocks.pack(w, panel, arena);
                for (int batch : new int[] {1, 2, 3}) assertMatchesReference(k, w, p, batch, rnd);
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
            WeightMatrix w = new WeightMatrix(type, RandomWeights.matrix(arena, type, 2 * panel, 32, new Random(4)), 2 * panel, 32);
            PackedBlocks p = PackedBlocks.pack(w, panel, arena);
            Int8Activations q = new Int8Activations().quantize(new float[32], 1, 32);
            float[] out = new float[2 * panel];
            k.matmulRowsInt8(p, q, out, panel, 2 * panel);
            assertThatThrownBy(() -> k.matmulRowsInt8(p, q, out, 1, panel)).isInstanceOf(IndexOutOfBoundsException.class);
            Int8Activations wrongLength = new Int8Activations().quantize(new float[64], 1, 64);
            assertThatThrownBy(() -> k.matmulRowsInt8(p, wrongLength, out, 0, panel)).hasMessageContaining("activations of 64");
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q5_0"})
    void matmulUsesThePackingForSmallBatchesAndTheFloatKernelsBeyond(GGMLType type) {
        SimdKernels k = SimdKernels.preferred();
        int panel = k.int8PanelRows();
        if (panel == 0) return;
        Random rnd = new Random(5);
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            int rows = 8 * panel, cols = 256;
            WeightMatrix plain = new WeightMatrix(type, RandomWeights.matrix(arena, type, rows, cols, rnd), rows, cols);
            WeightMatrix packed = plain.withPacked(PackedBlocks.pack(plain, panel, arena));
            for (int batch : new int[] {1, PackedBlocks.MAX_BATCH, PackedBlocks.MAX_BATCH + 1}) {
                float[] x = new float[batch * cols];
                for (int i = 0; i < x.length; i++) x[i] = rnd.nextFloat() - 0.5f;
                float[] viaPool = new float[batch * rows], direct = new float[batch * rows], floats = new float[batch * rows];
                MatMul.matmul(pool, packed, x, viaPool, batch);
                k.matmulRowsInt8(packed.packedBlocks(), new Int8Activations().quantize(x, batch, cols), direct, 0, rows);
                MatMul.matmul(pool, plain, x, floats, batch);
                if (batch <= PackedBlocks.MAX_BATCH) assertThat(viaPool).containsExactly(direct);
                else assertThat(viaPool).containsExactly(floats);
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
                    long dot = 0;
                    double dw = fileScale(w, r, blk), dx = q.scale(b, blk);
                    for (int i = 0; i < 32; i++) {
                        int wq = centred(w, r, 32 * blk + i);
                        dot += (long) wq * q.quant(b, 32 * blk + i);
                        scale += Math.abs(dw * dx * wq * q.quant(b, 32 * blk + i));
                        rounding += Math.abs(dw * wq) * dx / 2;
                    }
                    ref += dw * dx * dot;
                }
                assertThat((double) out[b * rows + r]).as("%s %s batch %d vector %d row %d", k, w, batch, b, r).isCloseTo(ref, offset(1e-5 * scale + 1e-30));
                assertThat((double) out[b * rows + r]).isCloseTo(exactOut[b * rows + r], offset(rounding + 1e-5 * scale + 1e-6));
            }
        }
    }

    /** The weight's integer as ggml scales it: Q8_0's byte, Q5_0's {@code q - 16}. */
    private static int centred(WeightMatrix w, int r, int k) {
        return w.type() == GGMLType.Q8_0 ? fileQuant(w, r, k) : fileQuant(w, r, k) - 16;
    }

    /** Quant of row r, column k as the file holds it: Q8_0 signed, Q5_0 0..31 (ggml's dequantize_row_q5_0). */
    private static int fileQuant(WeightMatrix w, int r, int k) {
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
