package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;

import java.lang.foreign.MemorySegment;

/** Hooks into one {@link SimdKernels} instance that tests use to reach paths the public API hides. */
interface KernelInternals {

    /** Whether {@code type} has a hand-written SIMD matmul kernel at this width (else the dequantizing fallback runs). */
    boolean hasDirectKernel(GGMLType type);

    /** Whether rows of {@code type} decode to floats in SIMD at this width (else quant's scalar Dequantize.row). */
    boolean hasSimdDecoder(GGMLType type);

    /** Decodes one row of {@code cols} values as the matmul does (SIMD where {@link #hasSimdDecoder}); must equal Dequantize.row bit for bit. */
    void decodeRow(GGMLType type, MemorySegment src, long offset, float[] dst, int dstOff, int cols);

    /** The fallback matmul (quant's scalar Dequantize.row into scratch, SIMD tiles), whatever the type. */
    void matmulRowsDequantized(WeightMatrix w, float[] x, float[] out, int batch, int rowStart, int rowEnd);

    /** Decodes {@code n} little-endian IEEE halves from {@code src} at byte {@code offset} with the SIMD conversion. */
    void halfToFloat(MemorySegment src, long offset, float[] dst, int n);

    /**
     * Quantizes x's 32-value blocks {@code [from, to)} for the integer kernels ({@code scratch}: 32
     * ints): scales and pairs, and with {@code sums} the half-block sums and zero points; must equal
     * Int8Activations' scalar quantizer exactly.
     */
    void quantizeBlocks(float[] x, int from, int to, boolean sums, int[] pairs, float[] scales, int[] zeroPoints, int[] halfSums,
                        int[] scratch);

    /** Decodes {@code n} little-endian bfloat16 values with the SIMD conversion. */
    void bf16ToFloat(MemorySegment src, long offset, float[] dst, int n);
}
