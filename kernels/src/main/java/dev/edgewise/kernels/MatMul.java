package dev.edgewise.kernels;

import java.util.Objects;

/**
 * Matrix-vector products against weights in ggml formats, on the preferred vector width. Activations
 * are float32 throughout (see the package documentation for why).
 */
public final class MatMul {
    private MatMul() {}

    /**
     * Rows are handed to the pool in groups of this many (a multiple of every packing's panel), so
     * each of the pool's chunks is a contiguous run of whole groups.
     */
    public static final int ROW_GROUP = 16;

    /**
     * {@code out[b*rows + r] = sum_c W[r][c] * x[b*cols + c]} for {@code b} in {@code [0, batch)}.
     * One pass over the weights serves all batch vectors. Rows are split across {@code pool}.
     */
    public static void matmul(WorkerPool pool, WeightMatrix w, float[] x, float[] out, int batch) {
        KernelsBySpecies.PREFERRED.matmul(pool, w, x, out, batch);
    }

    /**
     * {@link #matmul(WorkerPool, WeightMatrix, float[], float[], int)} for several matrices of one
     * input ({@code ws[i]}'s products into {@code outs[i]}), as one parallel loop over all their
     * rows: a transformer block's query, key and value projections, or its gate and up projections.
     * The input is quantized to 8 bits once for all of them, and the small matrices (a GQA model's
     * keys and values) ride in the larger one's loop instead of each waking the pool for a few
     * microseconds of work.
     *
     * @throws IllegalArgumentException if the matrices differ in width, or {@code outs} does not have one array per matrix
     */
    public static void matmul(WorkerPool pool, WeightMatrix[] ws, float[] x, float[][] outs, int batch) {
        KernelsBySpecies.PREFERRED.matmul(pool, ws, x, outs, batch);
    }

    /** Same as {@link #matmul}, restricted to rows {@code [rowStart, rowEnd)} and run on the calling thread. */
    public static void matmulRows(WeightMatrix w, float[] x, float[] out, int batch, int rowStart, int rowEnd) {
        KernelsBySpecies.PREFERRED.matmulRows(w, x, out, batch, rowStart, rowEnd);
    }

    static void checkArguments(WeightMatrix w, float[] x, float[] out, int batch, int rowStart, int rowEnd) {
        Objects.requireNonNull(w, "w");
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(out, "out");
        if (batch < 0) throw new IllegalArgumentException("negative batch " + batch);
        if (rowStart < 0 || rowStart > rowEnd || rowEnd > w.rows()) {
            throw new IndexOutOfBoundsException("row range [" + rowStart + ", " + rowEnd + ") is not within " + w);
        }
        if (x.length < (long) batch * w.cols()) {
            throw new IllegalArgumentException("x holds " + x.length + " floats but a batch of " + batch
                    + " vectors of " + w.cols() + " needs " + (long) batch * w.cols());
        }
        if (out.length < (long) batch * w.rows()) {
            throw new IllegalArgumentException("out holds " + out.length + " floats but a batch of " + batch
                    + " results of " + w.rows() + " needs " + (long) batch * w.rows());
        }
    }
}
