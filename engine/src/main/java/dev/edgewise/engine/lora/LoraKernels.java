package dev.edgewise.engine.lora;

import dev.edgewise.kernels.MatMul;
import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.kernels.VectorOps;
import dev.edgewise.kernels.WorkerPool;

import java.util.Objects;

/**
 * On-the-fly LoRA: after the forward pass computes {@code out = W x} for a projection, these add
 * {@code s * B (A x)} for one adapter pair, so an adapter can be applied to some sequences of a
 * batch without touching the shared base weights.
 *
 * <p>Both products go through {@link MatMul} (so F16 and Q8_0 factors get the SIMD kernels) and the
 * pool. Cost per row is {@code r * (in + out)} multiply-adds against {@code in * out} for the base
 * matmul, a fraction {@code r/out + r/in} (about 3% for r = 16 on a 896-wide model). The scale is
 * applied to the r-wide intermediate, not to the output, which is the cheaper place.
 *
 * <p>Arithmetic: activations stay float32; A x is a float32 dot product over {@code in} elements,
 * B t one over {@code r}. Against a double-precision reference the result differs by float
 * rounding only (the tests hold it to 1e-5 of the magnitudes involved).
 */
public final class LoraKernels {
    private LoraKernels() {}

    /** Below this many multiply-adds a rank-r matmul runs on the calling thread: waking workers costs more. */
    static final long INLINE_MACS = 1 << 15;

    private static void matmul(WorkerPool pool, WeightMatrix w, float[] x, float[] out, int batch) {
        if ((long) w.rows() * w.cols() * batch < INLINE_MACS) MatMul.matmulRows(w, x, out, batch, 0, w.rows());
        else MatMul.matmul(pool, w, x, out, batch);
    }

    /**
     * {@code out[b*outDim + o] += scale * sum_k B[o][k] * (sum_i A[k][i] * x[b*inDim + i])} for
     * {@code b} in {@code [0, batch)}: every row of a batch laid out as {@code [batch][inDim]} in and
     * {@code [batch][outDim]} out (the forward pass's activation layout).
     */
    public static void addDelta(WorkerPool pool, LoraPair p, float scale, float[] x, float[] out, int batch, LoraScratch scratch) {
        check(p, x, out, batch, batch, scratch);
        if (batch == 0 || scale == 0) return;
        scratch.ensure(1, p.rank(), p.inDim(), p.outDim());
        for (int b = 0; b < batch; b++) rowDelta(pool, p, scale, x, b * p.inDim(), out, b * p.outDim(), scratch);
    }

    /**
     * As {@link #addDelta(WorkerPool, LoraPair, float, float[], float[], int, LoraScratch)} for the batch
     * rows {@code rows[0 .. nRows)} only (in a mixed batch, the sequences that use this adapter); other
     * rows of {@code out} are left alone. Row indices must be distinct; they need not be sorted.
     */
    public static void addDelta(WorkerPool pool, LoraPair p, float scale, float[] x, float[] out, int[] rows, int nRows,
                                LoraScratch scratch) {
        Objects.requireNonNull(rows, "rows");
        if (nRows < 0 || nRows > rows.length) throw new IllegalArgumentException("nRows " + nRows + " outside [0, " + rows.length + "]");
        int in = p.inDim(), outDim = p.outDim(), r = p.rank();
        int maxRow = -1;
        for (int i = 0; i < nRows; i++) {
            if (rows[i] < 0) throw new IndexOutOfBoundsException("negative batch row " + rows[i]);
            maxRow = Math.max(maxRow, rows[i]);
        }
        check(p, x, out, maxRow + 1, nRows, scratch);
        if (nRows == 0 || scale == 0) return;
        scratch.ensure(1, r, in, outDim);
        for (int i = 0; i < nRows; i++) rowDelta(pool, p, scale, x, rows[i] * in, out, rows[i] * outDim, scratch);
    }

    /**
     * One row's {@code out[outOff ..] += scale * B (A x[xOff ..])}. Rows go one at a time, each through
     * the one-vector kernels, so a row's result does not depend on how many rows of the batch use the
     * adapter (the kernels for two or more vectors add in another order, and a sequence's tokens would
     * then depend on what runs beside it); A and B are small enough to stay in cache between rows.
     */
    private static void rowDelta(WorkerPool pool, LoraPair p, float scale, float[] x, int xOff, float[] out, int outOff, LoraScratch scratch) {
        int in = p.inDim(), outDim = p.outDim(), r = p.rank();
        System.arraycopy(x, xOff, scratch.x, 0, in);
        matmul(pool, p.a(), scratch.x, scratch.t, 1);
        VectorOps.scale(scratch.t, 0, r, scale);
        matmul(pool, p.b(), scratch.t, scratch.delta, 1);
        VectorOps.add(scratch.delta, 0, out, outOff, outDim);
    }

    private static void check(LoraPair p, float[] x, float[] out, int spannedRows, int batch, LoraScratch scratch) {
        Objects.requireNonNull(p, "pair");
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(scratch, "scratch");
        if (batch < 0) throw new IllegalArgumentException("negative batch " + batch);
        if (x.length < (long) spannedRows * p.inDim()) {
            throw new IllegalArgumentException("x holds " + x.length + " floats, fewer than " + spannedRows + " rows of " + p.inDim());
        }
        if (out.length < (long) spannedRows * p.outDim()) {
            throw new IllegalArgumentException("out holds " + out.length + " floats, fewer than " + spannedRows + " rows of " + p.outDim());
        }
    }
}
