package dev.edgewise.kernels;

import dev.edgewise.quant.LegacyQuants;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Attention's value sums: weighted rows of values added into a group of query heads' outputs, over
 * float rows or rows cached as ggml Q8_0 blocks ({@code half d; int8 qs[32]}, 34 bytes per 32 values,
 * x = q·d) read in place, the quants widened to floats in registers (no dequantized copy). Rows are
 * {@code n} values long ({@code n} a multiple of 32 for Q8_0) and start at a byte offset into a
 * {@code byte[]} holding consecutive blocks. Keys are scored by {@link KeyColumns}.
 *
 * <p>Arithmetic (the scalar references in the tests follow it): an accumulation adds
 * {@code fma(q, a·d, y)} per element (floats: {@code fma(v, a, y)}), rows in order, which is exact to
 * the scalar {@code Math.fma} lane by lane. Results do not depend on anything but the arguments,
 * so a sequence's attention is the same whichever rows run beside it.
 *
 * <p>Compiled for {@link FloatVector#SPECIES_PREFERRED} (a {@code static final} species, which C2
 * needs); widths whose byte vectors do not tile a 16-byte half block (none of AVX2, AVX-512, NEON)
 * take the scalar loop. No helper takes or returns a vector (a call C2 leaves out of line would box it).
 */
public final class KvKernels {
    private KvKernels() {}

    /** Values per Q8_0 block. */
    public static final int Q8_0_VALUES = LegacyQuants.QK;
    /** Bytes per Q8_0 block: an F16 scale and 32 signed quants. */
    public static final int Q8_0_BYTES = LegacyQuants.Q8_0_BYTES;

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Bytes widened per conversion: {@code L} when a byte vector that short exists, else 8 split in parts. */
    static final boolean SIMD = L >= 4 && L <= 16 && 16 % L == 0;
    static final VectorSpecies<Byte> B = SIMD ? VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, 8 * L))) : null;
    static final int CHUNK = SIMD ? B.length() : 0;
    static final int PARTS = SIMD ? CHUNK / L : 0;
    /** 32 vector registers (512 bits and up): room for sixteen running sums. */
    static final boolean WIDE = L >= 16;
    /** Per-thread weight-scale products of the Q8_0 value sums, grown on demand. */
    private static final ThreadLocal<float[]> WEIGHTS = ThreadLocal.withInitial(() -> new float[256]);

    /** Bytes of {@code n} values stored as Q8_0 ({@code n} a multiple of 32). */
    public static int q8_0Bytes(int n) {
        return n / Q8_0_VALUES * Q8_0_BYTES;
    }

    /**
     * Quantizes {@code n} values (a multiple of 32) of {@code x} into Q8_0 blocks at byte {@code off} of
     * {@code dst}, with ggml's {@code quantize_row_q8_0_ref} (d = amax/127, round half away from zero,
     * d stored as F16).
     */
    public static void quantizeQ8_0(float[] x, int xOff, byte[] dst, int off, int n) {
        checkRow(n);
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(off, q8_0Bytes(n), dst.length);
        MemorySegment seg = MemorySegment.ofArray(dst);
        for (int b = 0; b < n / Q8_0_VALUES; b++) {
            LegacyQuants.quantizeQ8_0(x, xOff + b * Q8_0_VALUES, seg, off + (long) b * Q8_0_BYTES);
        }
    }

    /**
     * {@code y[yOff+i] += a * v(i)} for the Q8_0 row of {@code n} values at byte {@code off} of
     * {@code q8}: per element {@code fma(q, a·d, y)}.
     */
    public static void axpyQ8_0(float a, byte[] q8, int off, float[] y, int yOff, int n) {
        checkRow(n);
        Objects.checkFromIndexSize(yOff, n, y.length);
        Objects.checkFromIndexSize(off, q8_0Bytes(n), q8.length);
        for (int b = 0; b < n / Q8_0_VALUES; b++, off += Q8_0_BYTES, yOff += Q8_0_VALUES) {
            float ad = a * scale(q8, off);
            if (!SIMD) {
                for (int j = 0; j < Q8_0_VALUES; j++) y[yOff + j] = Math.fma(q8[off + 2 + j], ad, y[yOff + j]);
                continue;
            }
            FloatVector adv = FloatVector.broadcast(F, ad);
            for (int c = 0; c < Q8_0_VALUES; c += CHUNK) {
                ByteVector quants = ByteVector.fromArray(B, q8, off + 2 + c);
                for (int p = 0; p < PARTS; p++) {
                    int e = yOff + c + p * L;
                    widen(quants, p).fma(adv, FloatVector.fromArray(F, y, e)).intoArray(y, e);
                }
            }
        }
    }

    /**
     * {@code y += sum_r w[wOff+r] * v_r} over {@code rows} consecutive Q8_0 rows of {@code n} values
     * starting at byte {@code off}, one row after another: equal, bit for bit, to {@code rows} calls of
     * {@link #axpyQ8_0} in order, but each slice of {@code y} stays in a register across the rows.
     */
    public static void accumulateQ8_0(float[] w, int wOff, byte[] q8, int off, int rows, float[] y, int yOff, int n) {
        checkRow(n);
        Objects.checkFromIndexSize(wOff, rows, w.length);
        Objects.checkFromIndexSize(yOff, n, y.length);
        int rowBytes = q8_0Bytes(n);
        Objects.checkFromIndexSize(off, rows * rowBytes, q8.length);
        if (!SIMD) {
            for (int r = 0; r < rows; r++) axpyQ8_0(w[wOff + r], q8, off + r * rowBytes, y, yOff, n);
            return;
        }
        for (int b = 0; b < n / Q8_0_VALUES; b++) {
            int blockOff = off + b * Q8_0_BYTES;
            for (int c = 0; c < Q8_0_VALUES; c += CHUNK) {
                for (int p = 0; p < PARTS; p++) {
                    int e = yOff + b * Q8_0_VALUES + c + p * L;
                    FloatVector acc = FloatVector.fromArray(F, y, e);
                    for (int r = 0, ro = blockOff; r < rows; r++, ro += rowBytes) {
                        float ad = w[wOff + r] * scale(q8, ro);
                        acc = widen(ByteVector.fromArray(B, q8, ro + 2 + c), p).fma(FloatVector.broadcast(F, ad), acc);
                    }
                    acc.intoArray(y, e);
                }
            }
        }
    }

    /**
     * {@link #accumulateQ8_0(float[], int, byte[], int, int, float[], int, int)} for {@code heads}
     * output vectors ({@code n} apart from {@code yOff}) over the same value rows, head {@code h}
     * weighted by {@code w[wOff + h*wStride + r]}: bit for bit the one-head result per head. The
     * products {@code a·d} are formed once per row, block and head; eight heads and one vector, or four
     * heads and two vectors, go together (eight independent sums), each value chunk widened once for them.
     */
    public static void accumulateQ8_0(float[] w, int wOff, int wStride, int heads, byte[] v, int off, int rows,
                                      float[] y, int yOff, int n) {
        checkRow(n);
        Objects.checkFromIndexSize(yOff, heads * n, y.length);
        int rowBytes = q8_0Bytes(n);
        Objects.checkFromIndexSize(off, rows * rowBytes, v.length);
        if (rows == 0 || heads == 0) return;
        Objects.checkFromIndexSize(wOff, (heads - 1) * wStride + rows, w.length);
        if (!SIMD) {
            for (int h = 0; h < heads; h++) accumulateQ8_0(w, wOff + h * wStride, v, off, rows, y, yOff + h * n, n);
            return;
        }
        int groups = n / Q8_0_VALUES;
        // wd[(g*heads + h)*rows + r] = w_h[r] * d_r[g], from the scales converted once into the last `groups * rows` floats
        float[] wd = weights((heads + 1) * rows * groups);
        int ds = heads * rows * groups;
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) wd[ds + g * rows + r] = scale(v, off + r * rowBytes + g * Q8_0_BYTES);
        }
        int bound = F.loopBound(rows);
        for (int g = 0; g < groups; g++) {
            for (int h = 0; h < heads; h++) {
                int wo = wOff + h * wStride, to = (g * heads + h) * rows, d = ds + g * rows, r = 0;
                for (; r < bound; r += L) FloatVector.fromArray(F, w, wo + r).mul(FloatVector.fromArray(F, wd, d + r)).intoArray(wd, to + r);
                for (; r < rows; r++) wd[to + r] = w[wo + r] * wd[d + r];
            }
        }
        for (int h = 0; h < heads; ) {
            if (heads - h > 4 && WIDE) { // eight heads (a GQA group of 5-8), two vectors: 16 sums in 32 registers
                for (int g = 0; g < groups; g++) {
                    for (int s = 0; s < Q8_0_VALUES; s += 2 * L) {
                        q8Accumulate8x2(wd, h, heads, rows, g, v, off + g * Q8_0_BYTES + 2 + s, rowBytes, y, yOff + g * Q8_0_VALUES + s, n);
                    }
                }
                h += 8;
                continue;
            }
            if (heads - h > 4) { // eight heads, one vector: each chunk widened once for all
                for (int g = 0; g < groups; g++) {
                    for (int s = 0; s < Q8_0_VALUES; s += L) {
                        q8Accumulate8(wd, h, heads, rows, g, v, off + g * Q8_0_BYTES + 2 + s / CHUNK * CHUNK, s % CHUNK / L,
                                rowBytes, y, yOff + g * Q8_0_VALUES + s, n);
                    }
                }
                h += 8;
                continue;
            }
            int last = heads - 1, h1 = Math.min(h + 1, last), h2 = Math.min(h + 2, last), h3 = Math.min(h + 3, last);
            for (int g = 0; g < groups; g++) {
                for (int s = 0; s < Q8_0_VALUES; s += 2 * L) {
                    q8Accumulate4x2(wd, heads, h, h1, h2, h3, rows, g, v, off + g * Q8_0_BYTES + 2 + s, rowBytes, y, yOff + g * Q8_0_VALUES + s, n);
                }
            }
            h += 4;
        }
    }

    /**
     * Two vectors (the chunks at bytes {@code qo} and {@code qo + L} of row 0; {@code L} bytes each, as at
     * 512 bits) of eight heads' outputs from head {@code h}, the last head repeated past the end, row
     * after row: each weight broadcast once for both vectors.
     */
    private static void q8Accumulate8x2(float[] wd, int h, int heads, int rows, int g, byte[] v, int qo, int rowBytes,
                                        float[] y, int e, int n) {
        int last = heads - 1;
        int h1 = Math.min(h + 1, last), h2 = Math.min(h + 2, last), h3 = Math.min(h + 3, last);
        int h4 = Math.min(h + 4, last), h5 = Math.min(h + 5, last), h6 = Math.min(h + 6, last), h7 = Math.min(h + 7, last);
        int e0 = e + h * n, e1 = e + h1 * n, e2 = e + h2 * n, e3 = e + h3 * n, e4 = e + h4 * n, e5 = e + h5 * n, e6 = e + h6 * n, e7 = e + h7 * n;
        FloatVector y00 = FloatVector.fromArray(F, y, e0), y01 = FloatVector.fromArray(F, y, e0 + L);
        FloatVector y10 = FloatVector.fromArray(F, y, e1), y11 = FloatVector.fromArray(F, y, e1 + L);
        FloatVector y20 = FloatVector.fromArray(F, y, e2), y21 = FloatVector.fromArray(F, y, e2 + L);
        FloatVector y30 = FloatVector.fromArray(F, y, e3), y31 = FloatVector.fromArray(F, y, e3 + L);
        FloatVector y40 = FloatVector.fromArray(F, y, e4), y41 = FloatVector.fromArray(F, y, e4 + L);
        FloatVector y50 = FloatVector.fromArray(F, y, e5), y51 = FloatVector.fromArray(F, y, e5 + L);
        FloatVector y60 = FloatVector.fromArray(F, y, e6), y61 = FloatVector.fromArray(F, y, e6 + L);
        FloatVector y70 = FloatVector.fromArray(F, y, e7), y71 = FloatVector.fromArray(F, y, e7 + L);
        int wg = g * heads * rows;
        int w0 = wg + h * rows, w1 = wg + h1 * rows, w2 = wg + h2 * rows, w3 = wg + h3 * rows;
        int w4 = wg + h4 * rows, w5 = wg + h5 * rows, w6 = wg + h6 * rows, w7 = wg + h7 * rows;
        for (int r = 0, ro = qo; r < rows; r++, ro += rowBytes) {
            FloatVector k0 = (FloatVector) ByteVector.fromArray(B, v, ro).convertShape(VectorOperators.B2F, F, 0);
            FloatVector k1 = (FloatVector) ByteVector.fromArray(B, v, ro + L).convertShape(VectorOperators.B2F, F, 0);
            FloatVector a = FloatVector.broadcast(F, wd[w0 + r]);
            y00 = k0.fma(a, y00);
            y01 = k1.fma(a, y01);
            a = FloatVector.broadcast(F, wd[w1 + r]);
            y10 = k0.fma(a, y10);
            y11 = k1.fma(a, y11);
            a = FloatVector.broadcast(F, wd[w2 + r]);
            y20 = k0.fma(a, y20);
            y21 = k1.fma(a, y21);
            a = FloatVector.broadcast(F, wd[w3 + r]);
            y30 = k0.fma(a, y30);
            y31 = k1.fma(a, y31);
            a = FloatVector.broadcast(F, wd[w4 + r]);
            y40 = k0.fma(a, y40);
            y41 = k1.fma(a, y41);
            a = FloatVector.broadcast(F, wd[w5 + r]);
            y50 = k0.fma(a, y50);
            y51 = k1.fma(a, y51);
            a = FloatVector.broadcast(F, wd[w6 + r]);
            y60 = k0.fma(a, y60);
            y61 = k1.fma(a, y61);
            a = FloatVector.broadcast(F, wd[w7 + r]);
            y70 = k0.fma(a, y70);
            y71 = k1.fma(a, y71);
        }
        y00.intoArray(y, e0);
        y01.intoArray(y, e0 + L);
        y10.intoArray(y, e1);
        y11.intoArray(y, e1 + L);
        y20.intoArray(y, e2);
        y21.intoArray(y, e2 + L);
        y30.intoArray(y, e3);
        y31.intoArray(y, e3 + L);
        y40.intoArray(y, e4);
        y41.intoArray(y, e4 + L);
        y50.intoArray(y, e5);
        y51.intoArray(y, e5 + L);
        y60.intoArray(y, e6);
        y61.intoArray(y, e6 + L);
        y70.intoArray(y, e7);
        y71.intoArray(y, e7 + L);
    }

    /**
     * One vector (part {@code part} of the chunk at byte {@code qo} of row 0) of eight heads' outputs from
     * head {@code h} (the last head repeated past the end: its identical results are stored again), row after row.
     */
    private static void q8Accumulate8(float[] wd, int h, int heads, int rows, int g, byte[] v, int qo, int part,
                                      int rowBytes, float[] y, int e, int n) {
        int last = heads - 1;
        int h1 = Math.min(h + 1, last), h2 = Math.min(h + 2, last), h3 = Math.min(h + 3, last);
        int h4 = Math.min(h + 4, last), h5 = Math.min(h + 5, last), h6 = Math.min(h + 6, last), h7 = Math.min(h + 7, last);
        int e0 = e + h * n, e1 = e + h1 * n, e2 = e + h2 * n, e3 = e + h3 * n, e4 = e + h4 * n, e5 = e + h5 * n, e6 = e + h6 * n, e7 = e + h7 * n;
        FloatVector y0 = FloatVector.fromArray(F, y, e0), y1 = FloatVector.fromArray(F, y, e1);
        FloatVector y2 = FloatVector.fromArray(F, y, e2), y3 = FloatVector.fromArray(F, y, e3);
        FloatVector y4 = FloatVector.fromArray(F, y, e4), y5 = FloatVector.fromArray(F, y, e5);
        FloatVector y6 = FloatVector.fromArray(F, y, e6), y7 = FloatVector.fromArray(F, y, e7);
        int wg = g * heads * rows;
        int w0 = wg + h * rows, w1 = wg + h1 * rows, w2 = wg + h2 * rows, w3 = wg + h3 * rows;
        int w4 = wg + h4 * rows, w5 = wg + h5 * rows, w6 = wg + h6 * rows, w7 = wg + h7 * rows;
        for (int r = 0, ro = qo, wr = 0; r < rows; r++, ro += rowBytes, wr++) {
            FloatVector k = (FloatVector) ByteVector.fromArray(B, v, ro).convertShape(VectorOperators.B2F, F, part);
            y0 = k.fma(FloatVector.broadcast(F, wd[w0 + wr]), y0);
            y1 = k.fma(FloatVector.broadcast(F, wd[w1 + wr]), y1);
            y2 = k.fma(FloatVector.broadcast(F, wd[w2 + wr]), y2);
            y3 = k.fma(FloatVector.broadcast(F, wd[w3 + wr]), y3);
            y4 = k.fma(FloatVector.broadcast(F, wd[w4 + wr]), y4);
            y5 = k.fma(FloatVector.broadcast(F, wd[w5 + wr]), y5);
            y6 = k.fma(FloatVector.broadcast(F, wd[w6 + wr]), y6);
            y7 = k.fma(FloatVector.broadcast(F, wd[w7 + wr]), y7);
        }
        y0.intoArray(y, e0);
        y1.intoArray(y, e1);
        y2.intoArray(y, e2);
        y3.intoArray(y, e3);
        y4.intoArray(y, e4);
        y5.intoArray(y, e5);
        y6.intoArray(y, e6);
        y7.intoArray(y, e7);
    }

    /**
     * Values {@code [s, s+2L)} of one block (quants from byte {@code qo} of row 0) into four heads'
     * outputs (repeating the last head past the end: its identical results are stored twice), row
     * after row. {@code wd} holds {@code a·d} per (block, head, row).
     */
    private static void q8Accumulate4x2(float[] wd, int heads, int h0, int h1, int h2, int h3, int rows, int g,
                                        byte[] v, int qo, int rowBytes, float[] y, int e, int n) {
        int c1 = PARTS == 1 ? L : 0, p1 = PARTS - 1; // the second vector: the next chunk, or the chunk's second part
        int e0 = e + h0 * n, e1 = e + h1 * n, e2 = e + h2 * n, e3 = e + h3 * n;
        FloatVector y00 = FloatVector.fromArray(F, y, e0), y01 = FloatVector.fromArray(F, y, e0 + L);
        FloatVector y10 = FloatVector.fromArray(F, y, e1), y11 = FloatVector.fromArray(F, y, e1 + L);
        FloatVector y20 = FloatVector.fromArray(F, y, e2), y21 = FloatVector.fromArray(F, y, e2 + L);
        FloatVector y30 = FloatVector.fromArray(F, y, e3), y31 = FloatVector.fromArray(F, y, e3 + L);
        int wg = g * heads * rows, w0 = wg + h0 * rows, w1 = wg + h1 * rows, w2 = wg + h2 * rows, w3 = wg + h3 * rows;
        for (int r = 0, ro = qo, wr = 0; r < rows; r++, ro += rowBytes, wr++) {
            FloatVector k0 = (FloatVector) ByteVector.fromArray(B, v, ro).convertShape(VectorOperators.B2F, F, 0);
            FloatVector k1 = (FloatVector) ByteVector.fromArray(B, v, ro + c1).convertShape(VectorOperators.B2F, F, p1);
            FloatVector a = FloatVector.broadcast(F, wd[w0 + wr]);
            y00 = k0.fma(a, y00);
            y01 = k1.fma(a, y01);
            a = FloatVector.broadcast(F, wd[w1 + wr]);
            y10 = k0.fma(a, y10);
            y11 = k1.fma(a, y11);
            a = FloatVector.broadcast(F, wd[w2 + wr]);
            y20 = k0.fma(a, y20);
            y21 = k1.fma(a, y21);
            a = FloatVector.broadcast(F, wd[w3 + wr]);
            y30 = k0.fma(a, y30);
            y31 = k1.fma(a, y31);
        }
        y00.intoArray(y, e0);
        y01.intoArray(y, e0 + L);
        y10.intoArray(y, e1);
        y11.intoArray(y, e1 + L);
        y20.intoArray(y, e2);
        y21.intoArray(y, e2 + L);
        y30.intoArray(y, e3);
        y31.intoArray(y, e3 + L);
    }

    /**
     * The float-row counterpart: {@code y[yOff + h*n + i] = fma(v[vOff + r*n + i], w[wOff + h*wStride + r], ...)}
     * over rows {@code r} in order for each of {@code heads} output vectors: bit for bit {@code rows}
     * {@link VectorOps#axpy} calls per head, with slices of four heads' outputs in registers across the
     * rows (two vectors of each: eight independent sums, each value vector loaded once for the four).
     */
    public static void accumulate(float[] w, int wOff, int wStride, int heads, float[] v, int vOff, int rows,
                                  float[] y, int yOff, int n) {
        Objects.checkFromIndexSize(yOff, heads * n, y.length);
        Objects.checkFromIndexSize(vOff, rows * n, v.length);
        if (rows == 0 || heads == 0) return;
        Objects.checkFromIndexSize(wOff, (heads - 1) * wStride + rows, w.length);
        int bound = F.loopBound(n);
        for (int h = 0; h < heads; h += 4) {
            int last = heads - 1, h1 = Math.min(h + 1, last), h2 = Math.min(h + 2, last), h3 = Math.min(h + 3, last);
            int i = 0;
            for (; i + 2 * L <= bound; i += 2 * L) accumulate4x2(w, wOff, wStride, h, h1, h2, h3, v, vOff + i, rows, y, yOff + i, n, L);
            if (i < bound) accumulate4x2(w, wOff, wStride, h, h1, h2, h3, v, vOff + i, rows, y, yOff + i, n, 0);
            for (int hh = h; hh <= h3; hh++) {
                int wh = wOff + hh * wStride, yh = yOff + hh * n;
                for (int t = bound; t < n; t++) {
                    float acc = y[yh + t];
                    for (int r = 0; r < rows; r++) acc = Math.fma(v[vOff + r * n + t], w[wh + r], acc);
                    y[yh + t] = acc;
                }
            }
        }
    }

    /**
     * Two vectors ({@code c1} elements apart: {@code L}, or 0 for one vector computed twice and stored
     * twice) of four heads' outputs from element {@code e} of a head (the last head repeated past the
     * end, as in {@link #q8Accumulate4x2}) over every row.
     */
    private static void accumulate4x2(float[] w, int wOff, int wStride, int h0, int h1, int h2, int h3, float[] v, int vo, int rows,
                                      float[] y, int e, int n, int c1) {
        int e0 = e + h0 * n, e1 = e + h1 * n, e2 = e + h2 * n, e3 = e + h3 * n;
        FloatVector y00 = FloatVector.fromArray(F, y, e0), y01 = FloatVector.fromArray(F, y, e0 + c1);
        FloatVector y10 = FloatVector.fromArray(F, y, e1), y11 = FloatVector.fromArray(F, y, e1 + c1);
        FloatVector y20 = FloatVector.fromArray(F, y, e2), y21 = FloatVector.fromArray(F, y, e2 + c1);
        FloatVector y30 = FloatVector.fromArray(F, y, e3), y31 = FloatVector.fromArray(F, y, e3 + c1);
        int w0 = wOff + h0 * wStride, w1 = wOff + h1 * wStride, w2 = wOff + h2 * wStride, w3 = wOff + h3 * wStride;
        for (int r = 0, ro = vo; r < rows; r++, ro += n) {
            FloatVector k0 = FloatVector.fromArray(F, v, ro), k1 = FloatVector.fromArray(F, v, ro + c1);
            FloatVector a = FloatVector.broadcast(F, w[w0 + r]);
            y00 = k0.fma(a, y00);
            y01 = k1.fma(a, y01);
            a = FloatVector.broadcast(F, w[w1 + r]);
            y10 = k0.fma(a, y10);
            y11 = k1.fma(a, y11);
            a = FloatVector.broadcast(F, w[w2 + r]);
            y20 = k0.fma(a, y20);
            y21 = k1.fma(a, y21);
            a = FloatVector.broadcast(F, w[w3 + r]);
            y30 = k0.fma(a, y30);
            y31 = k1.fma(a, y31);
        }
        y00.intoArray(y, e0);
        y01.intoArray(y, e0 + c1);
        y10.intoArray(y, e1);
        y11.intoArray(y, e1 + c1);
        y20.intoArray(y, e2);
        y21.intoArray(y, e2 + c1);
        y30.intoArray(y, e3);
        y31.intoArray(y, e3 + c1);
    }

    /** A per-thread array of at least {@code n} floats for the weight-scale products of the Q8_0 value sums. */
    private static float[] weights(int n) {
        float[] wd = WEIGHTS.get();
        if (wd.length < n) {
            wd = new float[n];
            WEIGHTS.set(wd);
        }
        return wd;
    }

    /** The F16 scale of the block at byte {@code off}. */
    static float scale(byte[] q8, int off) {
        return Float.float16ToFloat((short) ((q8[off] & 0xFF) | (q8[off + 1] << 8)));
    }

    private static FloatVector widen(ByteVector quants, int part) {
        return (FloatVector) quants.convertShape(VectorOperators.B2F, F, part);
    }

    static void checkRow(int n) {
        if (n < 0 || n % Q8_0_VALUES != 0) throw new IllegalArgumentException("Q8_0 rows hold a multiple of 32 values, got " + n);
    }
}
