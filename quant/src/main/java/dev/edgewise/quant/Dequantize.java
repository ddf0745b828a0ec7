package dev.edgewise.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Scalar reference dequantizers: bit-exact with ggml's {@code dequantize_row_*}. These are the
 * ground truth the SIMD kernels are tested against; they favour clarity over speed.
 */
public final class Dequantize {
    private Dequantize() {}

    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Dequantizes {@code n} elements (a whole number of blocks) starting at byte {@code srcOffset}
     * of {@code src} into {@code dst[dstOffset .. dstOffset + n)}.
     */
    public static void row(GGMLType type, MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        if (n % type.blockSize != 0) {
            throw new IllegalArgumentException(n + " elements is not a whole number of " + type + " blocks");
        }
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = src.get(LE_FLOAT, srcOffset + 4L * i);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = Float.float16ToFloat(src.get(LE_SHORT, srcOffset + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = Float16.bf16ToFloat(src.get(LE_SHORT, srcOffset + 2L * i));
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long blk = srcOffset + 34L * b;
                    float d = Float.float16ToFloat(src.get(LE_SHORT, blk));
                    for (int j = 0; j < 32; j++) dst[dstOffset + 32 * b + j] = src.get(ValueLayout.JAVA_BYTE, blk + 2 + j) * d;
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long blk = srcOffset + 18L * b;
                    float d = Float.float16ToFloat(src.get(LE_SHORT, blk));
                    int o = dstOffset + 32 * b;
                    for (int j = 0; j < 16; j++) {
                        int q = src.get(ValueLayout.JAVA_BYTE, blk + 2 + j) & 0xFF;
                        dst[o + j] = ((q & 0x0F) - 8) * d;
                        dst[o + j + 16] = ((q >>> 4) - 8) * d;
                    }
                }
            }
            default -> throw new UnsupportedOperationException("no dequantizer for " + type);
        }
    }
}
