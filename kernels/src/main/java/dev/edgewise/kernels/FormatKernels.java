package dev.edgewise.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The float kernels of a family of {@link WeightFormat} rows at one width (one copy per species,
 * held by {@code SpeciesKernels} in {@code static final} fields, so each call is bound statically):
 * {@code ElementKernels}, {@code QuantKernels} and {@code KQuantKernels}, one per
 * {@link WeightFormat.Family}.
 */
interface FormatKernels {

    /**
     * Format {@code f}'s fused kernel: {@code out[b*rows + r]} for rows {@code [r0, r1)} and
     * {@code batch} vectors (1, or 2 where {@link WeightFormat#pairKernel}), the weights read and
     * decoded in registers from {@code seg}.
     */
    void fusedRows(WeightFormat f, MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int batch, int r0, int r1);

    /** Writes the row at byte {@code src} as {@code cols} floats at {@code dst[dstOff]} with {@code f}'s SIMD decoder, exactly as Dequantize.row. */
    void decodeRow(WeightFormat f, MemorySegment seg, long src, float[] dst, int dstOff, int cols);
}
