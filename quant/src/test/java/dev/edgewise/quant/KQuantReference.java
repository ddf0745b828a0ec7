package dev.edgewise.quant;

/**
 * Independent transcriptions of ggml's {@code quantize_row_q4_K_ref}, {@code quantize_row_q5_K_ref}
 * and {@code quantize_row_q6_K_ref} (ggml-quants.c), written straight from the C into byte arrays,
 * block struct by block struct. The oracle for {@link KQuantize}: shares no code with it (its own
 * F16 rounding from {@link QuantizeReference}, its own nearest_int, its own scale unpacking).
 */
final class KQuantReference {
    private KQuantReference() {}

    /** nearest_int: round half to even, exactly, inside ggml's asserted range (|f| <= 4194303). */
    static int nearestInt(float f) {
        if (Math.abs(f) <= 4194303f) return (int) Math.rint(f);
        // outside the range ggml asserts, reproduce its bit trick
        final int i = Float.floatToRawIntBits(f + 12582912.f);
        return (i & 0x007fffff) - 0x00400000;
    }

    private static float fp16(float f) {
        return Float.float16ToFloat((short) QuantizeReference.fp32ToFp16(f));
    }

    private static void putHalf(byte[] y, int at, float v) {
        final int h = QuantizeReference.fp32ToFp16(v);
        y[at] = (byte) h;
        y[at + 1] = (byte) (h >>> 8);
    }

    static byte[] quantize(GGMLType type, float[] x) {
        final int nb = x.length / 256;
        final byte[] y = new byte[nb * type.typeSize];
        for (int i = 0; i < nb; i++) {
            switch (type) {
                case Q4_K -> q4K(x, 256 * i, y, i * type.typeSize);
                case Q5_K -> q5K(x, 256 * i, y, i * type.typeSize);
                case Q6_K -> q6K(x, 256 * i, y, i * type.typeSize);
                default -> throw new IllegalArgumentException(type.name());
            }
        }
        return y;
    }

    /** The two results of make_qkx2_quants. */
    private record ScaleMin(float scale, float theMin) {}

    private static ScaleMin makeQkx2(int n, int nmax, float[] x, int xo, float[] weights, int[] L, int lo,
                                     float rmin, float rdelta, int nstep) {
        float min = x[xo], max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; ++i) {
            if (x[xo + i] < min) min = x[xo + i];
            if (x[xo + i] > max) max = x[xo + i];
            float w = weights[i];
            sumW += w;
            sumX += w * x[xo + i];
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; ++i) L[lo + i] = 0;
            return new ScaleMin(0f, -min);
        }
        float iscale = (float) nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            L[lo + i] = l < 0 ? 0 : l > nmax ? nmax : l;
            float diff = scale * (float) L[lo + i] + min - x[xo + i];
            bestError += weights[i] * (diff * diff); // use_mad = false
        }
        final int[] laux = new int[n];
        for (int is = 0; is <= nstep; ++is) {
            iscale = (rmin + rdelta * (float) is + (float) nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; ++i) {
                int l = nearestInt(iscale * (x[xo + i] - min));
                l = l < 0 ? 0 : l > nmax ? nmax : l;
                laux[i] = l;
                float w = weights[i];
                float fl = l;
                sumL += w * fl;
                sumL2 += (w * fl) * fl;
                sumXL += (w * fl) * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; ++i) {
                    float diff = thisScale * (float) laux[i] + thisMin - x[xo + i];
                    curError += weights[i] * (diff * diff);
                }
                if (curError < bestError) {
                    for (int i = 0; i < n; ++i) L[lo + i] = laux[i];
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        return new ScaleMin(scale, -min);
    }

    /** Shared part of Q4_K and Q5_K: fills y's d, dmin, scales[12] and returns the levels L[256]. */
    private static int[] q45Levels(float[] x, int xo, byte[] y, int yo, int nmax, float rmin, float rdelta, int nstep) {
        final int[] L = new int[256];
        final float[] mins = new float[8], scales = new float[8], weights = new float[32];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; ++j) {
            float sumX2 = 0;
            for (int l = 0; l < 32; ++l) sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
            float avX = (float) Math.sqrt((double) (sumX2 / 32f));
            for (int l = 0; l < 32; ++l) weights[l] = avX + Math.abs(x[xo + 32 * j + l]);
            ScaleMin sm = makeQkx2(32, nmax, x, xo + 32 * j, weights, L, 32 * j, rmin, rdelta, nstep);
            scales[j] = sm.scale();
            mins[j] = sm.theMin();
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        final int sc0 = yo + 4; // block_q4_K / block_q5_K: d, dmin, scales[12]
        for (int j = 0; j < 8; ++j) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                y[sc0 + j] = (byte) ls;
                y[sc0 + j + 4] = (byte) lm;
            } else {
                y[sc0 + j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                y[sc0 + j - 4] |= (byte) ((ls >> 4) << 6);
                y[sc0 + j] |= (byte) ((lm >> 4) << 6);
            }
        }
        putHalf(y, yo, maxScale / 63.f);
        putHalf(y, yo + 2, maxMin / 63.f);
        final float dAll = fp16(maxScale / 63.f), dminAll = fp16(maxMin / 63.f);
        for (int j = 0; j < 8; ++j) {
            int sc, m;
            if (j < 4) {
                sc = y[sc0 + j] & 63;
                m = y[sc0 + j + 4] & 63;
            } else {
                sc = (y[sc0 + j + 4] & 0xF) | (((y[sc0 + j - 4] & 0xFF) >> 6) << 4);
                m = ((y[sc0 + j + 4] & 0xFF) >> 4) | (((y[sc0 + j] & 0xFF) >> 6) << 4);
            }
            float d = dAll * (float) sc;
            if (d == 0f) continue;
            float dm = dminAll * (float) m;
            for (int ii = 0; ii < 32; ++ii) {
                int l = nearestInt((x[xo + 32 * j + ii] + dm) / d);
                L[32 * j + ii] = Math.max(0, Math.min(nmax, l));
            }
        }
        return L;
    }

    static void q4K(float[] x, int xo, byte[] y, int yo) {
        final int[] L = q45Levels(x, xo, y, yo, 15, -1.f, 0.1f, 20);
        int q = yo + 16;
        for (int j = 0; j < 256; j += 64) {
            for (int l = 0; l < 32; ++l) y[q + l] = (byte) (L[j + l] | (L[j + l + 32] << 4));
            q += 32;
        }
    }

    static void q5K(float[] x, int xo, byte[] y, int yo) {
        final int[] L = q45Levels(x, xo, y, yo, 31, -0.5f, 0.1f, 15);
        final int qh = yo + 16, ql0 = yo + 48;
        int ql = ql0;
        int m1 = 1, m2 = 2;
        for (int n = 0; n < 256; n += 64) {
            for (int j = 0; j < 32; ++j) {
                int l1 = L[n + j];
                if (l1 > 15) {
                    l1 -= 16;
                    y[qh + j] |= (byte) m1;
                }
                int l2 = L[n + j + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    y[qh + j] |= (byte) m2;
                }
                y[ql + j] = (byte) (l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
    }

    /** make_qx_quants(n, nmax, x, L, rmse_type = 1, qw = NULL). */
    private static float makeQx(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; ++i) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < 1e-15f) {
            for (int i = 0; i < n; ++i) L[lo + i] = 0;
            return 0f;
        }
        float iscale = (float) (-nmax) / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; ++i) {
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
            L[lo + i] = l + nmax;
            float w = x[xo + i] * x[xo + i];
            sumlx += (w * x[xo + i]) * (float) l;
            suml2 += (w * (float) l) * (float) l;
        }
        float scale = suml2 != 0f ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; ++is) {
            if (is == 0) continue;
            iscale = -((float) nmax + 0.1f * (float) is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; ++i) {
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                float w = x[xo + i] * x[xo + i];
                sumlx += (w * x[xo + i]) * (float) l;
                suml2 += (w * (float) l) * (float) l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; ++i) {
                    L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    static void q6K(float[] x, int xo, byte[] y, int yo) {
        final int ql0 = yo, qh0 = yo + 128, sc0 = yo + 192, d0 = yo + 208;
        final int[] L = new int[256];
        final float[] scales = new float[16];
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ++ib) {
            float scale = makeQx(16, 32, x, xo + 16 * ib, L, 16 * ib);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        if (maxAbsScale < 1e-15f) return; // block stays all zero, d = +0
        float iscale = -128.f / maxScale;
        putHalf(y, d0, 1 / iscale);
        for (int ib = 0; ib < 16; ++ib) y[sc0 + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        final float dAll = fp16(1 / iscale);
        for (int j = 0; j < 16; ++j) {
            float d = dAll * (float) y[sc0 + j];
            if (d == 0f) continue;
            for (int ii = 0; ii < 16; ++ii) {
                int l = nearestInt(x[xo + 16 * j + ii] / d);
                L[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }
        int ql = ql0, qh = qh0;
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; ++l) {
                y[ql + l] = (byte) ((L[j + l] & 0xF) | ((L[j + l + 64] & 0xF) << 4));
                y[ql + l + 32] = (byte) ((L[j + l + 32] & 0xF) | ((L[j + l + 96] & 0xF) << 4));
                y[qh + l] = (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4)
                        | ((L[j + l + 96] >> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
    }
}
