package dev.edgewise.quant;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Independent transcriptions of ggml's reference quantizers ({@code quantize_row_*_ref},
 * ggml-quants.c) and float conversions ({@code ggml_compute_fp32_to_fp16}, ggml-impl.h;
 * {@code ggml_compute_fp32_to_bf16}), writing into plain byte arrays. Used as the oracle for
 * {@link Quantize}; shares no code with it (its own F16 rounding, its own {@code roundf}).
 */
final class QuantizeReference {
    private QuantizeReference() {}

    /** ggml_compute_fp32_to_fp16: the portable bit-trick conversion (round to nearest even; NaN -> 0x7E00). */
    static int fp32ToFp16(float f) {
        final float scaleToInf = 0x1.0p+112f;
        final float scaleToZero = 0x1.0p-110f;
        float base = (Math.abs(f) * scaleToInf) * scaleToZero;
        final int w = Float.floatToRawIntBits(f);
        final int shl1W = w + w;
        final int sign = w & 0x80000000;
        int bias = shl1W & 0xFF000000;
        if (Integer.compareUnsigned(bias, 0x71000000) < 0) bias = 0x71000000;
        base = Float.intBitsToFloat((bias >>> 1) + 0x07800000) + base;
        final int bits = Float.floatToRawIntBits(base);
        final int expBits = (bits >>> 13) & 0x00007C00;
        final int mantissaBits = bits & 0x00000FFF;
        final int nonsign = expBits + mantissaBits;
        return ((sign >>> 16) | (Integer.compareUnsigned(shl1W, 0xFF000000) > 0 ? 0x7E00 : nonsign)) & 0xFFFF;
    }

    /** ggml_compute_fp32_to_bf16: round to nearest even; NaN forced quiet. */
    static int fp32ToBf16(float f) {
        final int i = Float.floatToRawIntBits(f);
        if ((i & 0x7fffffff) > 0x7f800000) return ((i >>> 16) | 64) & 0xFFFF;
        return ((i + (0x7fff + ((i >>> 16) & 1))) >>> 16) & 0xFFFF;
    }

    /** C roundf (half away from zero), computed exactly with BigDecimal. */
    static float roundf(float f) {
        if (Float.isNaN(f) || Float.isInfinite(f)) return f;
        final float r = new BigDecimal(f).setScale(0, RoundingMode.HALF_UP).floatValue();
        return r == 0 ? Math.copySign(0f, f) : r;
    }

    private static void putHalf(byte[] y, int at, float v) {
        final int h = fp32ToFp16(v);
        y[at] = (byte) h;
        y[at + 1] = (byte) (h >>> 8);
    }

    private static void putLe32(byte[] y, int at, int v) {
        for (int k = 0; k < 4; k++) y[at + k] = (byte) (v >>> (8 * k));
    }

    /** C's (int8_t) conversion of an in-range float: truncation. */
    private static int trunc(float f) {
        return (int) f;
    }

    static byte[] quantize(GGMLType type, float[] x) {
        final int nb = x.length / type.blockSize;
        final byte[] y = new byte[nb * type.typeSize];
        for (int i = 0; i < nb; i++) {
            final int xo = i * type.blockSize, yo = i * type.typeSize;
            switch (type) {
                case F32 -> putLe32(y, yo, Float.floatToRawIntBits(x[xo]));
                case F16 -> {
                    final int h = fp32ToFp16(x[xo]);
                    y[yo] = (byte) h;
                    y[yo + 1] = (byte) (h >>> 8);
                }
                case BF16 -> {
                    final int h = fp32ToBf16(x[xo]);
                    y[yo] = (byte) h;
                    y[yo + 1] = (byte) (h >>> 8);
                }
                case Q8_0 -> q8_0(x, xo, y, yo);
                case Q4_0 -> q4_0(x, xo, y, yo);
                case Q4_1 -> q4_1(x, xo, y, yo);
                case Q5_0 -> q5_0(x, xo, y, yo);
                case Q5_1 -> q5_1(x, xo, y, yo);
                default -> throw new IllegalArgumentException(type.name());
            }
        }
        return y;
    }

    static void q8_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) {
            final float v = x[xo + j];
            amax = amax > Math.abs(v) ? amax : Math.abs(v); // MAX(amax, fabsf(v))
        }
        final float d = amax / 127;
        final float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        for (int j = 0; j < 32; j++) y[yo + 2 + j] = (byte) (int) roundf(x[xo + j] * id);
    }

    static void q4_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < 32; j++) {
            final float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        final float d = max / -8;
        final float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        for (int j = 0; j < 16; j++) {
            final int xi0 = Math.min(15, trunc(x[xo + j] * id + 8.5f));
            final int xi1 = Math.min(15, trunc(x[xo + 16 + j] * id + 8.5f));
            y[yo + 2 + j] = (byte) (xi0 | (xi1 << 4));
        }
    }

    static void q4_1(float[] x, int xo, byte[] y, int yo) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            final float v = x[xo + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        final float d = (max - min) / 15;
        final float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        putHalf(y, yo + 2, min);
        for (int j = 0; j < 16; j++) {
            final int xi0 = Math.min(15, trunc((x[xo + j] - min) * id + 0.5f));
            final int xi1 = Math.min(15, trunc((x[xo + 16 + j] - min) * id + 0.5f));
            y[yo + 4 + j] = (byte) (xi0 | (xi1 << 4));
        }
    }

    static void q5_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < 32; j++) {
            final float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        final float d = max / -16;
        final float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            final int xi0 = Math.min(31, trunc(x[xo + j] * id + 16.5f));
            final int xi1 = Math.min(31, trunc(x[xo + 16 + j] * id + 16.5f));
            y[yo + 6 + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        putLe32(y, yo + 2, qh);
    }

    static void q5_1(float[] x, int xo, byte[] y, int yo) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            final float v = x[xo + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        final float d = (max - min) / 31;
        final float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        putHalf(y, yo + 2, min);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            final int xi0 = trunc((x[xo + j] - min) * id + 0.5f) & 0xFF;
            final int xi1 = trunc((x[xo + 16 + j] - min) * id + 0.5f) & 0xFF;
            y[yo + 8 + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        putLe32(y, yo + 4, qh);
    }
}
