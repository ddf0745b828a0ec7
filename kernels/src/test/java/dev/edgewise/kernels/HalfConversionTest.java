package dev.edgewise.kernels;

import dev.edgewise.quant.Float16;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.fail;

/** The SIMD 16-bit conversions against the JDK's scalar ones on every one of the 65536 bit patterns. */
class HalfConversionTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** All 65536 patterns, little-endian, starting one byte in so no load is aligned. */
    private static MemorySegment allPatterns(Arena arena) {
        MemorySegment seg = arena.allocate(2 * 65536 + 1);
        for (int h = 0; h < 65536; h++) seg.set(LE_SHORT, 1 + 2L * h, (short) h);
        return seg;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void halfToFloatIsExactForAllPatterns(SimdKernels k) {
        try (Arena arena = Arena.ofConfined()) {
            float[] got = new float[65536];
            TestKernels.internals(k).halfToFloat(allPatterns(arena), 1, got, 65536);
            for (int h = 0; h < 65536; h++) {
                float want = Float.float16ToFloat((short) h);
                boolean same = Float.isNaN(want)
                        ? Float.isNaN(got[h]) && (Float.floatToRawIntBits(got[h]) & 0x8000_0000) == (Float.floatToRawIntBits(want) & 0x8000_0000)
                        : Float.floatToRawIntBits(got[h]) == Float.floatToRawIntBits(want);
                if (!same) {
                    fail(String.format("half 0x%04x: got %s (0x%08x), want %s (0x%08x)", h, got[h],
                            Float.floatToRawIntBits(got[h]), want, Float.floatToRawIntBits(want)));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void bf16ToFloatIsExactForAllPatterns(SimdKernels k) {
        try (Arena arena = Arena.ofConfined()) {
            float[] got = new float[65536];
            TestKernels.internals(k).bf16ToFloat(allPatterns(arena), 1, got, 65536);
            for (int h = 0; h < 65536; h++) {
                float want = Float16.bf16ToFloat((short) h);
                if (Float.floatToRawIntBits(got[h]) != Float.floatToRawIntBits(want)) {
                    fail(String.format("bf16 0x%04x: got 0x%08x, want 0x%08x", h, Float.floatToRawIntBits(got[h]), Float.floatToRawIntBits(want)));
                }
            }
        }
    }

    /**
     * The F16 one-vector matmul kernel converts in registers on its own (ElementKernels.f16Tile1):
     * row h holds pattern h at column h % 64 and zeros elsewhere, x is all ones, so each row's
     * product is that half's float exactly (Inf stays Inf, NaN NaN, subnormals exact; zeros may
     * come out as +0), at every lane position of both accumulators.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void theF16MatmulKernelConvertsEveryPatternExactly(SimdKernels k) {
        int rows = 65536, cols = 64;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(2L * rows * cols);
            for (int h = 0; h < rows; h++) seg.set(LE_SHORT, 2L * (h * cols + h % cols), (short) h);
            float[] x = new float[cols];
            java.util.Arrays.fill(x, 1f);
            float[] out = new float[rows];
            k.matmulRows(new WeightMatrix(dev.edgewise.quant.GGMLType.F16, seg, rows, cols), x, out, 1, 0, rows);
            for (int h = 0; h < rows; h++) {
                float want = Float.float16ToFloat((short) h);
                boolean same = Float.isNaN(want) ? Float.isNaN(out[h]) : out[h] == want;
                if (!same) fail(String.format("half 0x%04x: got %s (0x%08x), want %s", h, out[h], Float.floatToRawIntBits(out[h]), want));
            }
        }
    }
}
