package dev.edgewise.quant;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Reference quantizers: bit-exact with ggml's {@code quantize_row_*_ref} (what
 * {@code llama-quantize} runs for these types when no importance matrix is given) and, for the
 * float types, with {@code ggml_fp32_to_fp16_row} / {@code ggml_fp32_to_bf16_row_ref}. Of the
 * K-quants, Q4_K, Q5_K and Q6_K (the types of the Q4_K_M, Q5_K_M and Q6_K presets) are implemented
 * ({@link KQuantize}); Q2_K, Q3_K and the IQ types are not.
 */
public final class Quantize {
    private Quantize() {}

    /** Quantizes the one block (of {@code type.blockSize} elements) starting at {@code src[srcOffset]}. */
    @FunctionalInterface
    interface BlockQuantizer {
        void quantize(float[] src, int srcOffset, MemorySegment dst, long block);
    }

    /** Whether {@link #row} and {@link #quantize} support {@code type}. */
    public static boolean canQuantize(GGMLType type) {
        return blockQuantizer(type) != null;
    }

    /**
     * Quantizes {@code src[srcOffset .. srcOffset + n)} ({@code n} a whole number of blocks) into
     * {@code type.rowBytes(n)} bytes at byte {@code dstOffset} of {@code dst}.
     *
     * @throws UnsupportedOperationException if {@code type} has no quantizer
     * @throws IllegalArgumentException if {@code n} is negative or not a whole number of blocks,
     *     or {@code dst} is read-only
     * @throws IndexOutOfBoundsException if the source range or destination bytes do not fit
     */
    public static void row(GGMLType type, float[] src, int srcOffset, MemorySegment dst, long dstOffset, int n) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        final BlockQuantizer quantizer = requireQuantizer(type);
        if (n < 0 || n % type.blockSize != 0) {
            throw new IllegalArgumentException(
                    n + " elements is not a whole number of " + type + " blocks of " + type.blockSize);
        }
        if (srcOffset < 0 || srcOffset > src.length - n) {
            throw new IndexOutOfBoundsException("source range [" + srcOffset + ", " + ((long) srcOffset + n)
                    + ") is outside the array of length " + src.length);
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("cannot quantize into a read-only segment");
        }
        final long bytes = type.rowBytes(n);
        if (dstOffset < 0 || dstOffset > dst.byteSize() - bytes) {
            throw new IndexOutOfBoundsException(n + " " + type + " elements need " + bytes + " bytes at offset "
                    + dstOffset + ", but the destination segment has " + dst.byteSize() + " bytes");
        }
        final int blocks = n / type.blockSize;
        for (int b = 0; b < blocks; b++) {
            quantizer.quantize(src, srcOffset + b * type.blockSize, dst, dstOffset + (long) b * type.typeSize);
        }
    }

    /**
     * Quantizes all of {@code src} (a whole number of blocks) into a new array of
     * {@code type.rowBytes(src.length)} bytes.
     *
     * @throws UnsupportedOperationException if {@code type} has no quantizer
     * @throws IllegalArgumentException if {@code src.length} is not a whole number of blocks
     */
    public static byte[] quantize(GGMLType type, float[] src) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(src, "src");
        requireQuantizer(type);
        if (src.length % type.blockSize != 0) {
            throw new IllegalArgumentException(src.length + " values is not a whole number of " + type
                    + " blocks of " + type.blockSize);
        }
        final long bytes = type.rowBytes(src.length);
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(src.length + " " + type + " values need " + bytes
                    + " bytes, more than a byte[] holds");
        }
        final byte[] out = new byte[(int) bytes];
        row(type, src, 0, MemorySegment.ofArray(out), 0, src.length);
        return out;
    }

    private static BlockQuantizer requireQuantizer(GGMLType type) {
        final BlockQuantizer quantizer = blockQuantizer(type);
        if (quantizer == null) {
            throw new UnsupportedOperationException("no quantizer for ggml type " + type + " (id " + type.id + ")");
        }
        return quantizer;
    }

    private static BlockQuantizer blockQuantizer(GGMLType type) {
        return switch (type) {
            case F32 -> (x, i, s, o) -> FloatFormats.quantizeF32(x[i], s, o);
            case F16 -> (x, i, s, o) -> FloatFormats.quantizeF16(x[i], s, o);
            case BF16 -> (x, i, s, o) -> FloatFormats.quantizeBF16(x[i], s, o);
            case Q4_0 -> LegacyQuants::quantizeQ4_0;
            case Q4_1 -> LegacyQuants::quantizeQ4_1;
            case Q5_0 -> LegacyQuants::quantizeQ5_0;
            case Q5_1 -> LegacyQuants::quantizeQ5_1;
            case Q8_0 -> LegacyQuants::quantizeQ8_0;
            case Q4_K -> KQuantize::quantizeQ4_K;
            case Q5_K -> KQuantize::quantizeQ5_K;
            case Q6_K -> KQuantize::quantizeQ6_K;
            default -> null;
        };
    }
}
