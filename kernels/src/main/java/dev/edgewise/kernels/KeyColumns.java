package dev.edgewise.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Objects;

import static dev.edgewise.kernels.KvKernels.B;
import static dev.edgewise.kernels.KvKernels.CHUNK;
import static dev.edgewise.kernels.KvKernels.Q8_0_BYTES;
import static dev.edgewise.kernels.KvKernels.Q8_0_VALUES;
import static dev.edgewise.kernels.KvKernels.SIMD;
import static dev.edgewise.kernels.KvKernels.checkRow;
import static dev.edgewise.kernels.KvKernels.q8_0Bytes;
import static dev.edgewise.kernels.KvKernels.scale;

/**
 * Attention scores over cached keys stored as columns: a block's keys of one KV head hold value
 * {@code i} of every position together, so one vector instruction scores a vector of positions and
 * no lane sum is needed (a decode row's scores against keys stored as rows are short dot products,
 * each ending in a horizontal sum that costs as much as the products). Each score is one chain of
 * {@code Math.fma} over the head dimension, so the vector result is the plain scalar loop's, bit for
 * bit, at every vector width. The query heads of a GQA group go four or eight at a time, each key
 * vector loaded (and widened) once for all of them.
 *
 * <p>Layouts, for a block of {@code stride} positions and a head dimension {@code n}:
 * <ul>
 *   <li>floats: {@code n} rows of {@code stride}: value {@code i} of position {@code p} at {@code off + i·stride + p};</li>
 *   <li>Q8_0: {@code n/32} groups of {@code stride × 34} bytes, each {@code stride} F16 scales (position
 *   {@code p}'s at byte {@code 2p}) then 32 rows of {@code stride} quants (value {@code j} of the group for
 *   position {@code p} at byte {@code 2·stride + j·stride + p}): a position's 32 values of a group are
 *   ggml's Q8_0 block of its key row ({@link KvKernels#quantizeQ8_0}), scattered.</li>
 * </ul>
 */
public final class KeyColumns {
    private KeyColumns() {}

    private static final VectorSpecies<Float> F = KvKernels.F;
    private static final int L = KvKernels.L;
    /** Eight heads' Q8_0 partial and running sums (16 vectors) fit the register file (32 vector registers from 512 bits on). */
    private static final boolean WIDE = KvKernels.WIDE;
    /** Per-thread stores of up to eight vectors of scores, copied out lane by lane for a block's last, partial vector. */
    private static final ThreadLocal<float[]> TAIL = ThreadLocal.withInitial(() -> new float[8 * L]);
    /** Per-thread converted scales of a Q8_0 column block, grown on demand. */
    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[64 + L]);
    /** Per-thread Q8_0 block a key row is quantized into before it is scattered into columns. */
    private static final ThreadLocal<byte[]> BLOCK = ThreadLocal.withInitial(() -> new byte[Q8_0_BYTES]);

    /**
     * Quantizes one key row ({@code n} values, a multiple of 32) into position {@code slot} of a Q8_0
     * column block of {@code stride} positions at byte {@code off} of {@code dst}: ggml's Q8_0 block
     * of each 32 values, its scale and quants scattered.
     */
    public static void quantizeQ8_0(float[] x, int xOff, byte[] dst, int off, int stride, int slot, int n) {
        checkRow(n);
        checkSlot(slot, stride);
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(off, q8_0Bytes(n) * stride, dst.length);
        byte[] block = BLOCK.get();
        for (int g = 0; g < n / Q8_0_VALUES; g++) {
            KvKernels.quantizeQ8_0(x, xOff + g * Q8_0_VALUES, block, 0, Q8_0_VALUES);
            int go = off + g * stride * Q8_0_BYTES;
            dst[go + 2 * slot] = block[0];
            dst[go + 2 * slot + 1] = block[1];
            for (int j = 0; j < Q8_0_VALUES; j++) dst[go + 2 * stride + j * stride + slot] = block[2 + j];
        }
    }

    /** Decodes position {@code slot} of a Q8_0 column block into {@code n} floats ({@code q × d}, as ggml dequantizes). */
    public static void dequantizeQ8_0(byte[] src, int off, int stride, int slot, float[] out, int outOff, int n) {
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
     * Scores of {@code heads} query vectors ({@code n} apart from {@code qOff}) against the first
     * {@code slots} float keys of a column block of {@code stride} positions from {@code off}:
     * {@code out[outOff + h*outStride + p] = scale * (fma chain over i of q_h[i]·k_p[i])}.
     */
    public static void scores(float[] q, int qOff, int heads, float[] kt, int off, int stride, int slots, int n, float scale,
                              float[] out, int outOff, int outStride) {
        check(heads, slots, stride, n, q.length, qOff, out.length, outOff, outStride);
        Objects.checkFromIndexSize(off, n * stride, kt.length);
        if (heads == 0 || slots == 0) return;
        float[] tail = TAIL.get();
        int p = 0;
        for (; p < slots && p + L <= stride; p += L) {
            int lanes = Math.min(L, slots - p);
            for (int h = 0; h < heads; h += 8) {
                scores8(q, qOff, h, heads, kt, off + p, stride, n, scale, out, outOff + p, outStride, lanes, tail);
            }
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
     * Eight heads' scores from head {@code h} (past the last head the last one is repeated, its identical
     * results stored again) for the {@code L} positions from element {@code ko}; the first {@code lanes} are stored.
     */
    private static void scores8(float[] q, int qOff, int h, int heads, float[] kt, int ko, int stride, int n, float scale,
                                float[] out, int o, int outStride, int lanes, float[] tail) {
        int last = heads - 1;
        int h1 = Math.min(h + 1, last), h2 = Math.min(h + 2, last), h3 = Math.min(h + 3, last);
        int h4 = Math.min(h + 4, last), h5 = Math.min(h + 5, last), h6 = Math.min(h + 6, last), h7 = Math.min(h + 7, last);
        int q0 = qOff + h * n, q1 = qOff + h1 * n, q2 = qOff + h2 * n, q3 = qOff + h3 * n;
        int q4 = qOff + h4 * n, q5 = qOff + h5 * n, q6 = qOff + h6 * n, q7 = qOff + h7 * n;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int i = 0; i < n; i++, ko += stride) {
            FloatVector k = FloatVector.fromArray(F, kt, ko);
            a0 = FloatVector.broadcast(F, q[q0 + i]).fma(k, a0);
            a1 = FloatVector.broadcast(F, q[q1 + i]).fma(k, a1);
            a2 = FloatVector.broadcast(F, q[q2 + i]).fma(k, a2);
            a3 = FloatVector.broadcast(F, q[q3 + i]).fma(k, a3);
            a4 = FloatVector.broadcast(F, q[q4 + i]).fma(k, a4);
            a5 = FloatVector.broadcast(F, q[q5 + i]).fma(k, a5);
            a6 = FloatVector.broadcast(F, q[q6 + i]).fma(k, a6);
            a7 = FloatVector.broadcast(F, q[q7 + i]).fma(k, a7);
        }
        a0.mul(scale).intoArray(tail, 0);
        a1.mul(scale).intoArray(tail, L);
        a2.mul(scale).intoArray(tail, 2 * L);
        a3.mul(scale).intoArray(tail, 3 * L);
        a4.mul(scale).intoArray(tail, 4 * L);
        a5.mul(scale).intoArray(tail, 5 * L);
        a6.mul(scale).intoArray(tail, 6 * L);
        a7.mul(scale).intoArray(tail, 7 * L);
        store(tail, out, o, outStride, lanes, h, h1, h2, h3, h4, h5, h6, h7);
    }

    /**
     * {@link #scores} over Q8_0 keys in the column layout: per group, {@code Math.fma(q, quant, partial)}
     * over its 32 values, then {@code acc = Math.fma(partial, d, acc)}; times {@code scale}. The quants
     * are widened in registers and each position's scale applied once per group, a vector of positions at once.
     */
    public static void scoresQ8_0(float[] q, int qOff, int heads, byte[] kt, int off, int stride, int slots, int n, float scale,
                                  float[] out, int outOff, int outStride) {
        checkRow(n);
        check(heads, slots, stride, n, q.length, qOff, out.length, outOff, outStride);
        Objects.checkFromIndexSize(off, q8_0Bytes(n) * stride, kt.length);
        if (heads == 0 || slots == 0) return;
        int groups = n / Q8_0_VALUES;
        float[] d = scales(groups * stride);
        for (int g = 0; g < groups; g++) {
            int go = off + g * stride * Q8_0_BYTES;
            for (int p = 0; p < slots; p++) d[g * stride + p] = scale(kt, go + 2 * p);
        }
        float[] tail = TAIL.get();
        int p = 0;
        if (SIMD) {
            for (; p < slots && p + CHUNK <= stride; p += L) {
                int lanes = Math.min(L, slots - p);
                for (int h = 0; h < heads; ) {
                    boolean eight = WIDE && heads - h > 4;
                    if (eight) q8Scores8(q, qOff, h, heads, kt, off + 2 * stride + p, stride, d, p, groups, scale, out, outOff + p, outStride, lanes, tail);
                    else q8Scores4(q, qOff, h, heads, kt, off + 2 * stride + p, stride, d, p, groups, scale, out, outOff + p, outStride, lanes, tail);
                    h += eight ? 8 : 4;
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

    /** Four heads of {@link #scoresQ8_0} as {@link #scores8} takes eight: {@code ko} is group 0's first quant at position {@code p}. */
    private static void q8Scores4(float[] q, int qOff, int h, int heads, byte[] kt, int ko, int stride, float[] d, int p, int groups,
                                  float scale, float[] out, int o, int outStride, int lanes, float[] tail) {
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
        a0.mul(scale).intoArray(tail, 0);
        a1.mul(scale).intoArray(tail, L);
        a2.mul(scale).intoArray(tail, 2 * L);
        a3.mul(scale).intoArray(tail, 3 * L);
        store(tail, out, o, outStride, lanes, h, h1, h2, h3, h3, h3, h3, h3);
    }

    /** Eight heads of {@link #scoresQ8_0} (wide registers only). */
    private static void q8Scores8(float[] q, int qOff, int h, int heads, byte[] kt, int ko, int stride, float[] d, int p, int groups,
                                  float scale, float[] out, int o, int outStride, int lanes, float[] tail) {
        int last = heads - 1;
        int h1 = Math.min(h + 1, last), h2 = Math.min(h + 2, last), h3 = Math.min(h + 3, last);
        int h4 = Math.min(h + 4, last), h5 = Math.min(h + 5, last), h6 = Math.min(h + 6, last), h7 = Math.min(h + 7, last);
        int n = groups * Q8_0_VALUES;
        int q0 = qOff + h * n, q1 = qOff + h1 * n, q2 = qOff + h2 * n, q3 = qOff + h3 * n;
        int q4 = qOff + h4 * n, q5 = qOff + h5 * n, q6 = qOff + h6 * n, q7 = qOff + h7 * n;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int g = 0; g < groups; g++, ko += stride * Q8_0_BYTES) {
            FloatVector b0 = FloatVector.zero(F), b1 = b0, b2 = b0, b3 = b0, b4 = b0, b5 = b0, b6 = b0, b7 = b0;
            int x = g * Q8_0_VALUES;
            for (int j = 0, jo = ko; j < Q8_0_VALUES; j++, jo += stride) {
                FloatVector k = (FloatVector) ByteVector.fromArray(B, kt, jo).convertShape(VectorOperators.B2F, F, 0);
                b0 = FloatVector.broadcast(F, q[q0 + x + j]).fma(k, b0);
                b1 = FloatVector.broadcast(F, q[q1 + x + j]).fma(k, b1);
                b2 = FloatVector.broadcast(F, q[q2 + x + j]).fma(k, b2);
                b3 = FloatVector.broadcast(F, q[q3 + x + j]).fma(k, b3);
                b4 = FloatVector.broadcast(F, q[q4 + x + j]).fma(k, b4);
                b5 = FloatVector.broadcast(F, q[q5 + x + j]).fma(k, b5);
                b6 = FloatVector.broadcast(F, q[q6 + x + j]).fma(k, b6);
                b7 = FloatVector.broadcast(F, q[q7 + x + j]).fma(k, b7);
            }
            FloatVector dv = FloatVector.fromArray(F, d, g * stride + p);
            a0 = b0.fma(dv, a0);
            a1 = b1.fma(dv, a1);
            a2 = b2.fma(dv, a2);
            a3 = b3.fma(dv, a3);
            a4 = b4.fma(dv, a4);
            a5 = b5.fma(dv, a5);
            a6 = b6.fma(dv, a6);
            a7 = b7.fma(dv, a7);
        }
        a0.mul(scale).intoArray(tail, 0);
        a1.mul(scale).intoArray(tail, L);
        a2.mul(scale).intoArray(tail, 2 * L);
        a3.mul(scale).intoArray(tail, 3 * L);
        a4.mul(scale).intoArray(tail, 4 * L);
        a5.mul(scale).intoArray(tail, 5 * L);
        a6.mul(scale).intoArray(tail, 6 * L);
        a7.mul(scale).intoArray(tail, 7 * L);
        store(tail, out, o, outStride, lanes, h, h1, h2, h3, h4, h5, h6, h7);
    }

    /** Copies the first {@code lanes} of the eight vectors in {@code tail} to heads {@code h0..h7}'s scores (repeats included). */
    private static void store(float[] tail, float[] out, int o, int outStride, int lanes, int h0, int h1, int h2, int h3,
                              int h4, int h5, int h6, int h7) {
        System.arraycopy(tail, 0, out, o + h0 * outStride, lanes);
        System.arraycopy(tail, L, out, o + h1 * outStride, lanes);
        System.arraycopy(tail, 2 * L, out, o + h2 * outStride, lanes);
        System.arraycopy(tail, 3 * L, out, o + h3 * outStride, lanes);
        if (h4 == h3 && h7 == h3) return; // four heads, or eight of which the last four repeat the fourth
        System.arraycopy(tail, 4 * L, out, o + h4 * outStride, lanes);
        System.arraycopy(tail, 5 * L, out, o + h5 * outStride, lanes);
        System.arraycopy(tail, 6 * L, out, o + h6 * outStride, lanes);
        System.arraycopy(tail, 7 * L, out, o + h7 * outStride, lanes);
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

    private static void check(int heads, int slots, int stride, int n, int qLength, int qOff, int outLength, int outOff, int outStride) {
        if (heads < 0 || slots < 0 || slots > stride) {
            throw new IllegalArgumentException("heads " + heads + ", slots " + slots + " of a block of " + stride);
        }
        Objects.checkFromIndexSize(qOff, heads * n, qLength);
        if (slots > 0 && heads > 0) Objects.checkFromIndexSize(outOff, (heads - 1) * outStride + slots, outLength);
    }
}
