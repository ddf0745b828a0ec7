package dev.edgewise.kernels;

/**
 * The integer kernels of one vector width ({@code IntegerKernels}, one copy per species), as
 * {@code SpeciesKernels} calls them. See {@link SimdKernels#matmulRowsInt8} for the contracts.
 */
interface Int8Kernels extends BlockKernels {

    void matmulRowsInt8(PackedQ4_0 w, Int8Activations x, float[] out, int rowStart, int rowEnd);

    /** See {@link KernelInternals#quantizeBlocks}. */
    void quantizeBlocks(float[] x, int from, int to, boolean sums, int[] pairs, float[] scales, int[] zeroPoints, int[] halfSums, int[] scratch);
}
