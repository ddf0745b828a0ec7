package dev.edgewise.kernels;

import dev.edgewise.quant.Dequantize;
import dev.edgewise.quant.GGMLType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.util.Objects;

/**
 * The kernels of one float species {@link #F}, as {@link SimdKernels}: the matmul dispatch (by the
 * per-type {@link WeightFormat} table) and the row decoding of batches; the rest lives in one
 * class per concern, each also specialised for this width, held here in {@code static final}
 * fields (so every call to them is bound statically) and called once per matmul call or per row:
 * {@link VectorKernels} (vector ops and the fixed-order lane sums), {@link ElementKernels}, {@link QuantKernels}
 * and {@link KQuantKernels} (fused kernels and row decoders of the element formats, the 32-element
 * block quants and the K-quants), {@link FloatTiles} (decoded rows times a batch), {@link IntegerKernels}
 * (packed weights against 8-bit activations). The species is held in
 * a {@code static final} field so that C2 compiles every vector operation to machine instructions.
 * This class file, like the others, is loaded once normally (species =
 * {@link FloatVector#SPECIES_PREFERRED}) and again as a hidden class per other species by
 * {@link KernelsBySpecies}, whose javadoc explains why.
 *
 * <p>Rules that keep the hidden copies sound: no nested or anonymous classes and no lambdas
 * holding code (each would be a separate, normally loaded class that sees the normally loaded
 * {@code SpeciesKernels}, not this copy; an enum switch's synthetic class holds only a map of
 * ordinals, which is width-independent), and all width-dependent facts derived from {@link #F}.
 *
 * <p>Matmul structure: a matrix carrying a packing runs the integer kernels at every batch (a
 * kernel chosen by batch size would make a branch's tokens depend on how many run beside it).
 * Otherwise the type's row of the {@link WeightFormat} table, looked up once per call, decides: a
 * single vector runs the format's fused kernel where this width runs its SIMD kernels (weights
 * read and decoded in registers, never written), and so does a batch of exactly two for formats
 * with a pair kernel (Q4_0, Q8_0); any other batch, or a format without a fused kernel, goes
 * through {@code decodedRows}: four rows decoded into a per-thread float scratch (SIMD decoders, a
 * copy for F32, or quant's scalar Dequantize.row), then {@link FloatTiles}' 4 x 4 register tiles
 * over the batch.
 */
final class SpeciesKernels implements SimdKernels, KernelInternals {

    static final VectorSpecies<Float> F = KernelsBySpecies.speciesOf(MethodHandles.lookup());
    private static final int L = F.length();

    /** This width's integer kernels (IntegerKernels). */
    private static final Int8Kernels INT = KernelsBySpecies.integerKernels(F);
    /** This width's vector ops and lane sums (VectorKernels). */
    private static final LaneOps OPS = KernelsBySpecies.kernels(VectorKernels.class, LaneOps.class, F);
    /** This width's fused kernels and decoders, one class per {@link WeightFormat.Family}. */
    private static final FormatKernels ELEMENTS = KernelsBySpecies.kernels(ElementKernels.class, FormatKernels.class, F);
    private static final FormatKernels QUANTS = KernelsBySpecies.kernels(QuantKernels.class, FormatKernels.class, F);
    private static final FormatKernels K_QUANTS = KernelsBySpecies.kernels(KQuantKernels.class, FormatKernels.class, F);
    /** This width's float register tiles of batches (FloatTiles). */
    private static final TileKernels TILES = KernelsBySpecies.kernels(FloatTiles.class, TileKernels.class, F);
    /** The integer kernels' panel rows: L, or 0 below 4 float lanes. */
    private static final int PANEL = L >= 4 ? L : 0;

    SpeciesKernels() {}

    @Override
    public VectorSpecies<Float> species() {
        return F;
    }

    @Override
    public String toString() {
        return "SimdKernels[" + F + "]";
    }

    // ---------------------------------------------------------------------------------------------
    // Matmul: dispatch

    /** Whether format {@code f}'s SIMD kernels (fused and decoder) run at this width: a table lookup, not a chain of tests. */
    private static boolean simd(WeightFormat f) {
        return f.lanes.fits(L);
    }

    @Override
    public boolean hasDirectKernel(GGMLType type) {
        return simd(WeightFormat.of(type));
    }

    @Override
    public boolean hasSimdDecoder(GGMLType type) {
        return simd(WeightFormat.of(type));
    }

    @Override
    public void matmulRows(WeightMatrix w, float[] x, float[] out, int batch, int rowStart, int rowEnd) {
        MatMul.checkArguments(w, x, out, batch, rowStart, rowEnd);
        if (batch == 0 || rowStart == rowEnd) return;
        PackedQ4_0 packed = w.packed();
        if (packed != null && packed.panelRows() == PANEL && rowStart % PANEL == 0 && rowEnd % PANEL == 0) {
            matmulRowsInt8(packed, Int8Activations.forThisThread().quantize(x, batch, w.cols()), out, rowStart, rowEnd);
            return;
        }
        PackedBlocks blocks = w.packedBlocks();
        if (blocks != null && blocks.panelRows() == PANEL && rowStart % PANEL == 0 && rowEnd % PANEL == 0) {
            matmulRowsInt8(blocks, Int8Activations.forThisThread().quantize(x, batch, w.cols()), out, rowStart, rowEnd);
            return;
        }
        WeightFormat f = WeightFormat.of(w.type());
        MemorySegment seg = w.data();
        long rowBytes = w.rowBytes();
        int rows = w.rows();
        int cols = w.cols();
        // one vector: the format's fused kernel; two: its pair kernel if it has one; else decoded rows
        // (F16's fused kernel converts finite halves only: a matrix with Inf or NaN takes the exact decoder)
        boolean fused = simd(f) && (batch == 1 || batch == 2 && f.pairKernel) && (f != WeightFormat.F16 || w.finiteHalves());
        if (!fused) {
            decodedRows(w.type(), simd(f) ? f : WeightFormat.OTHER, seg, rowBytes, rows, cols, x, out, batch, rowStart, rowEnd);
            return;
        }
        switch (f.family) {
            case ELEMENTS -> ELEMENTS.fusedRows(f, seg, rowBytes, rows, cols, x, out, batch, rowStart, rowEnd);
            case QUANTS -> QUANTS.fusedRows(f, seg, rowBytes, rows, cols, x, out, batch, rowStart, rowEnd);
            case K_QUANTS -> K_QUANTS.fusedRows(f, seg, rowBytes, rows, cols, x, out, batch, rowStart, rowEnd);
            case NONE -> throw new AssertionError("no fused kernel for " + w);
        }
    }

    @Override
    public void decodeRow(GGMLType type, MemorySegment src, long offset, float[] dst, int dstOff, int cols) {
        Objects.checkFromIndexSize(dstOff, cols, dst.length);
        if (cols % type.blockSize != 0) throw new IllegalArgumentException(cols + " is not a whole number of " + type + " blocks");
        WeightFormat f = WeightFormat.of(type);
        decodeRow(type, simd(f) ? f : WeightFormat.OTHER, src, offset, dst, dstOff, cols);
    }

    @Override
    public void matmulRowsDequantized(WeightMatrix w, float[] x, float[] out, int batch, int rowStart, int rowEnd) {
        MatMul.checkArguments(w, x, out, batch, rowStart, rowEnd);
        if (batch == 0 || rowStart == rowEnd) return;
        decodedRows(w.type(), WeightFormat.OTHER, w.data(), w.rowBytes(), w.rows(), w.cols(), x, out, batch, rowStart, rowEnd);
    }

    // ---------------------------------------------------------------------------------------------
    // Matmul: packed weights against 8-bit activations, in IntegerKernels (this width's copy)

    @Override
    public int int8PanelRows() {
        return PANEL;
    }

    @Override
    public void matmulRowsInt8(PackedQ4_0 w, Int8Activations x, float[] out, int rowStart, int rowEnd) {
        INT.matmulRowsInt8(w, x, out, rowStart, rowEnd);
    }

    @Override
    public void matmulRowsInt8(PackedBlocks w, Int8Activations x, float[] out, int rowStart, int rowEnd) {
        INT.matmulRowsInt8(w, x, out, rowStart, rowEnd);
    }

    @Override
    public void quantizeBlocks(float[] x, int from, int to, boolean sums, int[] pairs, float[] scales, int[] zeroPoints,
                               int[] halfSums, int[] q) {
        INT.quantizeBlocks(x, from, to, sums, pairs, scales, zeroPoints, halfSums, q);
    }

    // ---------------------------------------------------------------------------------------------
    // Matmul: batches of two or more vectors, every format but F32 (except two vectors of Q4_0 and
    // Q8_0; and one vector for formats without a fused kernel): rows decoded here, four at a time,
    // into a per-thread float scratch, then this width's FloatTiles over the batch.

    /** Rows {@code [r0, r1)} decoded by {@code decoder} ({@link WeightFormat#OTHER}: quant's scalar decoding of {@code type}), then float tiles. */
    private static void decodedRows(GGMLType type, WeightFormat decoder, MemorySegment seg, long rowBytes, int rows, int cols,
                                    float[] x, float[] out, int batch, int r0, int r1) {
        float[] w = Scratch.DECODED_ROWS.atLeast(4 * cols + 16 * L); // four decoded rows, then a 4 x 4 tile's accumulators
        int r = r0;
        if (batch >= 2) {
            for (; r + 3 < r1; r += 4) {
                for (int i = 0; i < 4; i++) decodeRow(type, decoder, seg, (r + i) * rowBytes, w, i * cols, cols);
                TILES.decodedRowsTimesBatch(w, 4, cols, x, batch, out, rows, r);
            }
        }
        for (; r + 1 < r1; r += 2) {
            decodeRow(type, decoder, seg, r * rowBytes, w, 0, cols);
            decodeRow(type, decoder, seg, (r + 1) * rowBytes, w, cols, cols);
            TILES.decodedRowsTimesBatch(w, 2, cols, x, batch, out, rows, r);
        }
        if (r < r1) {
            decodeRow(type, decoder, seg, r * rowBytes, w, 0, cols);
            TILES.decodedRowsTimesBatch(w, 1, cols, x, batch, out, rows, r);
        }
    }

    /**
     * Writes row {@code src} as {@code cols} floats at {@code dst[dstOff]}, exactly as
     * {@link Dequantize#row} would: with {@code decoder}'s SIMD decoder, or quant's scalar one for
     * {@link WeightFormat#OTHER}.
     */
    private static void decodeRow(GGMLType type, WeightFormat decoder, MemorySegment seg, long src, float[] dst, int dstOff, int cols) {
        switch (decoder.family) {
            case ELEMENTS -> ELEMENTS.decodeRow(decoder, seg, src, dst, dstOff, cols);
            case QUANTS -> QUANTS.decodeRow(decoder, seg, src, dst, dstOff, cols);
            case K_QUANTS -> K_QUANTS.decodeRow(decoder, seg, src, dst, dstOff, cols);
            case NONE -> Dequantize.row(type, seg, src, dst, dstOff, cols);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Conversion hooks for tests

    @Override
    public void halfToFloat(MemorySegment src, long offset, float[] dst, int n) {
        Objects.checkFromIndexSize(0, n, dst.length);
        ELEMENTS.decodeRow(WeightFormat.F16, src, offset, dst, 0, n);
    }

    @Override
    public void bf16ToFloat(MemorySegment src, long offset, float[] dst, int n) {
        Objects.checkFromIndexSize(0, n, dst.length);
        ELEMENTS.decodeRow(WeightFormat.BF16, src, offset, dst, 0, n);
    }

    // ---------------------------------------------------------------------------------------------
    // Vector ops: this width's VectorKernels

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return OPS.dot(a, aOff, b, bOff, n);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        OPS.axpy(alpha, x, xOff, y, yOff, n);
    }

    @Override
    public void add(float[] x, int xOff, float[] y, int yOff, int n) {
        OPS.add(x, xOff, y, yOff, n);
    }

    @Override
    public void scale(float[] x, int off, int n, float s) {
        OPS.scale(x, off, n, s);
    }

    @Override
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        OPS.rmsnorm(out, outOff, x, xOff, weight, n, eps);
    }

    @Override
    public void softmaxRows(float[] x, int off, int rows, int n, float[] maxes, int maxOff, double[] sums, int sumOff) {
        OPS.softmaxRows(x, off, rows, n, maxes, maxOff, sums, sumOff);
    }

    @Override
    public void siluMul(float[] gate, int gOff, float[] up, int uOff, int n) {
        OPS.siluMul(gate, gOff, up, uOff, n);
    }

    @Override
    public float max(float[] x, int off, int n) {
        return OPS.max(x, off, n);
    }

    @Override
    public double sumExp(float[] x, int off, int n, float shift) {
        return OPS.sumExp(x, off, n, shift);
    }

    @Override
    public int firstAtLeast(float[] x, int from, int to, float threshold) {
        return OPS.firstAtLeast(x, from, to, threshold);
    }

    @Override
    public void rotateHalves(float[] x, int off, int nHeads, int headDim, float[] cos, float[] sin) {
        OPS.rotateHalves(x, off, nHeads, headDim, cos, sin);
    }
}
