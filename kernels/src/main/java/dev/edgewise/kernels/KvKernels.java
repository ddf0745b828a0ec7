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
 * Attention kernels over keys and values cached as ggml Q8_0 blocks ({@code half d; int8 qs[32]},
 * 34 bytes per 32 values, x = q·d), read in place: a query row is dotted with a quantized key row,
 * and quantized value rows are accumulated into an output row, the quants widened to floats in
 * registers (no dequantized copy). Rows are {@code n} values long, {@code n} a multiple of 32, and
 * start at a byte offset into a {@code byte[]} holding consecutive blocks.
 *
 * <p>Arithmetic (the scalar references in the tests follow it): a dot product sums, per block,
 * {@code x·q} in float lanes and adds {@code d ×} that partial into the running lanes, then adds the
 * lanes in a fixed order; an accumulation adds {@code fma(q, a·d, y)} per element, which is exact
 * to the scalar {@code Math.fma} lane by lane. Results do not depend on anything but the arguments,
 * so a sequence's attention is the same whichever rows run beside it.
 *
 * <p>Compiled for {@link FloatVector#SPECIES_PREFERRED} (a {@code static final} species, which C2
 * needs); widths whose byte vectors do not tile a 16-byte half block (none of AVX2, AVX-512, NEON)
 * take the scalar loop.
 */
public final class KvKernels {
    private KvKernels() {}

    /** Values per Q8_0 block. */
    public static final int Q8_0_VALUES = LegacyQuants.QK;
    /** Bytes per Q8_0 block: an F16 scale and 32 signed quants. */
    public static final int Q8_0_BYTES = LegacyQuants.Q8_0_BYTES;

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Bytes widened per conversion: {@code L} when a byte vector that short exists, else 8 split in parts. */
    private static final boolean SIMD = L >= 4 && L <= 16 && 16 % L == 0;
    private static final VectorSpecies<Byte> B = SIMD ? VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, 8 * L))) : null;
    private static final int CHUNK = SIMD ? B.length() : 0;
    private static final int PARTS = SIMD ? CHUNK / L : 0;
    /** The fixed-order lane sums (VectorKernels owns them: the same tree as every other kernel's). */
    private static final LaneOps OPS = KernelsBySpecies.kernels(VectorKernels.class, LaneOps.class, F);
    /** Per-thread accumulators of {@link #scores4}: handed to the lane sum as an array, never as vectors (see SpeciesKernels.storeQuad). */
    private static final ThreadLocal<float[]> ACCUMULATORS = ThreadLocal.withInitial(() -> new float[4 * L]);
    /** Per-thread converted scales of a Q8_0 column block, grown on demand. */
    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[64 + L]);
    /** Per-thread weight-scale products of the Q8_0 value sums, grown on demand. */
    private static final ThreadLocal<float[]> WEIGHTS = ThreadLocal.withInitial(() -> new float[256]);
    /** Per-thread Q8_0 block a key row is quantized into before it is scattered into columns. */
    private static final ThreadLocal<byte[]> BLOCK = ThreadLocal.withInitial(() -> new byte[Q8_0_BYTES]);

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
     * products {@code a·d} are formed once per row, block and head; four heads and two vectors of a
     * block go together (eight independent sums), each value chunk widened once for the four.
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
        float[] wd = weights(heads * rows * groups);
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                float d = scale(v, off + r * rowBytes + g * Q8_0_BYTES);
                for (int h = 0; h < heads; h++) wd[(h * rows + r) * groups + g] = w[wOff + h * wStride + r] * d;
            }
        }
        for (int h = 0; h < heads; h += 4) {
            int last = heads - 1, h1 = Math.min(h + 1, last), h2 = Math.min(h + 2, last), h3 = Math.min(h + 3, last);
            for (int g = 0; g < groups; g++) {
                for (int s = 0; s < Q8_0_VALUES; s += 2 * L) {
                    q8Accumulate4x2(wd, h, h1, h2, h3, rows, groups, g, v, off + g * Q8_0_BYTES + 2 + s, rowBytes, y, yOff + g * Q8_0_VALUES + s, n);
                }
            }
        }
    }

    /**
     * Values {@code [s, s+2L)} of one block (quants from byte {@code qo} of row 0) into four heads'
     * outputs (repeating the last head past the end: its identical results are stored twice), row
     * after row. {@code wd} holds {@code a·d} per (head, row, block).
     */
    private static void q8Accumulate4x2(float[] wd, int h0, int h1, int h2, int h3, int rows, int groups, int g,
                                        byte[] v, int qo, int rowBytes, float[] y, int e, int n) {
        int c1 = PARTS == 1 ? L : 0, p1 = PARTS - 1; // the second vector: the next chunk, or the chunk's second part
        int e0 = e + h0 * n, e1 = e + h1 * n, e2 = e + h2 * n, e3 = e + h3 * n;
        FloatVector y00 = FloatVector.fromArray(F, y, e0), y01 = FloatVector.fromArray(F, y, e0 + L);
        FloatVector y10 = FloatVector.fromArray(F, y, e1), y11 = FloatVector.fromArray(F, y, e1 + L);
        FloatVector y20 = FloatVector.fromArray(F, y, e2), y21 = FloatVector.fromArray(F, y, e2 + L);
        FloatVector y30 = FloatVector.fromArray(F, y, e3), y31 = FloatVector.fromArray(F, y, e3 + L);
        int w0 = h0 * rows * groups + g, w1 = h1 * rows * groups + g, w2 = h2 * rows * groups + g, w3 = h3 * rows * groups + g;
        for (int r = 0, ro = qo, wr = 0; r < rows; r++, ro += rowBytes, wr += groups) {
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

    // ------------------------------------------------------------------ keys stored as columns

    /**
     * Quantizes one key row ({@code n} values, a multiple of 32) into position {@code slot} of a Q8_0
     * column block of {@code stride} positions at byte {@code off} of {@code dst} (layout in
     * {@link #scoresQ8_0Columns}): ggml's Q8_0 block of each 32 values, its scale and quants scattered.
     */
    public static void quantizeQ8_0Column(float[] x, int xOff, byte[] dst, int off, int stride, int slot, int n) {
        checkRow(n);
        checkSlot(slot, stride);
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(off, q8_0Bytes(n) * stride, dst.length);
        byte[] block = BLOCK.get();
        for (int g = 0; g < n / Q8_0_VALUES; g++) {
            quantizeQ8_0(x, xOff + g * Q8_0_VALUES, block, 0, Q8_0_VALUES);
            int go = off + g * stride * Q8_0_BYTES;
            dst[go + 2 * slot] = block[0];
            dst[go + 2 * slot + 1] = block[1];
            for (int j = 0; j < Q8_0_VALUES; j++) dst[go + 2 * stride + j * stride + slot] = block[2 + j];
        }
    }

    /** Decodes position {@code slot} of a Q8_0 column block into {@code n} floats ({@code q × d}, as ggml dequantizes). */
    public static void dequantizeQ8_0Column(byte[] src, int off, int stride, int slot, float[] out, int outOff, int n) {
        checkRow(n);
        checkSlot(slot, stride);
        Objects.checkFromIndexSize(outOff, n, out.length);
        Objects.checkFromIndexSize(off, q8_0Bytes(n) * stride, src.length);
        for (int g = 0; g < n / Q8_0_VALUES; g++) {
            int go = off + g * stride * Q8_0_BYTES;
            float d = scale(src, go + 2 * slot);
            for (int j = 0; j < Q8_0_VALUES; j++) out[outOff + g * Q8_0_VALUES + j] = src[go + 2 * stride + j * stride + slot] * d;
        }
    }

    /**
     * Attention scores of {@code heads} query vectors ({@code n} apart from {@code qOff}) against the
     * first {@code slots} keys of a block stored as columns: value {@code i} of position {@code p} at
     * {@code kt[off + i*stride + p]} ({@code stride}, the block's positions, at least {@code slots}).
     * {@code out[outOff + h*outStride + p] = scale * k_p·q_h}, each dot one chain of {@code Math.fma}
     * over {@code i = 0..n-1}: vector lanes are positions, so no lane sum is needed and the result
     * is the plain scalar loop's, bit for bit, at every vector width.
     */
    public static void scoresColumns(float[] q, int qOff, int heads, float[] kt, int off, int stride, int slots, int n, float scale,
                                     float[] out, int outOff, int outStride) {
        checkColumns(heads, slots, stride, n, q.length, qOff, out.length, outOff, outStride);
        Objects.checkFromIndexSize(off, n * stride, kt.length);
        if (heads == 0 || slots == 0) return;
        float[] tmp = ACCUMULATORS.get();
        int p = 0;
        for (; p < slots && p + L <= stride; p += L) {
            int lanes = Math.min(L, slots - p);
            for (int h = 0; h < heads; h += 4) columns4(q, qOff, h, heads, kt, off + p, stride, n, scale, out, outOff + p, outStride, lanes, tmp);
        }
        for (; p < slots; p++) {
            for (int h = 0; h < heads; h++) {
                float acc = 0;
                for (int i = 0; i < n; i++) acc = Math.fma(q[qOff + h * n + i], kt[off + i * stride + p], acc);
                out[outOff + h * outStride + p] = acc * scale;
            }
        }
    }

    /**
     * Four heads' scores (from head {@code h}; past the last head the last one is repeated, its
     * identical results stored again) for the {@code L} positions from element {@code ko}; the first
     * {@code lanes} are stored.
     */
    private static void columns4(float[] q, int qOff, int h, int heads, float[] kt, int ko, int stride, int n, float scale,
                                 float[] out, int o, int outStride, int lanes, float[] tmp) {
        int last = heads - 1, h1 = Math.min(h + 1, last), h2 = Math.min(h + 2, last), h3 = Math.min(h + 3, last);
        int q0 = qOff + h * n, q1 = qOff + h1 * n, q2 = qOff + h2 * n, q3 = qOff + h3 * n;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < n; i++, ko += stride) {
            FloatVector k = FloatVector.fromArray(F, kt, ko);
            a0 = FloatVector.broadcast(F, q[q0 + i]).fma(k, a0);
            a1 = FloatVector.broadcast(F, q[q1 + i]).fma(k, a1);
            a2 = FloatVector.broadcast(F, q[q2 + i]).fma(k, a2);
            a3 = FloatVector.broadcast(F, q[q3 + i]).fma(k, a3);
        }
        a0.mul(scale).intoArray(tmp, 0);
        a1.mul(scale).intoArray(tmp, L);
        a2.mul(scale).intoArray(tmp, 2 * L);
        a3.mul(scale).intoArray(tmp, 3 * L);
        store(tmp, out, o + h * outStride, o + h1 * outStride, o + h2 * outStride, o + h3 * outStride, lanes);
    }

    /**
     * {@link #scoresColumns} over Q8_0 keys stored as columns: {@code n/32} groups of
     * {@code stride × 34} bytes from {@code off}, each {@code stride} F16 scales (position {@code p}'s at
     * byte {@code 2p}) then 32 rows of {@code stride} quants (value {@code j} of the group for position
     * {@code p} at byte {@code 2·stride + j·stride + p}): position {@code p}'s 32 values of a group are
     * ggml's Q8_0 block of its key row, scattered. Per group, {@code Math.fma(q, quant, partial)} over
     * {@code j}, then {@code acc = Math.fma(partial, d, acc)}; times {@code scale}. The quants are
     * widened in registers and each position's scale applied once per group, in a vector of positions.
     */
    public static void scoresQ8_0Columns(float[] q, int qOff, int heads, byte[] kt, int off, int stride, int slots, int n, float scale,
                                         float[] out, int outOff, int outStride) {
        checkRow(n);
        checkColumns(heads, slots, stride, n, q.length, qOff, out.length, outOff, outStride);
        Objects.checkFromIndexSize(off, q8_0Bytes(n) * stride, kt.length);
        if (heads == 0 || slots == 0) return;
        int groups = n / Q8_0_VALUES;
        float[] d = scales(groups * stride);
        for (int g = 0; g < groups; g++) {
            int go = off + g * stride * Q8_0_BYTES;
            for (int p = 0; p < slots; p++) d[g * stride + p] = scale(kt, go + 2 * p);
        }
        float[] tmp = ACCUMULATORS.get();
        int p = 0;
        if (SIMD) {
            for (; p < slots && p + CHUNK <= stride; p += L) {
                int lanes = Math.min(L, slots - p);
                for (int h = 0; h < heads; h += 4) {
                    q8Columns4(q, qOff, h, heads, kt, off + 2 * stride + p, stride, d, p, groups, scale, out, outOff + p, outStride, lanes, tmp);
                }
            }
        }
        for (; p < slots; p++) {
            for (int h = 0; h < heads; h++) {
                float acc = 0;
                for (int g = 0; g < groups; g++) {
                    int qo = off + g * stride * Q8_0_BYTES + 2 * stride + p;
                    float block = 0;
                    for (int j = 0; j < Q8_0_VALUES; j++) block = Math.fma(q[qOff + h * n + g * Q8_0_VALUES + j], kt[qo + j * stride], block);
                    acc = Math.fma(block, d[g * stride + p], acc);
                }
                out[outOff + h * outStride + p] = acc * scale;
            }
        }
    }

    /** {@link #columns4} for Q8_0 columns: {@code ko} is the first quant of group 0 at the vector's first position {@code p}. */
    private static void q8Columns4(float[] q, int qOff, int h, int heads, byte[] kt, int ko, int stride, float[] d, int p, int groups,
                                   float scale, float[] out, int o, int outStride, int lanes, float[] tmp) {
        int last = heads - 1, h1 = Math.min(h + 1, last), h2 = Math.min(h + 2, last), h3 = Math.min(h + 3, last);
        int n = groups * Q8_0_VALUES;
        int q0 = qOff + h * n, q1 = qOff + h1 * n, q2 = qOff + h2 * n, q3 = qOff + h3 * n;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int g = 0; g < groups; g++, ko += stride * Q8_0_BYTES) {
            FloatVector b0 = FloatVector.zero(F), b1 = b0, b2 = b0, b3 = b0;
            int x = g * Q8_0_VALUES;
            for (int j = 0, jo = ko; j < Q8_0_VALUES; j++, jo += stride) {
                FloatVector k = (FloatVector) ByteVector.fromArray(B, kt, jo).convertShape(VectorOperators.B2F, F, 0);
                b0 = FloatVector.broadcast(F, q[q0 + x + j]).fma(k, b0);
                b1 = FloatVector.broadcast(F, q[q1 + x + j]).fma(k, b1);
                b2 = FloatVector.broadcast(F, q[q2 + x + j]).fma(k, b2);
                b3 = FloatVector.broadcast(F, q[q3 + x + j]).fma(k, b3);
            }
            FloatVector dv = FloatVector.fromArray(F, d, g * stride + p);
            a0 = b0.fma(dv, a0);
            a1 = b1.fma(dv, a1);
            a2 = b2.fma(dv, a2);
            a3 = b3.fma(dv, a3);
        }
        a0.mul(scale).intoArray(tmp, 0);
        a1.mul(scale).intoArray(tmp, L);
        a2.mul(scale).intoArray(tmp, 2 * L);
        a3.mul(scale).intoArray(tmp, 3 * L);
        store(tmp, out, o + h * outStride, o + h1 * outStride, o + h2 * outStride, o + h3 * outStride, lanes);
    }

    /** Copies the first {@code lanes} of four vectors stored in {@code tmp} to four places of {@code out}. */
    private static void store(float[] tmp, float[] out, int o0, int o1, int o2, int o3, int lanes) {
        System.arraycopy(tmp, 0, out, o0, lanes);
        System.arraycopy(tmp, L, out, o1, lanes);
        System.arraycopy(tmp, 2 * L, out, o2, lanes);
        System.arraycopy(tmp, 3 * L, out, o3, lanes);
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

    /** A per-thread array of at least {@code n + L} floats for a block's converted scales. */
    private static float[] scales(int n) {
        float[] d = SCALES.get();
        if (d.length < n + L) {
            d = new float[n + L];
            SCALES.set(d);
        }
        return d;
    }

    private static void checkSlot(int slot, int stride) {
        if (slot < 0 || slot >= stride) throw new IndexOutOfBoundsException("slot " + slot + " of a block of " + stride);
    }

    private static void checkColumns(int heads, int slots, int stride, int n, int qLength, int qOff, int outLength, int outOff, int outStride) {
        if (heads < 0 || slots < 0 || slots > stride) {
            throw new IllegalArgumentException("heads " + heads + ", slots " + slots + " of a block of " + stride);
        }
        Objects.checkFromIndexSize(qOff, heads * n, qLength);
        if (slots > 0 && heads > 0) Objects.checkFromIndexSize(outOff, (heads - 1) * outStride + slots, outLength);
    }

    /** The F16 scale of the block at byte {@code off}. */
    static float scale(byte[] q8, int off) {
        return Float.float16ToFloat((short) ((q8[off] & 0xFF) | (q8[off + 1] << 8)));
    }

    private static FloatVector widen(ByteVector quants, int part) {
        return (FloatVector) quants.convertShape(VectorOperators.B2F, F, part);
    }

    private static void checkRow(int n) {
        if (n < 0 || n % Q8_0_VALUES != 0) throw new IllegalArgumentException("Q8_0 rows hold a multiple of 32 values, got " + n);
    }
}
