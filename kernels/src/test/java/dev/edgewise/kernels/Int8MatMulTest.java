package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The packed Q4_0 integer kernel against a scalar reference of the same arithmetic, on every width. */
class Int8MatMulTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static List<SimdKernels> kernels() {
        return TestKernels.all().stream().filter(k -> k.int8PanelRows() > 0).toList();
    }

    @Test
    void quantizesLikeGgmlQ8_0() {
        Random rnd = new Random(1);
        float[] x = new float[3 * 64];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i < 64 ? 1e-3f : 5f);
        x[70] = 0; // a block of zeros keeps scale 0
        for (int i = 128; i < 160; i++) x[i] = 0;
        Int8Activations q = new Int8Activations().quantize(x, 3, 64);
        for (int b = 0; b < 3; b++) {
            for (int i = 0; i < 64; i++) {
                float d = q.scale(b, i / 32);
                float amax = 0;
                for (int j = i / 32 * 32; j < i / 32 * 32 + 32; j++) amax = Math.max(amax, Math.abs(x[b * 64 + j]));
                assertThat(d).isEqualTo(amax / 127);
                assertThat(q.quant(b, i)).isBetween(-127, 127);
                if (d != 0) assertThat((double) Math.abs(x[b * 64 + i] - q.quant(b, i) * d)).isLessThanOrEqualTo(d * 0.5000001);
                else assertThat(q.quant(b, i)).isZero();
            }
        }
    }

    @Test
    void simdQuantizerEqualsTheScalarOne() {
        Random rnd = new Random(6);
        float[] x = new float[5 * 256];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % 97 == 0 ? 100 : 1);
        for (int i = 0; i < 64; i++) x[i] = (i % 2) * 0.5f; // exact halves: ties round to even
        Int8Activations simd = new Int8Activations().quantize(x, 5, 256);
        Int8Activations scalar = new Int8Activations();
        scalar.quantizeScalar(x, 5, 256);
        assertSameParts(simd, scalar);
        for (int b = 0; b < 5; b++) {
            for (int h = 0; h < 256 / 16; h++) { // the sums of 16 values' even and odd quants, as Q6_K's zero points use them
                int even = 0, odd = 0;
                for (int i = 16 * h; i < 16 * h + 16; i += 2) {
                    even += simd.quant(b, i);
                    odd += simd.quant(b, i + 1);
                }
                int pair = simd.halfSums[b * 16 + h];
                assertThat((short) pair).isEqualTo((short) even);
                assertThat(pair >> 16).isEqualTo(odd);
            }
        }
    }

    /** On a pool, block ranges in parallel, the quantizer fills exactly what it fills on one thread. */
    @Test
    void poolQuantizerEqualsTheScalarOne() {
        Random rnd = new Random(8);
        int batch = 9, cols = 4864; // 1368 blocks
        assertThat(batch * cols / 32).isGreaterThanOrEqualTo(Int8Activations.PARALLEL_BLOCKS);
        float[] x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % 89 == 0 ? 50 : 1);
        Int8Activations scalar = new Int8Activations();
        scalar.quantizeScalar(x, batch, cols);
        try (WorkerPool pool = new WorkerPool(3)) {
            Int8Activations q = new Int8Activations().quantize(pool, x, batch, cols, Int8Activations.ALL);
            assertSameParts(q, scalar);
        }
    }

    /** Every part of {@code actual} (pairs, scales, sums, chains) equals {@code expected}'s. */
    private static void assertSameParts(Int8Activations actual, Int8Activations expected) {
        assertThat(actual.pairs).as("pairs").containsExactly(expected.pairs);
        assertThat(actual.scales).as("scales").containsExactly(expected.scales);
        assertThat(actual.zeroPoints).as("zero points").containsExactly(expected.zeroPoints);
        assertThat(actual.halfSums).as("half sums").containsExactly(expected.halfSums);
        assertThat(actual.chains).as("chains").containsExactly(expected.chains);
        assertThat(actual.highChains).as("high chains").containsExactly(expected.highChains);
    }

    /** A kernel refuses activations quantized without the parts it reads, not multiplying by an earlier vector's leftovers. */
    @Test
    void kernelsRefuseActivationsWithoutThePartsTheyRead() {
        SimdKernels k = SimdKernels.preferred();
        if (k.int8PanelRows() == 0) return;
        Random rnd = new Random(9);
        try (Arena arena = Arena.ofConfined()) {
            WeightMatrix w = new WeightMatrix(GGMLType.Q4_0, RandomWeights.matrix(arena, GGMLType.Q4_0, 16, 64, rnd), 16, 64);
            PackedQ4_0 p = PackedQ4_0.pack(w, k.int8PanelRows(), arena);
            Int8Activations q = new Int8Activations().quantize(null, RandomWeights.vectors(64, rnd), 1, 64, Int8Activations.needs(GGMLType.Q8_0));
            assertThatThrownBy(() -> k.matmulRowsInt8(p, q, new float[16], 0, 16))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("quantized with pairs, scales but").hasMessageEndingWith("reads pairs, scales, sums, chains");
        }
    }

    /** Every width's quantizer (vector pairs and sums at 4-16 lanes, the scalar pairing elsewhere) equals the scalar definition. */
    @ParameterizedTest
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void everyWidthsQuantizerEqualsTheScalarOne(SimdKernels k) {
        Random rnd = new Random(11);
        int blocks = 24;
        float[] x = new float[32 * blocks];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % 89 == 0 ? 300 : 1);
        for (int i = 0; i < 64; i++) x[i] = (i % 4 - 1.5f); // ties at every scale
        for (int i = 96; i < 128; i++) x[i] = 0; // a block of zeros
        for (int i = 128; i < 160; i++) x[i] = i % 2 == 0 ? -127 : 127; // extreme quants in both parities
        Int8Activations scalar = new Int8Activations();
        scalar.quantizeScalar(x, 1, x.length);
        int[] pairs = new int[16 * blocks], zeroPoints = new int[blocks], halfSums = new int[2 * blocks];
        float[] scales = new float[blocks];
        ((KernelInternals) k).quantizeBlocks(x, 0, blocks, true, pairs, scales, zeroPoints, halfSums, new int[32]);
        assertThat(pairs).as("pairs").containsExactly(java.util.Arrays.copyOf(scalar.pairs, pairs.length));
        assertThat(scales).as("scales").containsExactly(java.util.Arrays.copyOf(scalar.scales, blocks));
        assertThat(zeroPoints).as("zero points").containsExactly(java.util.Arrays.copyOf(scalar.zeroPoints, blocks));
        assertThat(halfSums).as("half sums").containsExactly(java.util.Arrays.copyOf(scalar.halfSums, 2 * blocks));
    }

    @Test
    void packingKeepsEveryQuantAndScale() {
        Random rnd = new Random(2);
        try (Arena arena = Arena.ofConfined()) {
            int rows = 32, cols = 96;
            WeightMatrix w = new WeightMatrix(GGMLType.Q4_0, RandomWeights.matrix(arena, GGMLType.Q4_0, rows, cols, rnd), rows, cols);
            for (int panel : new int[] {4, 8, 16}) {
                PackedQ4_0 p = PackedQ4_0.pack(w, panel, arena);
                for (int r = 0; r < rows; r++) {
                    for (int k = 0; k < cols; k++) assertThat(p.quant(r, k)).as("row %d col %d", r, k).isEqualTo(q4_0Quant(w, r, k));
                    for (int b = 0; b < cols / 32; b++) {
                        assertThat(p.scale(r, b)).isEqualTo(Float.float16ToFloat(w.data().get(LE_SHORT, r * w.rowBytes() + 18L * b)));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void matchesTheScalarReferenceAtEveryBatch(SimdKernels k) {
        Random rnd = new Random(3);
        int panel = k.int8PanelRows();
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{2 * panel, 32}, {4 * panel, 160}, {64, 896}}) {
                int rows = shape[0], cols = shape[1];
                WeightMatrix w = new WeightMatrix(GGMLType.Q4_0, RandomWeights.matrix(arena, GGMLType.Q4_0, rows, cols, rnd), rows, cols);
                PackedQ4_0 p = PackedQ4_0.pack(w, panel, arena);
                for (int batch : new int[] {1, 2, 3, 4, 5, 8, 9}) assertMatchesReference(k, w, p, batch, rnd);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void packedScalesKeepSignsSubnormalsAndZeros(SimdKernels k) {
        short[] halves = {
            0x0001, (short) 0x8001, 0x03FF, (short) 0x83FF, // smallest and largest subnormals, both signs
            0x0400, (short) 0x8400, 0x7BFF, (short) 0xFBFF, // smallest and largest normals
            0x0000, (short) 0x8000, 0x3C00, (short) 0xB555  // zeros, 1, an odd negative
        };
        Random rnd = new Random(7);
        int panel = k.int8PanelRows(), rows = 2 * panel, cols = 96; // 3 blocks: the last pair is half empty
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = RandomWeights.matrix(arena, GGMLType.Q4_0, rows, cols, rnd);
            for (int b = 0; b < rows * cols / 32; b++) data.set(LE_SHORT, 18L * b, halves[b % halves.length]);
            WeightMatrix w = new WeightMatrix(GGMLType.Q4_0, data, rows, cols);
            PackedQ4_0 p = PackedQ4_0.pack(w, panel, arena);
            for (int r = 0; r < rows; r++) {
                for (int b = 0; b < cols / 32; b++) {
                    assertThat(p.scale(r, b)).isEqualTo(Float.float16ToFloat(halves[(r * cols / 32 + b) % halves.length]));
                }
            }
            for (int batch : new int[] {1, 4, 5}) assertMatchesReference(k, w, p, batch, rnd);
        }
    }

    @Test
    void matricesWithInfOrNaNScalesStayOnTheFloatKernel() {
        int panel = SimdKernels.preferred().int8PanelRows();
        if (panel == 0) return;
        try (Arena arena = Arena.ofConfined()) {
            for (short bad : new short[] {0x7C00, (short) 0xFC00, 0x7E00}) { // +Inf, -Inf, NaN
                MemorySegment data = RandomWeights.matrix(arena, GGMLType.Q4_0, panel, 64, new Random(8));
                WeightMatrix w = new WeightMatrix(GGMLType.Q4_0, data, panel, 64);
                assertThat(PackedQ4_0.canPack(w)).isTrue();
                data.set(LE_SHORT, 18L * (2 * panel - 1), bad); // the last block of the last row
                assertThat(PackedQ4_0.canPack(w)).as("scale %04x", bad).isFalse();
            }
        }
    }

    @Test
    void packedOnlyMatricesMultiplyLikeTheirPackingAndDequantizeExactly() {
        int panel = SimdKernels.preferred().int8PanelRows();
        if (panel == 0) return;
        Random rnd = new Random(9);
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            int rows = 4 * panel, cols = 96, batch = 5; // 3 blocks: an odd last pair
            WeightMatrix w = new WeightMatrix(GGMLType.Q4_0, RandomWeights.matrix(arena, GGMLType.Q4_0, rows, cols, rnd), rows, cols);
            PackedQ4_0 p = PackedQ4_0.pack(w, panel, arena);
            WeightMatrix only = WeightMatrix.packedOnly(p);
            float[] row = new float[cols], expected = new float[cols];
            for (int r = 0; r < rows; r++) {
                p.dequantizeRow(r, row, 0);
                dev.edgewise.quant.Dequantize.row(GGMLType.Q4_0, w.data(), r * w.rowBytes(), expected, 0, cols);
                assertThat(row).as("row %d", r).containsExactly(expected);
            }
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] viaOnly = new float[batch * rows], viaPacked = new float[batch * rows];
            MatMul.matmul(pool, only, x, viaOnly, batch);
            MatMul.matmul(pool, w.withPacked(p), x, viaPacked, batch);
            assertThat(viaOnly).containsExactly(viaPacked);
            assertThat(only.hasData()).isFalse();
            assertThat(PackedQ4_0.canPack(only)).isFalse();
            assertThatThrownBy(only::data).isInstanceOf(IllegalStateException.class).hasMessageContaining("only as its integer packing");
        }
    }

    /** The integer kernel on {@code batch} random vectors against the scalar integer reference and the float kernel. */
    private static void assertMatchesReference(SimdKernels k, WeightMatrix w, PackedQ4_0 p, int batch, Random rnd) {
        int rows = w.rows(), cols = w.cols();
        float[] x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % 7 == 0 ? 10 : 1);
        Int8Activations q = new Int8Activations().quantize(x, batch, cols);
        float[] out = new float[batch * rows];
        k.matmulRowsInt8(p, q, out, 0, rows);
        float[] exactOut = new float[batch * rows];
        k.matmulRows(w, x, exactOut, batch, 0, rows);
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double ref = reference(w, q, b, r);
                double scale = rowScale(w, q, b, r);
                assertThat((double) out[b * rows + r]).as("%s batch %d vector %d row %d", k, batch, b, r)
                        .isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-5 * scale + 1e-30));
                // and within the activation rounding of the float kernel's exact product
                assertThat((double) out[b * rows + r]).isCloseTo(exactOut[b * rows + r],
                        org.assertj.core.data.Offset.offset(roundingBound(w, q, b, r) + 1e-5 * scale + 1e-6));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void rowRangesAreWholePanels(SimdKernels k) {
        int panel = k.int8PanelRows();
        try (Arena arena = Arena.ofConfined()) {
            WeightMatrix w = new WeightMatrix(GGMLType.Q4_0, RandomWeights.matrix(arena, GGMLType.Q4_0, 2 * panel, 32, new Random(4)), 2 * panel, 32);
            PackedQ4_0 p = PackedQ4_0.pack(w, panel, arena);
            Int8Activations q = new Int8Activations().quantize(new float[32], 1, 32);
            float[] out = new float[2 * panel];
            k.matmulRowsInt8(p, q, out, panel, 2 * panel); // one whole panel
            assertThatThrownBy(() -> k.matmulRowsInt8(p, q, out, 1, panel)).isInstanceOf(IndexOutOfBoundsException.class);
            Int8Activations wrongLength = new Int8Activations().quantize(new float[64], 1, 64);
            assertThatThrownBy(() -> k.matmulRowsInt8(p, wrongLength, out, 0, panel)).hasMessageContaining("activations of 64");
        }
    }

    @Test
    void matmulUsesThePackingOnlyWhenAttached() {
        SimdKernels k = SimdKernels.preferred();
        int panel = k.int8PanelRows();
        if (panel == 0) return;
        Random rnd = new Random(5);
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            int rows = 8 * panel, cols = 256, batch = 6;
            WeightMatrix w = new WeightMatrix(GGMLType.Q4_0, RandomWeights.matrix(arena, GGMLType.Q4_0, rows, cols, rnd), rows, cols);
            WeightMatrix packed = w.withPacked(PackedQ4_0.pack(w, panel, arena));
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) x[i] = rnd.nextFloat() - 0.5f;
            float[] viaPool = new float[batch * rows], direct = new float[batch * rows], single = new float[batch * rows];
            MatMul.matmul(pool, packed, x, viaPool, batch);
            k.matmulRowsInt8(packed.packed(), new Int8Activations().quantize(x, batch, cols), direct, 0, rows);
            MatMul.matmulRows(packed, x, single, batch, 0, rows);
            assertThat(viaPool).containsExactly(direct);
            assertThat(single).containsExactly(direct);
        }
    }

    private static int q4_0Quant(WeightMatrix w, int r, int k) {
        int b = k / 32, kk = k % 32;
        int v = w.data().get(ValueLayout.JAVA_BYTE, r * w.rowBytes() + 18L * b + 2 + (kk & 15)) & 0xFF;
        return kk < 16 ? v & 0x0F : v >>> 4;
    }

    /** sum over blocks of d_w * d_x * sum (q_w - 8) * q_x, in double. */
    private static double reference(WeightMatrix w, Int8Activations q, int b, int r) {
        double sum = 0;
        for (int blk = 0; blk < w.cols() / 32; blk++) {
            long dot = 0;
            for (int i = 0; i < 32; i++) dot += (long) (q4_0Quant(w, r, 32 * blk + i) - 8) * q.quant(b, 32 * blk + i);
            double dw = Float.float16ToFloat(w.data().get(LE_SHORT, r * w.rowBytes() + 18L * blk));
            sum += dw * q.scale(b, blk) * dot;
        }
        return sum;
    }

    /** sum |w| * d_x / 2: how far rounding x to its quants can move the product. */
    private static double roundingBound(WeightMatrix w, Int8Activations q, int b, int r) {
        double sum = 0;
        for (int blk = 0; blk < w.cols() / 32; blk++) {
            double dw = Math.abs(Float.float16ToFloat(w.data().get(LE_SHORT, r * w.rowBytes() + 18L * blk)));
            for (int i = 0; i < 32; i++) sum += dw * Math.abs(q4_0Quant(w, r, 32 * blk + i) - 8) * q.scale(b, blk) / 2;
        }
        return sum;
    }

    /** sum of |terms|: the size float rounding is relative to. */
    private static double rowScale(WeightMatrix w, Int8Activations q, int b, int r) {
        double sum = 0;
        for (int blk = 0; blk < w.cols() / 32; blk++) {
            double dw = Math.abs(Float.float16ToFloat(w.data().get(LE_SHORT, r * w.rowBytes() + 18L * blk)));
            for (int i = 0; i < 32; i++) sum += dw * q.scale(b, blk) * Math.abs((q4_0Quant(w, r, 32 * blk + i) - 8) * q.quant(b, 32 * blk + i));
        }
        return sum;
    }
}
