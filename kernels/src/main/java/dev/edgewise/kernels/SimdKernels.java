package dev.edgewise.kernels;

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

    /** See {@link MatMul#matmul}: rows are split across {@code pool} in groups of {@link MatMul#ROW_GROUP}. */
    default void matmul(WorkerPool pool, WeightMatrix w, float[] x, float[] out, int batch) {
        Objects.requireNonNull(pool, "pool");
        MatMul.checkArguments(Objects.requireNonNull(w, "w"), x, out, batch, 0, w.rows());
        int rows = w.rows();
        if (batch == 0) return;
        int groups = Math.ceilDiv(rows, MatMul.ROW_GROUP);
        PackedQ4_0 packed = w.packed();
        if (packed != null && packed.panelRows() == int8PanelRows()) { // panels (4-16 rows) divide ROW_GROUP
            Int8Activations q = Int8Activations.forThisThread().quantize(x, batch, w.cols());
            if (pool.threads() == 1 || groups == 1) {
                matmulRowsInt8(packed, q, out, 0, rows);
            } else {
                pool.parallelFor(groups, (g0, g1) ->
                        matmulRowsInt8(packed, q, out, g0 * MatMul.ROW_GROUP, Math.min(rows, g1 * MatMul.ROW_GROUP)));
            }
            return;
        }
        PackedBlocks blocks = w.packedBlocks();
        if (blocks != null && blocks.panelRows() == int8PanelRows()) {
            Int8Activations q = Int8Activations.forThisThread().quantize(x, batch, w.cols());
            if (pool.threads() == 1 || groups == 1) {
                matmulRowsInt8(blocks, q, out, 0, rows);
            } else {
                pool.parallelFor(groups, (g0, g1) ->
                        matmulRowsInt8(blocks, q, out, g0 * MatMul.ROW_GROUP, Math.min(rows, g1 * MatMul.ROW_GROUP)));
            }
            return;
        }
        if (w.type() == dev.edgewise.quant.GGMLType.F16 && w.hasData()) w.finiteHalves(); // its one scan here, not in every worker
        if (pool.threads() == 1 || groups == 1) {
            matmulRows(w, x, out, batch, 0, rows);
            return;
        }
        pool.parallelFor(groups, (g0, g1) ->
                matmulRows(w, x, out, batch, g0 * MatMul.ROW_GROUP, Math.min(rows, g1 * MatMul.ROW_GROUP)));
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

    /** See {@link VectorOps#softmax}. */
    double softmax(float[] x, int off, int n);

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
