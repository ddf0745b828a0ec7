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

    /** {@code sum x[xOff+i] * v(i)} over a Q8_0 row of {@code n} values at byte {@code off} of {@code q8}. */
    public static float dotQ8_0(float[] x, int xOff, byte[] q8, int off, int n) {
        checkRow(n);
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(off, q8_0Bytes(n), q8.length);
        if (!SIMD) return dotScalar(x, xOff, q8, off, n);
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / Q8_0_VALUES; b++, off += Q8_0_BYTES, xOff += Q8_0_VALUES) {
            FloatVector block = FloatVector.zero(F);
            for (int c = 0; c < Q8_0_VALUES; c += CHUNK) {
                ByteVector quants = ByteVector.fromArray(B, q8, off + 2 + c);
                for (int p = 0; p < PARTS; p++) {
                    block = FloatVector.fromArray(F, x, xOff + c + p * L).fma(widen(quants, p), block);
                }
            }
            acc = block.fma(FloatVector.broadcast(F, scale(q8, off)), acc);
        }
        float[] a = ACCUMULATORS.get();
        acc.intoArray(a, 0);
        return OPS.sumAt(a, 0);
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
     * Attention scores of {@code heads} query vectors ({@code n} apart from {@code qOff}) against
     * {@code rows} consecutive Q8_0 key rows from byte {@code off}:
     * {@code out[outOff + h*outStride + r] = scale * dotQ8_0(q_h, row r)}, each equal bit for bit to
     * {@link #dotQ8_0}. Heads go four at a time, so each key chunk is widened once for four of them.
     */
    public static void scoresQ8_0(float[] q, int qOff, int heads, byte[] k, int off, int rows, int n, float scale,
                                  float[] out, int outOff, int outStride) {
        checkRow(n);
        Objects.checkFromIndexSize(qOff, heads * n, q.length);
        int rowBytes = q8_0Bytes(n);
        Objects.checkFromIndexSize(off, rows * rowBytes, k.length);
        if (rows > 0 && heads > 0) Objects.checkFromIndexSize(outOff, (heads - 1) * outStride + rows, out.length);
        float[] acc = SIMD && heads >= 4 ? ACCUMULATORS.get() : null;
        for (int r = 0; r < rows; r++) {
            int ro = off + r * rowBytes;
            int h = 0;
            if (SIMD) {
                for (; h + 4 <= heads; h += 4) scores4(q, qOff + h * n, k, ro, n, scale, out, outOff + h * outStride + r, outStride, acc);
            }
            for (; h < heads; h++) out[outOff + h * outStride + r] = dotQ8_0(q, qOff + h * n, k, ro, n) * scale;
        }
    }

    /** Four heads' {@link #dotQ8_0} with one key row, the key's chunks widened once. */
    private static void scores4(float[] q, int qOff, byte[] k, int off, int n, float scale, float[] out, int o, int stride, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / Q8_0_VALUES; b++, off += Q8_0_BYTES) {
            FloatVector b0 = FloatVector.zero(F), b1 = b0, b2 = b0, b3 = b0;
            int x = qOff + b * Q8_0_VALUES;
            for (int c = 0; c < Q8_0_VALUES; c += CHUNK) {
                ByteVector quants = ByteVector.fromArray(B, k, off + 2 + c);
                for (int p = 0; p < PARTS; p++) {
                    FloatVector kv = widen(quants, p);
                    int e = x + c + p * L;
                    b0 = FloatVector.fromArray(F, q, e).fma(kv, b0);
                    b1 = FloatVector.fromArray(F, q, e + n).fma(kv, b1);
                    b2 = FloatVector.fromArray(F, q, e + 2 * n).fma(kv, b2);
                    b3 = FloatVector.fromArray(F, q, e + 3 * n).fma(kv, b3);
                }
            }
            FloatVector d = FloatVector.broadcast(F, scale(k, off));
            a0 = b0.fma(d, a0);
            a1 = b1.fma(d, a1);
            a2 = b2.fma(d, a2);
            a3 = b3.fma(d, a3);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, L);
        a2.intoArray(acc, 2 * L);
        a3.intoArray(acc, 3 * L);
        out[o] = OPS.sumAt(acc, 0) * scale;
        out[o + stride] = OPS.sumAt(acc, L) * scale;
        out[o + 2 * stride] = OPS.sumAt(acc, 2 * L) * scale;
        out[o + 3 * stride] = OPS.sumAt(acc, 3 * L) * scale;
    }

    /**
     * {@link #accumulateQ8_0(float[], int, byte[], int, int, float[], int, int)} for {@code heads}
     * output vectors ({@code n} apart from {@code yOff}) over the same value rows, head {@code h}
     * weighted by {@code w[wOff + h*wStride + r]}: bit for bit the one-head result per head, with each
     * value chunk widened once for four heads.
     */
    public static void accumulateQ8_0(float[] w, int wOff, int wStride, int heads, byte[] v, int off, int rows,
                                      float[] y, int yOff, int n) {
        checkRow(n);
        Objects.checkFromIndexSize(yOff, heads * n, y.length);
        int rowBytes = q8_0Bytes(n);
        Objects.checkFromIndexSize(off, rows * rowBytes, v.length);
        if (rows > 0 && heads > 0) Objects.checkFromIndexSize(wOff, (heads - 1) * wStride + rows, w.length);
        int h = 0;
        if (SIMD) {
            for (; h + 4 <= heads; h += 4) {
                for (int b = 0; b < n / Q8_0_VALUES; b++) {
                    int blockOff = off + b * Q8_0_BYTES;
                    for (int c = 0; c < Q8_0_VALUES; c += CHUNK) {
                        for (int p = 0; p < PARTS; p++) {
                            int e = yOff + h * n + b * Q8_0_VALUES + c + p * L;
                            FloatVector y0 = FloatVector.fromArray(F, y, e), y1 = FloatVector.fromArray(F, y, e + n);
                            FloatVector y2 = FloatVector.fromArray(F, y, e + 2 * n), y3 = FloatVector.fromArray(F, y, e + 3 * n);
                            int wi = wOff + h * wStride;
                            for (int r = 0, ro = blockOff; r < rows; r++, ro += rowBytes, wi++) {
                                float d = scale(v, ro);
                                FloatVector kv = widen(ByteVector.fromArray(B, v, ro + 2 + c), p);
                                y0 = kv.fma(FloatVector.broadcast(F, w[wi] * d), y0);
                                y1 = kv.fma(FloatVector.broadcast(F, w[wi + wStride] * d), y1);
                                y2 = kv.fma(FloatVector.broadcast(F, w[wi + 2 * wStride] * d), y2);
                                y3 = kv.fma(FloatVector.broadcast(F, w[wi + 3 * wStride] * d), y3);
                            }
                            y0.intoArray(y, e);
                            y1.intoArray(y, e + n);
                            y2.intoArray(y, e + 2 * n);
                            y3.intoArray(y, e + 3 * n);
                        }
                    }
                }
            }
        }
        for (; h < heads; h++) accumulateQ8_0(w, wOff + h * wStride, v, off, rows, y, yOff + h * n, n);
    }

    /**
     * The float-row counterpart: {@code y[yOff + h*n + i] = fma(v[vOff + r*n + i], w[wOff + h*wStride + r], ...)}
     * over rows {@code r} in order for each of {@code heads} output vectors: bit for bit {@code rows}
     * {@link VectorOps#axpy} calls per head, with each slice of the output in a register across the rows.
     */
    public static void accumulate(float[] w, int wOff, int wStride, int heads, float[] v, int vOff, int rows,
                                  float[] y, int yOff, int n) {
        Objects.checkFromIndexSize(yOff, heads * n, y.length);
        Objects.checkFromIndexSize(vOff, rows * n, v.length);
        if (rows > 0 && heads > 0) Objects.checkFromIndexSize(wOff, (heads - 1) * wStride + rows, w.length);
        int bound = F.loopBound(n);
        for (int h = 0; h < heads; h++) {
            int wh = wOff + h * wStride, yh = yOff + h * n;
            for (int i = 0; i < bound; i += L) {
                FloatVector acc = FloatVector.fromArray(F, y, yh + i);
                for (int r = 0; r < rows; r++) acc = FloatVector.fromArray(F, v, vOff + r * n + i).fma(FloatVector.broadcast(F, w[wh + r]), acc);
                acc.intoArray(y, yh + i);
            }
            for (int i = bound; i < n; i++) {
                float acc = y[yh + i];
                for (int r = 0; r < rows; r++) acc = Math.fma(v[vOff + r * n + i], w[wh + r], acc);
                y[yh + i] = acc;
            }
        }
    }

    /** The F16 scale of the block at byte {@code off}. */
    static float scale(byte[] q8, int off) {
        return Float.float16ToFloat((short) ((q8[off] & 0xFF) | (q8[off + 1] << 8)));
    }

    private static float dotScalar(float[] x, int xOff, byte[] q8, int off, int n) {
        float acc = 0;
        for (int b = 0; b < n / Q8_0_VALUES; b++, off += Q8_0_BYTES, xOff += Q8_0_VALUES) {
            float block = 0;
            for (int j = 0; j < Q8_0_VALUES; j++) block = Math.fma(x[xOff + j], q8[off + 2 + j], block);
            acc = Math.fma(block, scale(q8, off), acc);
        }
        return acc;
    }

    private static FloatVector widen(ByteVector quants, int part) {
        return (FloatVector) quants.convertShape(VectorOperators.B2F, F, part);
    }

    private static void checkRow(int n) {
        if (n < 0 || n % Q8_0_VALUES != 0) throw new IllegalArgumentException("Q8_0 rows hold a multiple of 32 values, got " + n);
    }
}
