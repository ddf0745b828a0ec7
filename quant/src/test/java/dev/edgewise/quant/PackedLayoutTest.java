package dev.edgewise.quant;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * Layout check from the other direction: blocks are built from their logical fields (integer
 * quants, sub-block scales and mins) with the packing code of ggml's quantizers
 * ({@code quantize_row_q*_K_ref}, {@code quantize_row_iq4_nl_impl}), and {@link Dequantize#row}
 * must return {@code d * scale * q - dmin * min} for every element. The decoding oracle
 * {@link GgmlReference} reads the same bits from the decode side; agreeing with both pins down
 * which bit belongs to which element.
 */
class PackedLayoutTest {
    private static final int QK_K = 256;

    private static float randomHalfScale(Random rnd) {
        // representable in F16, so the stored scale is exactly this value
        return Float.float16ToFloat(Float.floatToFloat16((float) (rnd.nextGaussian() * 0.01)));
    }

    private static void putHalf(byte[] b, int at, float v) {
        final short h = Float.floatToFloat16(v);
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >> 8);
    }

    private static float[] dequantize(GGMLType type, byte[] block) {
        final float[] y = new float[type.blockSize];
        Dequantize.row(type, MemorySegment.ofArray(block), 0, y, 0, type.blockSize);
        return y;
    }

    private static int[] randomInts(Random rnd, int n, int bound) {
        final int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextInt(bound);
        return v;
    }

    /** The 2-bit packing shared by Q2_K and Q3_K: qs[j/4 + l] = L[j+l] | L[j+l+32] << 2 | L[j+l+64] << 4 | L[j+l+96] << 6. */
    private static void pack2Bit(int[] L, byte[] b, int qs) {
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; l++) {
                b[qs + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
            }
        }
    }

    /** The 6-bit scale/min packing of quantize_row_q4_K_ref / q5_K_ref into 12 bytes at {@code at}. */
    private static void packScaleMin(int[] ls, int[] lm, byte[] b, int at) {
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                b[at + j] = (byte) ls[j];
                b[at + j + 4] = (byte) lm[j];
            } else {
                b[at + j + 4] = (byte) ((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
                b[at + j - 4] |= (byte) ((ls[j] >> 4) << 6);
                b[at + j] |= (byte) ((lm[j] >> 4) << 6);
            }
        }
    }

    private static void check(GGMLType type, float[] expected, byte[] block) {
        final float[] y = dequantize(type, block);
        for (int i = 0; i < expected.length; i++) {
            BitExact.assertSame(expected[i], y[i], type + " element " + i, block);
        }
    }

    @RepeatedTest(20)
    void q2K(RepetitionInfo rep) {
        final Random rnd = new Random(200 + rep.getCurrentRepetition());
        final float d = randomHalfScale(rnd), dmin = randomHalfScale(rnd);
        final int[] ls = randomInts(rnd, 16, 16), lm = randomInts(rnd, 16, 16), L = randomInts(rnd, QK_K, 4);
        final byte[] b = new byte[84];
        for (int j = 0; j < 16; j++) b[j] = (byte) (ls[j] | (lm[j] << 4));
        pack2Bit(L, b, 16);
        putHalf(b, 80, d);
        putHalf(b, 82, dmin);
        final float[] expected = new float[QK_K];
        for (int i = 0; i < QK_K; i++) expected[i] = d * ls[i / 16] * L[i] - dmin * lm[i / 16];
        check(GGMLType.Q2_K, expected, b);
    }

    @RepeatedTest(20)
    void q3K(RepetitionInfo rep) {
        final Random rnd = new Random(300 + rep.getCurrentRepetition());
        final float d = randomHalfScale(rnd);
        final int[] sc = randomInts(rnd, 16, 64), L = randomInts(rnd, QK_K, 8);
        final byte[] b = new byte[110];
        // scales, as quantize_row_q3_K_ref packs them
        for (int j = 0; j < 16; j++) {
            int l = sc[j];
            if (j < 8) b[96 + j] = (byte) (l & 0xF);
            else b[96 + j - 8] |= (byte) ((l & 0xF) << 4);
            l >>= 4;
            b[96 + 8 + j % 4] |= (byte) (l << (2 * (j / 4)));
        }
        // high bits into hmask: element j -> byte j % 32, bit j / 32
        final int[] low = L.clone();
        int m = 0, hm = 1;
        for (int j = 0; j < QK_K; j++) {
            if (low[j] > 3) {
                b[m] |= (byte) hm;
                low[j] -= 4;
            }
            if (++m == QK_K / 8) {
                m = 0;
                hm <<= 1;
            }
        }
        pack2Bit(low, b, 32);
        putHalf(b, 108, d);
        final float[] expected = new float[QK_K];
        for (int i = 0; i < QK_K; i++) expected[i] = d * (sc[i / 16] - 32) * (L[i] - 4);
        check(GGMLType.Q3_K, expected, b);
    }

    @RepeatedTest(20)
    void q4K(RepetitionInfo rep) {
        final Random rnd = new Random(400 + rep.getCurrentRepetition());
        final float d = randomHalfScale(rnd), dmin = randomHalfScale(rnd);
        final int[] ls = randomInts(rnd, 8, 64), lm = randomInts(rnd, 8, 64), L = randomInts(rnd, QK_K, 16);
        final byte[] b = new byte[144];
        putHalf(b, 0, d);
        putHalf(b, 2, dmin);
        packScaleMin(ls, lm, b, 4);
        for (int j = 0, q = 16; j < QK_K; j += 64, q += 32) {
            for (int l = 0; l < 32; l++) b[q + l] = (byte) (L[j + l] | (L[j + l + 32] << 4));
        }
        final float[] expected = new float[QK_K];
        for (int i = 0; i < QK_K; i++) expected[i] = d * ls[i / 32] * L[i] - dmin * lm[i / 32];
        check(GGMLType.Q4_K, expected, b);
    }

    @RepeatedTest(20)
    void q5K(RepetitionInfo rep) {
        final Random rnd = new Random(500 + rep.getCurrentRepetition());
        final float d = randomHalfScale(rnd), dmin = randomHalfScale(rnd);
        final int[] ls = randomInts(rnd, 8, 64), lm = randomInts(rnd, 8, 64), L = randomInts(rnd, QK_K, 32);
        final byte[] b = new byte[176];
        putHalf(b, 0, d);
        putHalf(b, 2, dmin);
        packScaleMin(ls, lm, b, 4);
        // as quantize_row_q5_K_ref: qh at 16, ql at 48
        int m1 = 1, m2 = 2, ql = 48;
        for (int n = 0; n < QK_K; n += 64) {
            for (int j = 0; j < 32; j++) {
                int l1 = L[n + j];
                if (l1 > 15) {
                    l1 -= 16;
                    b[16 + j] |= (byte) m1;
                }
                int l2 = L[n + j + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    b[16 + j] |= (byte) m2;
                }
                b[ql + j] = (byte) (l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
        final float[] expected = new float[QK_K];
        for (int i = 0; i < QK_K; i++) expected[i] = d * ls[i / 32] * L[i] - dmin * lm[i / 32];
        check(GGMLType.Q5_K, expected, b);
    }

    @RepeatedTest(20)
    void q6K(RepetitionInfo rep) {
        final Random rnd = new Random(600 + rep.getCurrentRepetition());
        final float d = randomHalfScale(rnd);
        final int[] sc = new int[16];
        for (int j = 0; j < 16; j++) sc[j] = rnd.nextInt(256) - 128;
        final int[] L = randomInts(rnd, QK_K, 64);
        final byte[] b = new byte[210];
        // as quantize_row_q6_K_ref: ql at 0, qh at 128, scales at 192, d at 208
        int ql = 0, qh = 128;
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; l++) {
                final int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF, q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                b[ql + l] = (byte) (q1 | (q3 << 4));
                b[ql + l + 32] = (byte) (q2 | (q4 << 4));
                b[qh + l] = (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4)
                        | ((L[j + l + 96] >> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
        for (int j = 0; j < 16; j++) b[192 + j] = (byte) sc[j];
        putHalf(b, 208, d);
        final float[] expected = new float[QK_K];
        for (int i = 0; i < QK_K; i++) expected[i] = d * sc[i / 16] * (L[i] - 32);
        check(GGMLType.Q6_K, expected, b);
    }

    @RepeatedTest(20)
    void iq4Xs(RepetitionInfo rep) {
        final Random rnd = new Random(700 + rep.getCurrentRepetition());
        final float d = randomHalfScale(rnd);
        final int[] ls = randomInts(rnd, 8, 64), L = randomInts(rnd, QK_K, 16);
        final byte[] b = new byte[136];
        putHalf(b, 0, d);
        // as quantize_row_iq4_nl_impl: scales_h (u16) at 2, scales_l at 4, qs at 8
        int scalesH = 0;
        for (int ib = 0; ib < 8; ib++) {
            final int lLow = ls[ib] & 0xF, lHigh = ls[ib] >> 4;
            if (ib % 2 == 0) b[4 + ib / 2] = (byte) lLow;
            else b[4 + ib / 2] |= (byte) (lLow << 4);
            scalesH |= lHigh << (2 * ib);
        }
        b[2] = (byte) scalesH;
        b[3] = (byte) (scalesH >> 8);
        for (int i = 0; i < QK_K / 32; i++) {
            for (int j = 0; j < 16; j++) b[8 + 16 * i + j] = (byte) (L[32 * i + j] | (L[32 * i + 16 + j] << 4));
        }
        final float[] expected = new float[QK_K];
        for (int i = 0; i < QK_K; i++) expected[i] = d * (ls[i / 32] - 32) * GgmlReference.KVALUES_IQ4NL[L[i]];
        check(GGMLType.IQ4_XS, expected, b);
    }
}
