package dev.edgewise.quant;

import static dev.edgewise.quant.KQuants.Q4_K_D;
import static dev.edgewise.quant.KQuants.Q4_K_DMIN;
import static dev.edgewise.quant.KQuants.Q4_K_QS;
import static dev.edgewise.quant.KQuants.Q4_K_SCALES;
import static dev.edgewise.quant.KQuants.Q5_K_D;
import static dev.edgewise.quant.KQuants.Q5_K_DMIN;
import static dev.edgewise.quant.KQuants.Q5_K_QH;
import static dev.edgewise.quant.KQuants.Q5_K_QS;
import static dev.edgewise.quant.KQuants.Q5_K_SCALES;
import static dev.edgewise.quant.KQuants.Q6_K_BYTES;
import static dev.edgewise.quant.KQuants.Q6_K_D;
import static dev.edgewise.quant.KQuants.Q6_K_QH;
import static dev.edgewise.quant.KQuants.Q6_K_QL;
import static dev.edgewise.quant.KQuants.Q6_K_SCALES;
import static dev.edgewise.quant.KQuants.QK_K;
import static dev.edgewise.quant.LittleEndian.putHalf;
import static dev.edgewise.quant.LittleEndian.putU8;

import java.lang.foreign.MemorySegment;

/**
 * ggml's reference K-quant quantizers {@code quantize_row_q4_K_ref}, {@code quantize_row_q5_K_ref}
 * and {@code quantize_row_q6_K_ref} (ggml-quants.c), one super-block at a time. These are what
 * {@code llama-quantize} runs for Q4_K/Q5_K/Q6_K tensors without an importance matrix:
 * {@code ggml_quantize_chunk} calls {@code quantize_q4_K(..., imatrix = NULL)}, which falls through
 * to the {@code _ref} function (the imatrix path, {@code quantize_row_q4_K_impl}, is a different search).
 *
 * <p>Each super-block's sub-block scales come from a small search that minimises a weighted error
 * ({@code make_qkx2_quants} for Q4_K/Q5_K, {@code make_qx_quants} for Q6_K). The search compares
 * float sums, so the exact float operations decide which candidate wins; they are transcribed
 * here in ggml's order, with C's promotions ({@code w*l*l} is {@code (w*(float)l)*(float)l}), no
 * fused multiply-adds (ggml's CPU-independent base library is built for baseline x86-64, which has
 * none) and {@link #nearestInt}'s round-half-even trick.
 */
final class KQuantize {
    private KQuantize() {}

    /** ggml's GROUP_MAX_EPS: groups whose largest magnitude is below it count as all zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    /** Per-thread work arrays: a super-block's levels and the searches' scratch. */
    private static final class Scratch {
        final int[] levels = new int[QK_K];
        final int[] candidate = new int[32];
        final float[] weights = new float[32];
        final float[] scales = new float[QK_K / 16];
        final float[] mins = new float[QK_K / 16];
        /** make_qkx2_quants' second result: minus the sub-block's (non-positive) minimum. */
        float theMin;
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * ggml's {@code nearest_int}: adding 1.5·2^23 leaves the integer part of {@code f}, rounded half
     * to even at float precision, in the low mantissa bits. Exact for |f| <= 2^22 - 1; beyond that
     * it returns what the bit trick returns (ggml only asserts in debug builds).
     */
    static int nearestInt(float f) {
        final float val = f + 12582912.f;
        return (Float.floatToRawIntBits(val) & 0x007fffff) - 0x00400000;
    }

    /**
     * {@code make_qkx2_quants}: levels {@code 0..nmax} with a scale and a non-positive minimum for
     * {@code x[xo .. xo+n)}, chosen among {@code nstep + 1} candidate scales by least weighted error
     * (absolute if {@code useMad}, else squared). Writes the levels to {@code L[lo..]} and minus the
     * minimum to {@code s.theMin}; returns the scale.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, int[] L, int lo, Scratch s,
                                float rmin, float rdelta, int nstep, boolean useMad) {
        final int[] laux = s.candidate;
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            final float xi = x[xo + i];
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            final float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            s.theMin = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            final int l = nearestInt(iscale * (x[xo + i] - min));
            L[lo + i] = Math.max(0, Math.min(nmax, l));
            float diff = scale * L[lo + i] + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            s.theMin = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = nearestInt(iscale * (x[xo + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                laux[i] = l;
                final float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            final float D = sumW * sumL2 - sumL * sumL;
            if (D > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / D;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(laux, 0, L, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        s.theMin = -min;
        return scale;
    }

    /**
     * {@code make_qx_quants} with {@code rmse_type = 1} and no importance weights (weights
     * {@code x²}): symmetric levels {@code -nmax..nmax-1}, stored biased by {@code nmax} in
     * {@code L[lo..]}; tries 19 scales around {@code -nmax / max} and returns the best.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            final float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            final float xi = x[xo + i];
            int l = nearestInt(iscale * xi);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lo + i] = l + nmax;
            final float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; i++) {
                final float xi = x[xo + i];
                int l = nearestInt(iscale * xi);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                final float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    final int l = nearestInt(iscale * x[xo + i]);
                    L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * The sub-block scales and mins of a Q4_K/Q5_K super-block, searched with make_qkx2_quants
     * ({@code nmax} 15 or 31), quantized to 6 bits against the largest of each and packed into the
     * 12 scale bytes at {@code scalesAt}; writes {@code d} and {@code dmin} and then re-derives every
     * element's level from the stored (rounded) scales. Leaves the levels in {@code s.levels}.
     */
    private static void scalesAndLevelsQ4Q5(float[] x, int xo, MemorySegment dst, long dAt, long dminAt, long scalesAt,
                                            int nmax, float rmin, float rdelta, int nstep, Scratch s) {
        final int[] L = s.levels;
        final float[] weights = s.weights;
        float maxScale = 0; // as the min is deducted, scales are never negative
        float maxMin = 0;
        for (int j = 0; j < QK_K / 32; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
            final float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[xo + 32 * j + l]);
            s.scales[j] = makeQkx2Quants(32, nmax, x, xo + 32 * j, weights, L, 32 * j, s, rmin, rdelta, nstep, false);
            s.mins[j] = s.theMin;
            if (s.scales[j] > maxScale) maxScale = s.scales[j];
            if (s.mins[j] > maxMin) maxMin = s.mins[j];
        }
        final float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        final float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        final int[] packed = new int[12];
        for (int j = 0; j < QK_K / 32; j++) {
            // ggml stores nearest_int's result in a uint8_t before clamping
            final int ls = Math.min(63, nearestInt(invScale * s.scales[j]) & 0xFF);
            final int lm = Math.min(63, nearestInt(invMin * s.mins[j]) & 0xFF);
            if (j < 4) {
                packed[j] = ls;
                packed[j + 4] = lm;
            } else {
                packed[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4);
                packed[j - 4] |= (ls >> 4) << 6;
                packed[j] |= (lm >> 4) << 6;
            }
        }
        for (int k = 0; k < 12; k++) putU8(dst, scalesAt + k, packed[k]);
        final short dHalf = Float.floatToFloat16(maxScale / 63.f);
        final short dminHalf = Float.floatToFloat16(maxMin / 63.f);
        putHalf(dst, dAt, maxScale / 63.f);
        putHalf(dst, dminAt, maxMin / 63.f);
        final float dStored = Float.float16ToFloat(dHalf);
        final float dminStored = Float.float16ToFloat(dminHalf);
        for (int j = 0; j < QK_K / 32; j++) {
            final int sm = KQuants.scaleMinK4(j, dst, scalesAt);
            final float d = dStored * (sm >>> 8);
            if (d == 0) continue; // keeps the search's levels
            final float dm = dminStored * (sm & 0xFF);
            for (int ii = 0; ii < 32; ii++) {
                final int l = nearestInt((x[xo + 32 * j + ii] + dm) / d);
                L[32 * j + ii] = Math.max(0, Math.min(nmax, l));
            }
        }
    }

    /** {@code quantize_row_q4_K_ref} for one super-block. */
    static void quantizeQ4_K(float[] x, int xo, MemorySegment dst, long block) {
        final Scratch s = SCRATCH.get();
        scalesAndLevelsQ4Q5(x, xo, dst, block + Q4_K_D, block + Q4_K_DMIN, block + Q4_K_SCALES, 15, -1.f, 0.1f, 20, s);
        final int[] L = s.levels;
        long q = block + Q4_K_QS;
        for (int j = 0; j < QK_K; j += 64) {
            for (int l = 0; l < 32; l++) putU8(dst, q + l, L[j + l] | (L[j + l + 32] << 4));
            q += 32;
        }
    }

    /** {@code quantize_row_q5_K_ref} for one super-block. */
    static void quantizeQ5_K(float[] x, int xo, MemorySegment dst, long block) {
        final Scratch s = SCRATCH.get();
        scalesAndLevelsQ4Q5(x, xo, dst, block + Q5_K_D, block + Q5_K_DMIN, block + Q5_K_SCALES, 31, -0.5f, 0.1f, 15, s);
        final int[] L = s.levels;
        final int[] qh = new int[QK_K / 8];
        long ql = block + Q5_K_QS;
        int m1 = 1, m2 = 2;
        for (int n = 0; n < QK_K; n += 64) {
            for (int j = 0; j < 32; j++) {
                int l1 = L[n + j];
                if (l1 > 15) {
                    l1 -= 16;
                    qh[j] |= m1;
                }
                int l2 = L[n + j + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    qh[j] |= m2;
                }
                putU8(dst, ql + j, l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
        for (int j = 0; j < QK_K / 8; j++) putU8(dst, block + Q5_K_QH + j, qh[j]);
    }

    /** {@code quantize_row_q6_K_ref} for one super-block. */
    static void quantizeQ6_K(float[] x, int xo, MemorySegment dst, long block) {
        final Scratch s = SCRATCH.get();
        final int[] L = s.levels;
        final float[] scales = s.scales;
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < QK_K / 16; ib++) {
            final float scale = makeQxQuants(16, 32, x, xo + 16 * ib, L, 16 * ib);
            scales[ib] = scale;
            final float absScale = Math.abs(scale);
            if (absScale > maxAbsScale) {
                maxAbsScale = absScale;
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            dst.asSlice(block, Q6_K_BYTES).fill((byte) 0);
            return;
        }
        final float iscale = -128.f / maxScale;
        putHalf(dst, block + Q6_K_D, 1 / iscale);
        final float dStored = Float.float16ToFloat(Float.floatToFloat16(1 / iscale));
        final int[] sc = new int[QK_K / 16];
        for (int ib = 0; ib < QK_K / 16; ib++) {
            sc[ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib])); // int8_t
            putU8(dst, block + Q6_K_SCALES + ib, sc[ib] & 0xFF);
        }
        for (int j = 0; j < QK_K / 16; j++) {
            final float d = dStored * sc[j];
            if (d == 0) continue; // keeps the search's levels
            for (int ii = 0; ii < 16; ii++) {
                final int l = nearestInt(x[xo + 16 * j + ii] / d);
                L[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }
        long ql = block + Q6_K_QL;
        long qh = block + Q6_K_QH;
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; l++) {
                final int q1 = L[j + l] & 0xF;
                final int q2 = L[j + l + 32] & 0xF;
                final int q3 = L[j + l + 64] & 0xF;
                final int q4 = L[j + l + 96] & 0xF;
                putU8(dst, ql + l, q1 | (q3 << 4));
                putU8(dst, ql + l + 32, q2 | (q4 << 4));
                putU8(dst, qh + l, (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2)
                        | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
    }
}
