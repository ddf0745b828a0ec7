package dev.edgewise.kernels;

import dev.edgewise.quant.Float16;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
     * The F16 one-vector matmul kernel converts in registers on its own (ElementKernels.f16Tile1),
     * finite halves only: row h holds pattern h at column h % 64 (0 for Inf and NaN patterns) and
     * zeros elsewhere, x is all ones, so each row's product is that half's float exactly
     * (subnormals exact; zeros may come out as +0), at every lane position of both accumulators.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void theF16MatmulKernelConvertsEveryFinitePatternExactly(SimdKernels k) {
        everyPattern(k, false);
    }

    /** A matrix holding Inf and NaN is found by its scan and goes through the exact decoder: Inf stays Inf, NaN NaN. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void anF16MatrixWithInfOrNaNIsStillExact(SimdKernels k) {
        everyPattern(k, true);
    }

    private static void everyPattern(SimdKernels k, boolean withInfAndNaN) {
        int rows = 65536, cols = 64;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(2L * rows * cols);
            for (int h = 0; h < rows; h++) {
                if (withInfAndNaN || (h & 0x7C00) != 0x7C00) seg.set(LE_SHORT, 2L * (h * cols + h % cols), (short) h);
            }
            float[] x = new float[cols];
            java.util.Arrays.fill(x, 1f);
            float[] out = new float[rows];
            WeightMatrix w = new WeightMatrix(dev.edgewise.quant.GGMLType.F16, seg, rows, cols);
            assertEquals(!withInfAndNaN, w.finiteHalves());
            k.matmulRows(w, x, out, 1, 0, rows);
            for (int h = 0; h < rows; h++) {
                float want = withInfAndNaN || (h & 0x7C00) != 0x7C00 ? Float.float16ToFloat((short) h) : 0f;
                boolean same = Float.isNaN(want) ? Float.isNaN(out[h]) : out[h] == want;
                if (!same) fail(String.format("half 0x%04x: got %s (0x%08x), want %s", h, out[h], Float.floatToRawIntBits(out[h]), want));
            }
        }
    }

    /** The scan finds one Inf or NaN at any position, in the long-at-a-time part and in the tail, among any finite neighbours. */
    @org.junit.jupiter.api.Test
    void theFiniteScanFindsAnyInfOrNaNAnywhere() {
        short[] bad = {0x7C00, (short) 0xFC00, 0x7C01, 0x7E00, (short) 0xFFFF, 0x7FFF};
        short[] neighbours = {0, 0x7BFF, (short) 0xFBFF, 0x0001, (short) 0x8000, 0x3C00, 0x03FF};
        try (Arena arena = Arena.ofConfined()) {
            for (int n = 1; n <= 13; n++) {
                MemorySegment seg = arena.allocate(2L * n + 1);
                for (short fill : neighbours) {
                    for (int i = 0; i < n; i++) seg.set(LE_SHORT, 2L * i, fill);
                    assertTrue(WeightMatrix.noInfOrNaN(seg, 2L * n), "all " + fill);
                    for (int at = 0; at < n; at++) {
                        for (short b : bad) {
                            seg.set(LE_SHORT, 2L * at, b);
                            assertFalse(WeightMatrix.noInfOrNaN(seg, 2L * n), String.format("0x%04x at %d of %d among 0x%04x", b, at, n, fill));
                            seg.set(LE_SHORT, 2L * at, fill);
                        }
                    }
                }
            }
        }
    }
}
