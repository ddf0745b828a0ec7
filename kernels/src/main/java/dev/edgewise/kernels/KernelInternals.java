package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;

import java.lang.foreign.MemorySegment;

/** Hooks into one {@link SimdKernels} instance that tests use to reach paths the public API hides. */
interface KernelInternals {

    /** Whether {@code type} has a hand-written SIMD matmul kernel at this width (else the dequantizing fallback runs). */
    boolean hasDirectKernel(GGMLType type);

    /** The fallback matmul (dequantize a row into scratch, SIMD dot), whatever the type. */
    void matmulRowsDequantized(WeightMatrix w, float[] x, float[] out, int batch, int rowStart, int rowEnd);

    /** Decodes {@code n} little-endian IEEE halves from {@code src} at byte {@code offset} with the SIMD conversion. */
    void halfToFloat(MemorySegment src, long offset, float[] dst, int n);

    /** Decodes {@code n} little-endian bfloat16 values with the SIMD conversion. */
    void bf16ToFloat(MemorySegment src, long offset, float[] dst, int n);
}
