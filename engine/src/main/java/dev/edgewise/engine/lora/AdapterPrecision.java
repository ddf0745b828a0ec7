package dev.edgewise.engine.lora;

import dev.edgewise.quant.GGMLType;

/**
 * How an adapter's A and B matrices are held in memory once loaded. Whatever the file stores
 * (F32, F16, BF16 or a ggml quantization) is converted at load.
 *
 * <p>{@link #Q8_0} quantizes in blocks of 32 along a row, so it applies only to matrices whose row
 * length is a multiple of 32: A (rows of length {@code in}) nearly always, B (rows of length
 * {@code r}) only for ranks 32, 64, ... Any other matrix falls back to {@link #F16}; in particular
 * B of a rank-8 or rank-16 adapter is F16 under {@code Q8_0}. B is the smaller matrix whenever
 * {@code r < in}, so the fallback costs little memory.
 */
public enum AdapterPrecision {
    F32,
    F16,
    Q8_0;

    /** The ggml type a matrix with rows of {@code cols} elements is stored in. */
    public GGMLType storageType(int cols) {
        return switch (this) {
            case F32 -> GGMLType.F32;
            case F16 -> GGMLType.F16;
            case Q8_0 -> cols % GGMLType.Q8_0.blockSize == 0 ? GGMLType.Q8_0 : GGMLType.F16;
        };
    }
}
