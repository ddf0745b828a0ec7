package dev.edgewise.kernels;

/**
 * Integer kernels for {@link PackedBlocks} at one vector width: {@code IntegerKernels} (which
 * checks the arguments) hands checked row ranges of Q8_0 and Q5_0 panels to {@code Q8Q5IntegerKernels}
 * and of Q4_K, Q5_K and Q6_K panels to {@code KQuantIntegerKernels}. See {@link SimdKernels#matmulRowsInt8} for the contract.
 */
interface BlockKernels {

    void matmulRowsInt8(PackedBlocks w, Int8Activations x, float[] out, int rowStart, int rowEnd);
}
