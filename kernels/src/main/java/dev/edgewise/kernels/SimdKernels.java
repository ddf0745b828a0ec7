package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Objects;

/**
 * The SIMD kernels compiled for one float vector species. {@link MatMul}, {@link VectorOps} and
 * {@link Rope} use {@link #preferred()}; tests and benchmarks can ask for any other width with
 * {@link #forSpecies}, and get the very same code specialised for that width (see
 * {@code SpeciesKernels} for how).
 *
 * <p>Array arguments follow {@link VectorOps}: an offset and a length select the elements, so the
 * kernels work inside larger arrays. Instances are stateless and thread-safe; this interface is
 * implemented only inside this package.
 */
public interface SimdKernels {

    /** Kernels for {@link FloatVector#SPECIES_PREFERRED}, the widest shape this CPU runs natively. */
    static SimdKernels preferred() {
        return KernelsBySpecies.PREFERRED;
    }

    /**
     * Kernels for {@code species}. Shapes wider than the hardware are emulated by the Vector API
     * (correct but slow); formats whose block layout does not fit the width fall back to the
     * dequantize-then-dot kernel.
     *
     * @throws IllegalArgumentException if {@code species} is not a float species
     */
    static SimdKernels forSpecies(VectorSpecies<Float> species) {
        return KernelsBySpecies.get(species);
    }

    /** The float species these kernels are compiled for. */
    VectorSpecies<Float> species();

    /** See {@link MatMul#matmulRows}. */
    void matmulRows(WeightMatrix w, float[] x, float[] out, int batch, int rowStart, int rowEnd);

    /** See {@link MatMul#matmul(WorkerPool, WeightMatrix, float[], float[], int)}. */
    default void matmul(WorkerPool pool, WeightMatrix w, float[] x, float[] out, int batch) {
        matmul(pool, new WeightMatrix[] {w}, x, new float[][] {out}, batch);
    }

    /**
     * See {@link MatMul#matmul(WorkerPool, WeightMatrix[], float[], float[][], int)}: the matrices'
     * rows, in groups of {@link MatMul#ROW_GROUP}, are one loop split across {@code pool}, and the
     * input is quantized to 8 bits once for all the matrices whose packing runs on integers (the
     * parts their packings read, {@code Int8Activations.needs}; on the pool when the batch is large).
     */
    default void matmul(WorkerPool pool, WeightMatrix[] ws, float[] x, float[][] outs, int batch) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(ws, "ws");
        Objects.requireNonNull(outs, "outs");
        if (ws.length == 0 || ws.length != outs.length) {
            throw new IllegalArgumentException(ws.length + " matrices need as many outputs (and at least one), got " + outs.length);
        }
        int groups = 0, cols = Objects.requireNonNull(ws[0], "ws[0]").cols();
        boolean int8 = false;
        int needs = 0;
        for (int i = 0; i < ws.length; i++) {
            WeightMatrix w = Objects.requireNonNull(ws[i], "ws[" + i + "]");
            if (w.cols() != cols) throw new IllegalArgumentException("matrices sharing an input need one width: " + ws[0] + " and " + w);
            MatMul.checkArguments(w, x, outs[i], batch, 0, w.rows());
            groups += Math.ceilDiv(w.rows(), MatMul.ROW_GROUP);
            if (int8Packing(w)) {
                int8 = true;
                needs |= Int8Activations.needs(w.packed() != null ? GGMLType.Q4_0 : w.packedBlocks().type());
            } else if (w.type() == GGMLType.F16 && w.hasData()) {
                w.finiteHalves(); // its one scan here, not in every worker
            }
        }
        if (batch == 0) return;
        Int8Activations q = int8 ? Int8Activations.forThisThread().quantize(pool, x, batch, cols, needs) : null;
        if (pool.threads() == 1 || groups == 1) {
            rowGroups(ws, q, x, outs, batch, 0, groups);
            return;
        }
        pool.parallelFor(groups, (g0, g1) -> rowGroups(ws, q, x, outs, batch, g0, g1));
    }

    /** Whether {@code w} runs on 8-bit activations here: packed in this width's panels (4-16 rows, dividing ROW_GROUP). */
    private boolean int8Packing(WeightMatrix w) {
        PackedQ4_0 packed = w.packed();
        if (packed != null) return packed.panelRows() == int8PanelRows();
        PackedBlocks blocks = w.packedBlocks();
        return blocks != null && blocks.panelRows() == int8PanelRows();
    }

    /** Row groups {@code [g0, g1)} of the matrices taken in order, each matrix's rows by its kernel. */
    private void rowGroups(WeightMatrix[] ws, Int8Activations q, float[] x, float[][] outs, int batch, int g0, int g1) {
        for (int i = 0, base = 0; i < ws.length && base < g1; i++) {
            WeightMatrix w = ws[i];
            int rows = w.rows(), end = base + Math.ceilDiv(rows, MatMul.ROW_GROUP);
            int lo = Math.max(g0, base), hi = Math.min(g1, end);
            if (lo < hi) {
                int r0 = (lo - base) * MatMul.ROW_GROUP, r1 = Math.min(rows, (hi - base) * MatMul.ROW_GROUP);
                if (!int8Packing(w)) matmulRows(w, x, outs[i], batch, r0, r1);
                else if (w.packed() != null) matmulRowsInt8(w.packed(), q, outs[i], r0, r1);
                else matmulRowsInt8(w.packedBlocks(), q, outs[i], r0, r1);
            }
            base = end;
        }
    }

    /**
     * Rows per panel of {@link PackedQ4_0} that {@link #matmulRowsInt8} takes at this width (the
     * float lanes), or 0 where the integer kernel does not run (vectors narrower than 128 bits).
     */
    int int8PanelRows();

    /**
     * {@code out[b*rows + r] = sum_c W[r][c] * x[b*cols + c]} over rows {@code [rowStart, rowEnd)}
     * (whole panels) with the activations quantized to 8 bits: integer products of the exact Q4_0
     * quants and {@code x}'s quants, scaled per block in float, as llama.cpp computes Q4_0.
     *
     * @throws IllegalArgumentException if the packing's panels are not this width's, or shapes disagree
     */
    void matmulRowsInt8(PackedQ4_0 w, Int8Activations x, float[] out, int rowStart, int rowEnd);

    /**
     * {@link #matmulRowsInt8(PackedQ4_0, Int8Activations, float[], int, int)} for Q8_0 and Q5_0
     * packings: integer products of the exact quants and {@code x}'s quants, scaled per block.
     */
    void matmulRowsInt8(PackedBlocks w, Int8Activations x, float[] out, int rowStart, int rowEnd);

    /** See {@link VectorOps#dot}. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** See {@link VectorOps#axpy}. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** See {@link VectorOps#add}. */
    void add(float[] x, int xOff, float[] y, int yOff, int n);

    /** See {@link VectorOps#scale}. */
    void scale(float[] x, int off, int n, float s);

    /** See {@link VectorOps#rmsnorm}. */
    void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps);

    /** See {@link VectorOps#softmaxRows}. */
    void softmaxRows(float[] x, int off, int rows, int n, float[] maxes, int maxOff, double[] sums, int sumOff);

    /** See {@link VectorOps#siluMul}. */
    void siluMul(float[] gate, int gOff, float[] up, int uOff, int n);

    /** See {@link VectorOps#max}. */
    float max(float[] x, int off, int n);

    /** See {@link VectorOps#sumExp}. */
    double sumExp(float[] x, int off, int n, float shift);

    /** See {@link VectorOps#firstAtLeast}. */
    int firstAtLeast(float[] x, int from, int to, float threshold);

    /**
     * The rotation step of NeoX-style RoPE: for each of {@code nHeads} heads of {@code headDim}
     * floats starting at {@code off}, and each {@code i < headDim/2}, rotates the pair
     * {@code (x[i], x[i + headDim/2])} by the angle whose cosine and sine are {@code cos[i]},
     * {@code sin[i]}.
     */
    void rotateHalves(float[] x, int off, int nHeads, int headDim, float[] cos, float[] sin);
}
