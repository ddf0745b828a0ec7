package dev.edgewise.quant;

import static dev.edgewise.quant.LittleEndian.half;
import static dev.edgewise.quant.LittleEndian.s8;
import static dev.edgewise.quant.LittleEndian.u8;

import java.lang.foreign.MemorySegment;

/**
 * ggml's K-quants Q2_K..Q6_K: super-blocks of {@value #QK_K} elements split into sub-blocks of 16
 * or 32, each sub-block with its own small integer scale (and, for Q2_K/Q4_K/Q5_K, minimum) that
 * is itself scaled by the super-block's F16 {@code d} (and {@code dmin}).
 *
 * <p>Scalar reference code, a transcription of ggml's {@code dequantize_row_q*_K}
 * (ggml-quants.c), which walks the packed bytes in the same order as here. The float operations are
 * ggml's, in ggml's order: sub-block scale first ({@code dl = d * sc}), then {@code dl * q - ml}.
 * For Q2_K..Q5_K both products are exact in float (an 11-bit F16 significand times at most
 * 6 + 5 bits of integers), so only the subtraction rounds and an FMA would give the same bits.
 * Q6_K's {@code d * sc * q} (8-bit scale, 6-bit quant: up to 25 bits) can round, so its
 * left-to-right order, {@code (d * sc) * q}, is part of the format's exact result.
 */
public final class KQuants {
    private KQuants() {}

    /** Elements per super-block. */
    public static final int QK_K = 256;
    /** Bytes of the packed 6-bit scales and mins of Q4_K/Q5_K and of the 6-bit scales of Q3_K. */
    public static final int K_SCALE_SIZE = 12;

    /** Q2_K: {@code uint8_t scales[16]; uint8_t qs[64]; ggml_half d, dmin}. 16 x 16, 2-bit q, 4-bit scale and min. */
    public static final int Q2_K_BYTES = 84, Q2_K_SCALES = 0, Q2_K_QS = 16, Q2_K_D = 80, Q2_K_DMIN = 82;
    /** Q3_K: {@code uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; ggml_half d}. 16 x 16, 3-bit q, 6-bit scale. */
    public static final int Q3_K_BYTES = 110, Q3_K_HMASK = 0, Q3_K_QS = 32, Q3_K_SCALES = 96, Q3_K_D = 108;
    /** Q4_K: {@code ggml_half d, dmin; uint8_t scales[12]; uint8_t qs[128]}. 8 x 32, 4-bit q, 6-bit scale and min. */
    public static final int Q4_K_BYTES = 144, Q4_K_D = 0, Q4_K_DMIN = 2, Q4_K_SCALES = 4, Q4_K_QS = 16;
    /** Q5_K: {@code ggml_half d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]}. 8 x 32, 5-bit q. */
    public static final int Q5_K_BYTES = 176, Q5_K_D = 0, Q5_K_DMIN = 2, Q5_K_SCALES = 4, Q5_K_QH = 16, Q5_K_QS = 48;
    /** Q6_K: {@code uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; ggml_half d}. 16 x 16, 6-bit q, 8-bit scale. */
    public static final int Q6_K_BYTES = 210, Q6_K_QL = 0, Q6_K_QH = 128, Q6_K_SCALES = 192, Q6_K_D = 208;

    public static void dequantizeQ2_K(MemorySegment src, long block, float[] y, int yOffset) {
        final float d = half(src, block + Q2_K_D);
        final float min = half(src, block + Q2_K_DMIN);
        int out = yOffset;
        long q = block + Q2_K_QS;
        int is = 0;
        for (int n = 0; n < QK_K; n += 128) {
            int shift = 0;
            for (int j = 0; j < 4; j++) {
                int sc = u8(src, block + Q2_K_SCALES + is++);
                float dl = d * (sc & 0xF);
                float ml = min * (sc >>> 4);
                for (int l = 0; l < 16; l++) y[out++] = dl * ((u8(src, q + l) >>> shift) & 3) - ml;

                sc = u8(src, block + Q2_K_SCALES + is++);
                dl = d * (sc & 0xF);
                ml = min * (sc >>> 4);
                for (int l = 0; l < 16; l++) y[out++] = dl * ((u8(src, q + l + 16) >>> shift) & 3) - ml;

                shift += 2;
            }
            q += 32;
        }
    }

    public static void dequantizeQ3_K(MemorySegment src, long block, float[] y, int yOffset) {
        final float dAll = half(src, block + Q3_K_D);
        final int[] scales = unpackQ3KScales(src, block + Q3_K_SCALES);
        final long hm = block + Q3_K_HMASK;
        int out = yOffset;
        long q = block + Q3_K_QS;
        int m = 1; // selects the hmask bit: one bit per group of 32 elements
        int is = 0;
        for (int n = 0; n < QK_K; n += 128) {
            int shift = 0;
            for (int j = 0; j < 4; j++) {
                float dl = dAll * (scales[is++] - 32);
                for (int l = 0; l < 16; l++) {
                    y[out++] = dl * (((u8(src, q + l) >>> shift) & 3) - ((u8(src, hm + l) & m) != 0 ? 0 : 4));
                }
                dl = dAll * (scales[is++] - 32);
                for (int l = 0; l < 16; l++) {
                    y[out++] = dl * (((u8(src, q + l + 16) >>> shift) & 3) - ((u8(src, hm + l + 16) & m) != 0 ? 0 : 4));
                }
                shift += 2;
                m <<= 1;
            }
            q += 32;
        }
    }

    /**
     * The 16 unsigned 6-bit Q3_K scales (bias 32 not yet removed). Scale {@code j}'s low nibble is
     * byte {@code j % 8}'s low ({@code j < 8}) or high nibble; its top two bits are bits
     * {@code 2*(j/4)} and up of byte {@code 8 + j % 4}.
     */
    static int[] unpackQ3KScales(MemorySegment src, long scales) {
        final int[] out = new int[16];
        for (int j = 0; j < 16; j++) {
            final int low = j < 8 ? u8(src, scales + j) & 0xF : u8(src, scales + j - 8) >>> 4;
            final int high = (u8(src, scales + 8 + j % 4) >>> (2 * (j / 4))) & 3;
            out[j] = low | (high << 4);
        }
        return out;
    }

    /**
     * ggml's {@code get_scale_min_k4}: the 6-bit scale ({@code result >> 8}) and min
     * ({@code result & 0xFF}) of sub-block {@code j} (0..7) of a Q4_K/Q5_K super-block. Sub-blocks
     * 0..3 use the low 6 bits of bytes 0..7; 4..7 use the nibbles of bytes 8..11 plus the top two
     * bits of bytes 0..7.
     */
    static int scaleMinK4(int j, MemorySegment src, long q) {
        final int sc;
        final int m;
        if (j < 4) {
            sc = u8(src, q + j) & 63;
            m = u8(src, q + j + 4) & 63;
        } else {
            sc = (u8(src, q + j + 4) & 0xF) | ((u8(src, q + j - 4) >>> 6) << 4);
            m = (u8(src, q + j + 4) >>> 4) | ((u8(src, q + j) >>> 6) << 4);
        }
        return (sc << 8) | m;
    }

    public static void dequantizeQ4_K(MemorySegment src, long block, float[] y, int yOffset) {
        final float d = half(src, block + Q4_K_D);
        final float min = half(src, block + Q4_K_DMIN);
        final long scales = block + Q4_K_SCALES;
        int out = yOffset;
        long q = block + Q4_K_QS;
        int is = 0;
        for (int j = 0; j < QK_K; j += 64) {
            int sm = scaleMinK4(is, src, scales);
            final float d1 = d * (sm >>> 8);
            final float m1 = min * (sm & 0xFF);
            sm = scaleMinK4(is + 1, src, scales);
            final float d2 = d * (sm >>> 8);
            final float m2 = min * (sm & 0xFF);
            for (int l = 0; l < 32; l++) y[out++] = d1 * (u8(src, q + l) & 0xF) - m1;
            for (int l = 0; l < 32; l++) y[out++] = d2 * (u8(src, q + l) >>> 4) - m2;
            q += 32;
            is += 2;
        }
    }

    public static void dequantizeQ5_K(MemorySegment src, long block, float[] y, int yOffset) {
        final float d = half(src, block + Q5_K_D);
        final float min = half(src, block + Q5_K_DMIN);
        final long scales = block + Q5_K_SCALES;
        final long qh = block + Q5_K_QH;
        int out = yOffset;
        long ql = block + Q5_K_QS;
        int is = 0;
        int u1 = 1;
        int u2 = 2;
        for (int j = 0; j < QK_K; j += 64) {
            int sm = scaleMinK4(is, src, scales);
            final float d1 = d * (sm >>> 8);
            final float m1 = min * (sm & 0xFF);
            sm = scaleMinK4(is + 1, src, scales);
            final float d2 = d * (sm >>> 8);
            final float m2 = min * (sm & 0xFF);
            for (int l = 0; l < 32; l++) {
                y[out++] = d1 * ((u8(src, ql + l) & 0xF) + ((u8(src, qh + l) & u1) != 0 ? 16 : 0)) - m1;
            }
            for (int l = 0; l < 32; l++) {
                y[out++] = d2 * ((u8(src, ql + l) >>> 4) + ((u8(src, qh + l) & u2) != 0 ? 16 : 0)) - m2;
            }
            ql += 32;
            is += 2;
            u1 <<= 2;
            u2 <<= 2;
        }
    }

    public static void dequantizeQ6_K(MemorySegment src, long block, float[] y, int yOffset) {
        final float d = half(src, block + Q6_K_D);
        long ql = block + Q6_K_QL;
        long qh = block + Q6_K_QH;
        long sc = block + Q6_K_SCALES;
        int out = yOffset;
        for (int n = 0; n < QK_K; n += 128) {
            for (int l = 0; l < 32; l++) {
                final int is = l / 16;
                final int h = u8(src, qh + l);
                final int q1 = ((u8(src, ql + l) & 0xF) | (((h >>> 0) & 3) << 4)) - 32;
                final int q2 = ((u8(src, ql + l + 32) & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                final int q3 = ((u8(src, ql + l) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                final int q4 = ((u8(src, ql + l + 32) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                // ggml: d * sc[is] * q, evaluated left to right
                y[out + l] = d * s8(src, sc + is) * q1;
                y[out + l + 32] = d * s8(src, sc + is + 2) * q2;
                y[out + l + 64] = d * s8(src, sc + is + 4) * q3;
                y[out + l + 96] = d * s8(src, sc + is + 6) * q4;
            }
            out += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }
}
