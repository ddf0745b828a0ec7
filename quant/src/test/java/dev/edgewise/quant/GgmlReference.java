package dev.edgewise.quant;

/**
 * An independent, element-at-a-time restatement of ggml's {@code dequantize_row_*} (ggml-quants.c)
 * and block structs (ggml-common.h), used as the oracle for {@link Dequantize}. It shares no code
 * with the main classes: every element is computed from the raw block bytes by bit-extraction
 * formulas (which byte, which bits), with ggml's float operations in ggml's order. Where ggml's
 * dequantizer uses a trick (Q3_K's 32-bit mask shuffle of the scales) it is reproduced literally,
 * so the main code's plainer formula is checked against it.
 */
final class GgmlReference {
    private GgmlReference() {}

    static final int[] KVALUES_IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    static int le16(byte[] b, int i) {
        return u8(b, i) | (u8(b, i + 1) << 8);
    }

    static int le32(byte[] b, int i) {
        return u8(b, i) | (u8(b, i + 1) << 8) | (u8(b, i + 2) << 16) | (u8(b, i + 3) << 24);
    }

    /** IEEE binary16 bits to float, from the format's definition (not via Float.float16ToFloat). */
    static float half(int bits) {
        final int sign = (bits >>> 15) & 1;
        final int exp = (bits >>> 10) & 0x1F;
        final int mant = bits & 0x3FF;
        final float mag;
        if (exp == 0) {
            mag = mant * 0x1p-24f; // subnormal (or zero): exact, a 10-bit integer times a power of two
        } else if (exp == 31) {
            mag = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            mag = Math.scalb(1.0f + mant / 1024.0f, exp - 15);
        }
        return sign == 1 ? -mag : mag;
    }

    static float half(byte[] b, int i) {
        return half(le16(b, i));
    }

    /** bfloat16 bits to float, from the format's definition (8-bit exponent, 7-bit mantissa). */
    static float bf16(int bits) {
        final int sign = (bits >>> 15) & 1;
        final int exp = (bits >>> 7) & 0xFF;
        final int mant = bits & 0x7F;
        final float mag;
        if (exp == 0) {
            mag = Math.scalb(mant / 128.0f, -126);
        } else if (exp == 255) {
            mag = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            mag = Math.scalb(1.0f + mant / 128.0f, exp - 127);
        }
        return sign == 1 ? -mag : mag;
    }

    /** Element {@code i} of the one block of {@code type} held in {@code b}. */
    static float element(GGMLType type, byte[] b, int i) {
        return switch (type) {
            case F32 -> Float.intBitsToFloat(le32(b, 0));
            case F16 -> half(le16(b, 0));
            case BF16 -> bf16(le16(b, 0));
            case Q4_0 -> q4_0(b, i);
            case Q4_1 -> q4_1(b, i);
            case Q5_0 -> q5_0(b, i);
            case Q5_1 -> q5_1(b, i);
            case Q8_0 -> q8_0(b, i);
            case Q2_K -> q2_K(b, i);
            case Q3_K -> q3_K(b, i);
            case Q4_K -> q4_K(b, i);
            case Q5_K -> q5_K(b, i);
            case Q6_K -> q6_K(b, i);
            case IQ4_NL -> iq4_nl(b, i);
            case IQ4_XS -> iq4_xs(b, i);
            default -> throw new IllegalArgumentException("no reference for " + type);
        };
    }

    /** The 4-bit field of element {@code i} (0..31) in a 16-byte nibble array at {@code qs}: low nibbles hold 0..15. */
    static int nibble32(byte[] b, int qs, int i) {
        return (u8(b, qs + i % 16) >>> (i < 16 ? 0 : 4)) & 0xF;
    }

    // block_q4_0 { half d; uint8 qs[16]; }   y = (q - 8) * d
    static float q4_0(byte[] b, int i) {
        final float d = half(b, 0);
        final int x = nibble32(b, 2, i) - 8;
        return x * d;
    }

    // block_q4_1 { half d; half m; uint8 qs[16]; }   y = q * d + m
    static float q4_1(byte[] b, int i) {
        final float d = half(b, 0);
        final float m = half(b, 2);
        final int x = nibble32(b, 4, i);
        return x * d + m;
    }

    // block_q5_0 { half d; uint8 qh[4]; uint8 qs[16]; }   bit i of qh = 5th bit of element i; y = (q - 16) * d
    static float q5_0(byte[] b, int i) {
        final float d = half(b, 0);
        final int qh = le32(b, 2);
        final int x = (nibble32(b, 6, i) | (((qh >>> i) & 1) << 4)) - 16;
        return x * d;
    }

    // block_q5_1 { half d; half m; uint8 qh[4]; uint8 qs[16]; }   y = q * d + m
    static float q5_1(byte[] b, int i) {
        final float d = half(b, 0);
        final float m = half(b, 2);
        final int qh = le32(b, 4);
        final int x = nibble32(b, 8, i) | (((qh >>> i) & 1) << 4);
        return x * d + m;
    }

    // block_q8_0 { half d; int8 qs[32]; }   y = q * d
    static float q8_0(byte[] b, int i) {
        final float d = half(b, 0);
        return b[2 + i] * d;
    }

    // block_q2_K { uint8 scales[16]; uint8 qs[64]; half d; half dmin; }
    // Element i: half h = i/128, shift group j = (i%128)/32, l = i%32; 2-bit q is bits 2j..2j+1 of
    // qs[32h + l]; scale byte 8h + 2j + l/16 holds scale (low nibble) and min (high nibble).
    static float q2_K(byte[] b, int i) {
        final float d = half(b, 80);
        final float dmin = half(b, 82);
        final int h = i / 128, j = (i % 128) / 32, l = i % 32;
        final int sc = u8(b, 8 * h + 2 * j + l / 16);
        final int q = (u8(b, 16 + 32 * h + l) >>> (2 * j)) & 3;
        final float dl = d * (sc & 0xF);
        final float ml = dmin * (sc >>> 4);
        return dl * q - ml;
    }

    // block_q3_K { uint8 hmask[32]; uint8 qs[64]; uint8 scales[12]; half d; }
    // Element i: h = i/128, j = (i%128)/32, l = i%32; low 2 bits as Q2_K from qs; the high bit is bit
    // 4h + j of hmask[l] and, when CLEAR, subtracts 4. Scales: ggml's kmask shuffle, reproduced below.
    static float q3_K(byte[] b, int i) {
        final float dAll = half(b, 108);
        final int h = i / 128, j = (i % 128) / 32, l = i % 32;
        final int s = 8 * h + 2 * j + l / 16;
        final int low = (u8(b, 32 + 32 * h + l) >>> (2 * j)) & 3;
        final boolean high = ((u8(b, l) >>> (4 * h + j)) & 1) != 0;
        final int q = low - (high ? 0 : 4);
        final float dl = dAll * (q3KScale(b, s) - 32);
        return dl * q;
    }

    /** Q3_K scale {@code s} (0..63, bias included) via ggml's uint32 kmask1/kmask2 shuffle. */
    static int q3KScale(byte[] b, int s) {
        final int kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
        final int[] aux = {le32(b, 96), le32(b, 100), le32(b, 104), 0};
        final int tmp = aux[2];
        aux[2] = ((aux[0] >>> 4) & kmask2) | (((tmp >>> 4) & kmask1) << 4);
        aux[3] = ((aux[1] >>> 4) & kmask2) | (((tmp >>> 6) & kmask1) << 4);
        aux[0] = (aux[0] & kmask2) | (((tmp >>> 0) & kmask1) << 4);
        aux[1] = (aux[1] & kmask2) | (((tmp >>> 2) & kmask1) << 4);
        return (byte) (aux[s / 4] >>> (8 * (s % 4))); // int8 view of the little-endian words
    }

    /**
     * 6-bit scale ({@code [0]}) and min ({@code [1]}) of sub-block {@code s} (0..7) of the 12-byte
     * Q4_K/Q5_K scales at {@code at}, as packed by quantize_row_q4_K_ref: sub-blocks 0..3 keep
     * their scale in bytes 0..3 and min in bytes 4..7 (low 6 bits); sub-blocks 4..7 keep the low
     * nibbles in byte s+4 (scale low, min high) and the top 2 bits in bits 6..7 of bytes s-4 (scale)
     * and s (min).
     */
    static int[] kScaleMin(byte[] b, int at, int s) {
        if (s < 4) {
            return new int[] {u8(b, at + s) & 0x3F, u8(b, at + s + 4) & 0x3F};
        }
        final int packed = u8(b, at + s + 4);
        return new int[] {
            (packed & 0xF) | ((u8(b, at + s - 4) >>> 6) << 4),
            (packed >>> 4) | ((u8(b, at + s) >>> 6) << 4)
        };
    }

    // block_q4_K { half d; half dmin; uint8 scales[12]; uint8 qs[128]; }
    // Element i: g = i/64, r = i%64; sub-block 2g + r/32; nibble r/32 of qs[32g + r%32].
    static float q4_K(byte[] b, int i) {
        final float d = half(b, 0);
        final float dmin = half(b, 2);
        final int g = i / 64, r = i % 64;
        final int[] sm = kScaleMin(b, 4, 2 * g + r / 32);
        final int q = (u8(b, 16 + 32 * g + r % 32) >>> (4 * (r / 32))) & 0xF;
        final float dl = d * sm[0];
        final float ml = dmin * sm[1];
        return dl * q - ml;
    }

    // block_q5_K { half d; half dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]; }
    // As Q4_K, plus the 5th bit: bit (2g + r/32) of qh[r%32].
    static float q5_K(byte[] b, int i) {
        final float d = half(b, 0);
        final float dmin = half(b, 2);
        final int g = i / 64, r = i % 64;
        final int sub = 2 * g + r / 32;
        final int[] sm = kScaleMin(b, 4, sub);
        final int low = (u8(b, 48 + 32 * g + r % 32) >>> (4 * (r / 32))) & 0xF;
        final int high = (u8(b, 16 + r % 32) >>> sub) & 1;
        final float dl = d * sm[0];
        final float ml = dmin * sm[1];
        return dl * (low + 16 * high) - ml;
    }

    // block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; }
    // Element i: h = i/128, k = (i%128)/32, l = i%32; low nibble k/2 of ql[64h + 32(k%2) + l];
    // high 2 bits are bits 2k..2k+1 of qh[32h + l]; scale 8h + 2k + l/16.   y = d * sc * (q - 32)
    static float q6_K(byte[] b, int i) {
        final float d = half(b, 208);
        final int h = i / 128, k = (i % 128) / 32, l = i % 32;
        final int low = (u8(b, 64 * h + 32 * (k % 2) + l) >>> (4 * (k / 2))) & 0xF;
        final int high = (u8(b, 128 + 32 * h + l) >>> (2 * k)) & 3;
        final int q = (low | (high << 4)) - 32;
        final int sc = b[192 + 8 * h + 2 * k + l / 16];
        return d * sc * q;
    }

    // block_iq4_nl { half d; uint8 qs[16]; }   y = d * kvalues[q]
    static float iq4_nl(byte[] b, int i) {
        final float d = half(b, 0);
        return d * KVALUES_IQ4NL[nibble32(b, 2, i)];
    }

    // block_iq4_xs { half d; uint16 scales_h; uint8 scales_l[4]; uint8 qs[128]; }
    // Group ib = i/32: 6-bit scale = nibble ib%2 of scales_l[ib/2] | bits 2ib..2ib+1 of scales_h << 4.
    static float iq4_xs(byte[] b, int i) {
        final float d = half(b, 0);
        final int ib = i / 32;
        final int ls = ((u8(b, 4 + ib / 2) >>> (4 * (ib % 2))) & 0xF) | (((le16(b, 2) >>> (2 * ib)) & 3) << 4);
        final float dl = d * (ls - 32);
        return dl * KVALUES_IQ4NL[nibble32(b, 8 + 16 * ib, i % 32)];
    }
}
