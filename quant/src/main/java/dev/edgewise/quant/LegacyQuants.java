package dev.edgewise.quant;

import static dev.edgewise.quant.LittleEndian.half;
import static dev.edgewise.quant.LittleEndian.putHalf;
import static dev.edgewise.quant.LittleEndian.putU32;
import static dev.edgewise.quant.LittleEndian.putU8;
import static dev.edgewise.quant.LittleEndian.s8;
import static dev.edgewise.quant.LittleEndian.u32;
import static dev.edgewise.quant.LittleEndian.u8;

import java.lang.foreign.MemorySegment;

/**
 * ggml's original block formats Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0: blocks of 32 elements with one
 * F16 scale (and, for the "_1" types, an F16 minimum). In the 4- and 5-bit types byte {@code j} of
 * {@code qs} holds element {@code j} in its low nibble and element {@code j + 16} in its high
 * nibble; bit {@code i} of the little-endian 32-bit {@code qh} is the fifth bit of element {@code i}.
 *
 * <p>Scalar reference code, a transcription of ggml's {@code dequantize_row_*} and
 * {@code quantize_row_*_ref} (ggml-quants.c) with ggml's float operations in ggml's order, so the
 * results are bit-identical to ggml's. In the dequantizers {@code q * d} is always exact (a 5-bit
 * integer times an F16 value with 11 significant bits), so {@code q * d + m} rounds only once and
 * gives the same bits whether or not a compiler fuses it into an FMA. The quantizers are where
 * the order matters: ggml multiplies by {@code 1/d} rather than dividing by {@code d}, rounds half
 * away from zero ({@code roundf}) and truncates ({@code (int8_t)}) exactly as done here.
 */
public final class LegacyQuants {
    private LegacyQuants() {}

    /** Elements per block of every legacy type. */
    public static final int QK = 32;

    /** Q4_0: {@code ggml_half d; uint8_t qs[16]}. Value = (nibble - 8) * d. */
    public static final int Q4_0_BYTES = 18, Q4_0_D = 0, Q4_0_QS = 2;
    /** Q4_1: {@code ggml_half d, m; uint8_t qs[16]}. Value = nibble * d + m. */
    public static final int Q4_1_BYTES = 20, Q4_1_D = 0, Q4_1_M = 2, Q4_1_QS = 4;
    /** Q5_0: {@code ggml_half d; uint8_t qh[4]; uint8_t qs[16]}. Value = (q5 - 16) * d. */
    public static final int Q5_0_BYTES = 22, Q5_0_D = 0, Q5_0_QH = 2, Q5_0_QS = 6;
    /** Q5_1: {@code ggml_half d, m; uint8_t qh[4]; uint8_t qs[16]}. Value = q5 * d + m. */
    public static final int Q5_1_BYTES = 24, Q5_1_D = 0, Q5_1_M = 2, Q5_1_QH = 4, Q5_1_QS = 8;
    /** Q8_0: {@code ggml_half d; int8_t qs[32]}. Value = q * d. */
    public static final int Q8_0_BYTES = 34, Q8_0_D = 0, Q8_0_QS = 2;

    // ---------------------------------------------------------------- dequantization

    public static void dequantizeQ4_0(MemorySegment src, long block, float[] y, int yOffset) {
        final float d = half(src, block + Q4_0_D);
        for (int j = 0; j < QK / 2; j++) {
            final int q = u8(src, block + Q4_0_QS + j);
            final int x0 = (q & 0x0F) - 8;
            final int x1 = (q >>> 4) - 8;
            y[yOffset + j] = x0 * d;
            y[yOffset + j + QK / 2] = x1 * d;
        }
    }

    public static void dequantizeQ4_1(MemorySegment src, long block, float[] y, int yOffset) {
        final float d = half(src, block + Q4_1_D);
        final float m = half(src, block + Q4_1_M);
        for (int j = 0; j < QK / 2; j++) {
            final int q = u8(src, block + Q4_1_QS + j);
            final int x0 = q & 0x0F;
            final int x1 = q >>> 4;
            y[yOffset + j] = x0 * d + m;
            y[yOffset + j + QK / 2] = x1 * d + m;
        }
    }

    public static void dequantizeQ5_0(MemorySegment src, long block, float[] y, int yOffset) {
        final float d = half(src, block + Q5_0_D);
        final int qh = u32(src, block + Q5_0_QH);
        for (int j = 0; j < QK / 2; j++) {
            final int xh0 = ((qh >>> j) << 4) & 0x10;
            final int xh1 = (qh >>> (j + 12)) & 0x10;
            final int q = u8(src, block + Q5_0_QS + j);
            final int x0 = ((q & 0x0F) | xh0) - 16;
            final int x1 = ((q >>> 4) | xh1) - 16;
            y[yOffset + j] = x0 * d;
            y[yOffset + j + QK / 2] = x1 * d;
        }
    }

    public static void dequantizeQ5_1(MemorySegment src, long block, float[] y, int yOffset) {
        final float d = half(src, block + Q5_1_D);
        final float m = half(src, block + Q5_1_M);
        final int qh = u32(src, block + Q5_1_QH);
        for (int j = 0; j < QK / 2; j++) {
            final int xh0 = ((qh >>> j) << 4) & 0x10;
            final int xh1 = (qh >>> (j + 12)) & 0x10;
            final int q = u8(src, block + Q5_1_QS + j);
            final int x0 = (q & 0x0F) | xh0;
            final int x1 = (q >>> 4) | xh1;
            y[yOffset + j] = x0 * d + m;
            y[yOffset + j + QK / 2] = x1 * d + m;
        }
    }

    public static void dequantizeQ8_0(MemorySegment src, long block, float[] y, int yOffset) {
        final float d = half(src, block + Q8_0_D);
        for (int j = 0; j < QK; j++) {
            y[yOffset + j] = s8(src, block + Q8_0_QS + j) * d;
        }
    }

    // ---------------------------------------------------------------- reference quantization

    /** {@code quantize_row_q4_0_ref} for one block: the signed extreme maps to -8. */
    public static void quantizeQ4_0(float[] x, int xOffset, MemorySegment dst, long block) {
        float amax = 0.0f; // absolute max
        float max = 0.0f;  // the value that has it, sign included
        for (int j = 0; j < QK; j++) {
            final float v = x[xOffset + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        final float d = max / -8;
        final float id = d != 0 ? 1.0f / d : 0.0f; // note: scales by 1/d, not divides by d
        putHalf(dst, block + Q4_0_D, d);
        for (int j = 0; j < QK / 2; j++) {
            final float x0 = x[xOffset + j] * id;
            final float x1 = x[xOffset + QK / 2 + j] * id;
            final int xi0 = Math.min(15, toInt8(x0 + 8.5f));
            final int xi1 = Math.min(15, toInt8(x1 + 8.5f));
            putU8(dst, block + Q4_0_QS + j, xi0 | (xi1 << 4));
        }
    }

    /** {@code quantize_row_q4_1_ref} for one block: 16 levels spanning [min, max]. */
    public static void quantizeQ4_1(float[] x, int xOffset, MemorySegment dst, long block) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < QK; j++) {
            final float v = x[xOffset + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        final float d = (max - min) / ((1 << 4) - 1);
        final float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(dst, block + Q4_1_D, d);
        putHalf(dst, block + Q4_1_M, min);
        for (int j = 0; j < QK / 2; j++) {
            final float x0 = (x[xOffset + j] - min) * id;
            final float x1 = (x[xOffset + QK / 2 + j] - min) * id;
            final int xi0 = Math.min(15, toInt8(x0 + 0.5f));
            final int xi1 = Math.min(15, toInt8(x1 + 0.5f));
            putU8(dst, block + Q4_1_QS + j, xi0 | (xi1 << 4));
        }
    }

    /** {@code quantize_row_q5_0_ref} for one block: the signed extreme maps to -16. */
    public static void quantizeQ5_0(float[] x, int xOffset, MemorySegment dst, long block) {
        float amax = 0.0f;
        float max = 0.0f;
        for (int j = 0; j < QK; j++) {
            final float v = x[xOffset + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        final float d = max / -16;
        final float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(dst, block + Q5_0_D, d);
        int qh = 0;
        for (int j = 0; j < QK / 2; j++) {
            final float x0 = x[xOffset + j] * id;
            final float x1 = x[xOffset + QK / 2 + j] * id;
            final int xi0 = Math.min(31, toInt8(x0 + 16.5f)) & 0xFF;
            final int xi1 = Math.min(31, toInt8(x1 + 16.5f)) & 0xFF;
            putU8(dst, block + Q5_0_QS + j, (xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + QK / 2);
        }
        putU32(dst, block + Q5_0_QH, qh);
    }

    /** {@code quantize_row_q5_1_ref} for one block: 32 levels spanning [min, max]. */
    public static void quantizeQ5_1(float[] x, int xOffset, MemorySegment dst, long block) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < QK; j++) {
            final float v = x[xOffset + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        final float d = (max - min) / ((1 << 5) - 1);
        final float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(dst, block + Q5_1_D, d);
        putHalf(dst, block + Q5_1_M, min);
        int qh = 0;
        for (int j = 0; j < QK / 2; j++) {
            final float x0 = (x[xOffset + j] - min) * id;
            final float x1 = (x[xOffset + QK / 2 + j] - min) * id;
            // ggml clamps nothing here: (v - min) * id is at most 31 plus a rounding error, so this truncates to <= 31
            final int xi0 = toInt8(x0 + 0.5f) & 0xFF;
            final int xi1 = toInt8(x1 + 0.5f) & 0xFF;
            putU8(dst, block + Q5_1_QS + j, (xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + QK / 2);
        }
        putU32(dst, block + Q5_1_QH, qh);
    }

    /** {@code quantize_row_q8_0_ref} for one block: symmetric, d = amax / 127, round half away from zero. */
    public static void quantizeQ8_0(float[] x, int xOffset, MemorySegment dst, long block) {
        float amax = 0.0f;
        for (int j = 0; j < QK; j++) {
            final float av = Math.abs(x[xOffset + j]);
            amax = amax > av ? amax : av; // ggml's MAX(a, b) macro, kept for its NaN behaviour
        }
        final float d = amax / ((1 << 7) - 1);
        final float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(dst, block + Q8_0_D, d);
        for (int j = 0; j < QK; j++) {
            final float x0 = x[xOffset + j] * id;
            putU8(dst, block + Q8_0_QS + j, toInt8(roundf(x0)));
        }
    }

    /**
     * C's {@code (int8_t) f}: truncation toward zero. Finite quantizer inputs always land in range;
     * for the rest (undefined behaviour in C) this keeps the low byte of Java's saturating cast.
     */
    static int toInt8(float f) {
        return (byte) (int) f;
    }

    /** C's {@code roundf}: nearest integer, halfway cases away from zero (unlike {@link Math#round}). */
    static float roundf(float f) {
        if (!(Math.abs(f) < 0x1p23f)) return f; // already an integer, or NaN/infinite
        // |f| + 0.5 is exact in double for every float below 2^23, so floor sees the true sum
        return Math.copySign((float) Math.floor(Math.abs((double) f) + 0.5), f);
    }
}
