package dev.edgewise.quant;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Scalar reference dequantizers: bit-exact with ggml's {@code dequantize_row_*}. These are the
 * ground truth the SIMD kernels are tested against; they favour clarity over speed. The block
 * layouts and per-block code live in one class per format family ({@link FloatFormats},
 * {@link LegacyQuants}, {@link KQuants}, {@link IQuants}); this class checks arguments and
 * dispatches.
 */
public final class Dequantize {
    private Dequantize() {}

    /** Dequantizes the one block (of {@code type.blockSize} elements) at byte {@code block} of {@code src}. */
    @FunctionalInterface
    interface BlockDequantizer {
        void dequantize(MemorySegment src, long block, float[] dst, int dstOffset);
    }

    /** Whether {@link #row} can dequantize {@code type}. */
    public static boolean canDequantize(GGMLType type) {
        return blockDequantizer(type) != null;
    }

    /**
     * Dequantizes {@code n} elements (a whole number of blocks) starting at byte {@code srcOffset}
     * of {@code src} into {@code dst[dstOffset .. dstOffset + n)}. {@code src} may be read-only
     * (an mmapped file) and {@code srcOffset} needs no alignment.
     *
     * @throws UnsupportedOperationException if {@code type} has no dequantizer
     * @throws IllegalArgumentException if {@code n} is negative or not a whole number of blocks
     * @throws IndexOutOfBoundsException if the source bytes or destination range do not fit
     */
    public static void row(GGMLType type, MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        final BlockDequantizer dequantizer = blockDequantizer(type);
        if (dequantizer == null) {
            throw new UnsupportedOperationException("no dequantizer for ggml type " + type + " (id " + type.id + ")");
        }
        if (n < 0 || n % type.blockSize != 0) {
            throw new IllegalArgumentException(
                    n + " elements is not a whole number of " + type + " blocks of " + type.blockSize);
        }
        final long bytes = type.rowBytes(n);
        if (srcOffset < 0 || srcOffset > src.byteSize() - bytes) {
            throw new IndexOutOfBoundsException(n + " " + type + " elements need " + bytes + " bytes at offset "
                    + srcOffset + ", but the source segment has " + src.byteSize() + " bytes");
        }
        if (dstOffset < 0 || dstOffset > dst.length - n) {
            throw new IndexOutOfBoundsException("destination range [" + dstOffset + ", " + ((long) dstOffset + n)
                    + ") is outside the array of length " + dst.length);
        }
        final int blocks = n / type.blockSize;
        for (int b = 0; b < blocks; b++) {
            dequantizer.dequantize(src, srcOffset + (long) b * type.typeSize, dst, dstOffset + b * type.blockSize);
        }
    }

    private static BlockDequantizer blockDequantizer(GGMLType type) {
        return switch (type) {
            case F32 -> (s, o, y, i) -> y[i] = FloatFormats.dequantizeF32(s, o);
            case F16 -> (s, o, y, i) -> y[i] = FloatFormats.dequantizeF16(s, o);
            case BF16 -> (s, o, y, i) -> y[i] = FloatFormats.dequantizeBF16(s, o);
            case Q4_0 -> LegacyQuants::dequantizeQ4_0;
            case Q4_1 -> LegacyQuants::dequantizeQ4_1;
            case Q5_0 -> LegacyQuants::dequantizeQ5_0;
            case Q5_1 -> LegacyQuants::dequantizeQ5_1;
            case Q8_0 -> LegacyQuants::dequantizeQ8_0;
            case Q2_K -> KQuants::dequantizeQ2_K;
            case Q3_K -> KQuants::dequantizeQ3_K;
            case Q4_K -> KQuants::dequantizeQ4_K;
            case Q5_K -> KQuants::dequantizeQ5_K;
            case Q6_K -> KQuants::dequantizeQ6_K;
            case IQ4_NL -> IQuants::dequantizeIQ4_NL;
            case IQ4_XS -> IQuants::dequantizeIQ4_XS;
            default -> null;
        };
    }
}
