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
 * per-type {@link WeightFormat} table) and the 4 x 4 float tiles of batches; the rest lives in one
 * class per concern, each also specialised for this width, held here in {@code static final}
 * fields (so every call to them is bound statically) and called once per matmul call or per row:
 * {@link VectorKernels} (vector ops and the fixed-order lane sums), {@link ElementKernels}, {@link QuantKernels}
 * and {@link KQuantKernels} (fused kernels and row decoders of the element formats, the 32-element
 * block quants and the K-quants), {@link IntegerKernels} (packed weights against 8-bit activations). The species is held in
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
 * copy for F32, or quant's scalar Dequantize.row), then 4 x 4 register tiles over the batch.
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
    // Q8_0, below; and one vector for formats without a fused kernel). Each thread decodes four rows at a time into a per-thread float
    // scratch (SIMD decoders for F16/BF16/Q8_0/Q4_0/Q5_0/Q4_K/Q6_K, quant's scalar dequantization
    // for the rest; the values are exactly ggml's dequantized weights), then runs register tiles
    // of 4 rows x 4 vectors over the batch: per step 4 weight loads and 4 activation loads feed
    // 16 FMAs (C2 keeps the 16 accumulators in registers on AVX-512 and AVX2 alike). Leftover rows
    // go in pairs (2 x 4 tiles), then singly. Decoding is paid once per row whatever the batch,
    // so a batch costs little more than its FMAs and prompt chunks become compute-bound.

    /** Rows {@code [r0, r1)} decoded by {@code decoder} ({@link WeightFormat#OTHER}: quant's scalar decoding of {@code type}), then float tiles. */
    private static void decodedRows(GGMLType type, WeightFormat decoder, MemorySegment seg, long rowBytes, int rows, int cols,
                                    float[] x, float[] out, int batch, int r0, int r1) {
        float[] w = Scratch.DECODED_ROWS.atLeast(4 * cols + 16 * L); // four decoded rows, then a 4 x 4 tile's accumulators
        int r = r0;
        if (batch >= 2) {
            for (; r + 3 < r1; r += 4) {
                for (int i = 0; i < 4; i++) decodeRow(type, decoder, seg, (r + i) * rowBytes, w, i * cols, cols);
                int b = 0;
                for (; batch - b >= 3; b += 4) {
                    int b1 = b + 1, b2 = b + 2, b3 = Math.min(b + 3, batch - 1);
                    quadTile4(w, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                            out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
                }
                if (batch - b == 2) { // two vectors (two branches, or a batch's last two): half the FMAs of a 4 x 4 tile
                    quadTile2(w, cols, x, b * cols, (b + 1) * cols, out, b * rows + r, (b + 1) * rows + r);
                    b += 2;
                }
                if (b < batch) {
                    for (int i = 0; i < 4; i++) out[b * rows + r + i] = OPS.arrayDot(w, i * cols, x, b * cols, cols);
                }
            }
        }
        for (; r + 1 < r1; r += 2) {
            decodeRow(type, decoder, seg, r * rowBytes, w, 0, cols);
            decodeRow(type, decoder, seg, (r + 1) * rowBytes, w, cols, cols);
            int b = 0;
            for (; batch - b >= 2; b += 4) {
                int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                pairTile4(w, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                        out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
            }
            if (b < batch) {
                out[b * rows + r] = OPS.arrayDot(w, 0, x, b * cols, cols);
                out[b * rows + r + 1] = OPS.arrayDot(w, cols, x, b * cols, cols);
            }
        }
        if (r < r1) {
            decodeRow(type, decoder, seg, r * rowBytes, w, 0, cols);
            int b = 0;
            for (; batch - b >= 2; b += 4) {
                int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                arrayTile4(w, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                        out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
            }
            if (b < batch) out[b * rows + r] = OPS.arrayDot(w, 0, x, b * cols, cols);
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

    /** Rows at {@code w[i*cols ..)} for i in 0..3 against four vectors; row r+i's outputs are at o + i. */
    private static void quadTile4(float[] w, int cols, float[] x, int x0, int x1, int x2, int x3,
                                  float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int w1 = cols, w2 = 2 * cols, w3 = 3 * cols;
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) {
            FloatVector r0 = FloatVector.fromArray(F, w, c);
            FloatVector r1 = FloatVector.fromArray(F, w, w1 + c);
            FloatVector r2 = FloatVector.fromArray(F, w, w2 + c);
            FloatVector r3 = FloatVector.fromArray(F, w, w3 + c);
            FloatVector v = FloatVector.fromArray(F, x, x0 + c);
            a00 = v.fma(r0, a00);
            a10 = v.fma(r1, a10);
            a20 = v.fma(r2, a20);
            a30 = v.fma(r3, a30);
            v = FloatVector.fromArray(F, x, x1 + c);
            a01 = v.fma(r0, a01);
            a11 = v.fma(r1, a11);
            a21 = v.fma(r2, a21);
            a31 = v.fma(r3, a31);
            v = FloatVector.fromArray(F, x, x2 + c);
            a02 = v.fma(r0, a02);
            a12 = v.fma(r1, a12);
            a22 = v.fma(r2, a22);
            a32 = v.fma(r3, a32);
            v = FloatVector.fromArray(F, x, x3 + c);
            a03 = v.fma(r0, a03);
            a13 = v.fma(r1, a13);
            a23 = v.fma(r2, a23);
            a33 = v.fma(r3, a33);
        }
        int acc = 4 * cols;
        a00.intoArray(w, acc);
        a01.intoArray(w, acc + L);
        a02.intoArray(w, acc + 2 * L);
        a03.intoArray(w, acc + 3 * L);
        a10.intoArray(w, acc + 4 * L);
        a11.intoArray(w, acc + 5 * L);
        a12.intoArray(w, acc + 6 * L);
        a13.intoArray(w, acc + 7 * L);
        a20.intoArray(w, acc + 8 * L);
        a21.intoArray(w, acc + 9 * L);
        a22.intoArray(w, acc + 10 * L);
        a23.intoArray(w, acc + 11 * L);
        a30.intoArray(w, acc + 12 * L);
        a31.intoArray(w, acc + 13 * L);
        a32.intoArray(w, acc + 14 * L);
        a33.intoArray(w, acc + 15 * L);
        storeQuad(w, 0, cols, c, x, x0, x1, x2, x3, out, o0, o1, o2, o3, acc, acc + L, acc + 2 * L, acc + 3 * L);
        storeQuad(w, w1, cols, c, x, x0, x1, x2, x3, out, o0 + 1, o1 + 1, o2 + 1, o3 + 1, acc + 4 * L, acc + 5 * L, acc + 6 * L, acc + 7 * L);
        storeQuad(w, w2, cols, c, x, x0, x1, x2, x3, out, o0 + 2, o1 + 2, o2 + 2, o3 + 2, acc + 8 * L, acc + 9 * L, acc + 10 * L, acc + 11 * L);
        storeQuad(w, w3, cols, c, x, x0, x1, x2, x3, out, o0 + 3, o1 + 3, o2 + 3, o3 + 3, acc + 12 * L, acc + 13 * L, acc + 14 * L, acc + 15 * L);
    }

    /** Rows at {@code w[i*cols ..)} for i in 0..3 against two vectors; row r+i's outputs are at o + i. */
    private static void quadTile2(float[] w, int cols, float[] x, int x0, int x1, float[] out, int o0, int o1) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        int w1 = cols, w2 = 2 * cols, w3 = 3 * cols;
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) {
            FloatVector r0 = FloatVector.fromArray(F, w, c);
            FloatVector r1 = FloatVector.fromArray(F, w, w1 + c);
            FloatVector r2 = FloatVector.fromArray(F, w, w2 + c);
            FloatVector r3 = FloatVector.fromArray(F, w, w3 + c);
            FloatVector v = FloatVector.fromArray(F, x, x0 + c);
            a00 = v.fma(r0, a00);
            a10 = v.fma(r1, a10);
            a20 = v.fma(r2, a20);
            a30 = v.fma(r3, a30);
            v = FloatVector.fromArray(F, x, x1 + c);
            a01 = v.fma(r0, a01);
            a11 = v.fma(r1, a11);
            a21 = v.fma(r2, a21);
            a31 = v.fma(r3, a31);
        }
        int acc = 4 * cols;
        a00.intoArray(w, acc);
        a01.intoArray(w, acc + L);
        a10.intoArray(w, acc + 2 * L);
        a11.intoArray(w, acc + 3 * L);
        a20.intoArray(w, acc + 4 * L);
        a21.intoArray(w, acc + 5 * L);
        a30.intoArray(w, acc + 6 * L);
        a31.intoArray(w, acc + 7 * L);
        // storeQuad takes four vectors: the second one repeated stores the same value three times
        int p = acc + L;
        storeQuad(w, 0, cols, c, x, x0, x1, x1, x1, out, o0, o1, o1, o1, acc, p, p, p);
        p = acc + 3 * L;
        storeQuad(w, w1, cols, c, x, x0, x1, x1, x1, out, o0 + 1, o1 + 1, o1 + 1, o1 + 1, acc + 2 * L, p, p, p);
        p = acc + 5 * L;
        storeQuad(w, w2, cols, c, x, x0, x1, x1, x1, out, o0 + 2, o1 + 2, o1 + 2, o1 + 2, acc + 4 * L, p, p, p);
        p = acc + 7 * L;
        storeQuad(w, w3, cols, c, x, x0, x1, x1, x1, out, o0 + 3, o1 + 3, o1 + 3, o1 + 3, acc + 6 * L, p, p, p);
    }

    /**
     * One row of a tile: reduces its four accumulators (stored by the tile at {@code w[a0..a0+L)} ...),
     * adds the scalar tail from column {@code c}, stores. The tile hands its accumulators over in the
     * scratch array, not as vectors: C2 stops inlining a tile's four calls of this method once the
     * compilation grows past its node budget, and a vector passed to a call that is not inlined is
     * boxed, which made 4-vector tiles (prompts, 3+ branches) 5x slower than their FMAs (KernelAllocationTest).
     */
    private static void storeQuad(float[] w, int wOff, int cols, int c, float[] x, int x0, int x1, int x2, int x3,
                                  float[] out, int o0, int o1, int o2, int o3, int a0, int a1, int a2, int a3) {
        float s0 = OPS.sumAt(w, a0), s1 = OPS.sumAt(w, a1);
        float s2 = OPS.sumAt(w, a2), s3 = OPS.sumAt(w, a3);
        for (; c < cols; c++) {
            float wc = w[wOff + c];
            s0 = Math.fma(wc, x[x0 + c], s0);
            s1 = Math.fma(wc, x[x1 + c], s1);
            s2 = Math.fma(wc, x[x2 + c], s2);
            s3 = Math.fma(wc, x[x3 + c], s3);
        }
        out[o0] = s0;
        out[o1] = s1;
        out[o2] = s2;
        out[o3] = s3;
    }

    /** Rows at {@code w[0..cols)} and {@code w[cols..2cols)} against four vectors; row r+1's outputs follow row r's. */
    private static void pairTile4(float[] w, int cols, float[] x, int x0, int x1, int x2, int x3,
                                  float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) {
            FloatVector wa = FloatVector.fromArray(F, w, c);
            FloatVector wb = FloatVector.fromArray(F, w, cols + c);
            FloatVector v = FloatVector.fromArray(F, x, x0 + c);
            a0 = v.fma(wa, a0);
            c0 = v.fma(wb, c0);
            v = FloatVector.fromArray(F, x, x1 + c);
            a1 = v.fma(wa, a1);
            c1 = v.fma(wb, c1);
            v = FloatVector.fromArray(F, x, x2 + c);
            a2 = v.fma(wa, a2);
            c2 = v.fma(wb, c2);
            v = FloatVector.fromArray(F, x, x3 + c);
            a3 = v.fma(wa, a3);
            c3 = v.fma(wb, c3);
        }
        int acc = 4 * cols; // the scratch's accumulator area (see decodedRows)
        a0.intoArray(w, acc);
        a1.intoArray(w, acc + L);
        a2.intoArray(w, acc + 2 * L);
        a3.intoArray(w, acc + 3 * L);
        c0.intoArray(w, acc + 4 * L);
        c1.intoArray(w, acc + 5 * L);
        c2.intoArray(w, acc + 6 * L);
        c3.intoArray(w, acc + 7 * L);
        float s0 = OPS.sumAt(w, acc), s1 = OPS.sumAt(w, acc + L);
        float s2 = OPS.sumAt(w, acc + 2 * L), s3 = OPS.sumAt(w, acc + 3 * L);
        float t0 = OPS.sumAt(w, acc + 4 * L), t1 = OPS.sumAt(w, acc + 5 * L);
        float t2 = OPS.sumAt(w, acc + 6 * L), t3 = OPS.sumAt(w, acc + 7 * L);
        for (; c < cols; c++) {
            float wa = w[c], wb = w[cols + c];
            float v0 = x[x0 + c], v1 = x[x1 + c], v2 = x[x2 + c], v3 = x[x3 + c];
            s0 = Math.fma(wa, v0, s0);
            s1 = Math.fma(wa, v1, s1);
            s2 = Math.fma(wa, v2, s2);
            s3 = Math.fma(wa, v3, s3);
            t0 = Math.fma(wb, v0, t0);
            t1 = Math.fma(wb, v1, t1);
            t2 = Math.fma(wb, v2, t2);
            t3 = Math.fma(wb, v3, t3);
        }
        out[o0] = s0;
        out[o1] = s1;
        out[o2] = s2;
        out[o3] = s3;
        out[o0 + 1] = t0;
        out[o1 + 1] = t1;
        out[o2 + 1] = t2;
        out[o3 + 1] = t3;
    }

    /** Weights held in a float array (a decoded row); the 1-vector tile is {@link LaneOps#arrayDot}. */
    private static void arrayTile4(float[] w, int cols, float[] x, int x0, int x1, int x2, int x3,
                                   float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) {
            FloatVector wv = FloatVector.fromArray(F, w, c);
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(wv, a0);
            a1 = FloatVector.fromArray(F, x, x1 + c).fma(wv, a1);
            a2 = FloatVector.fromArray(F, x, x2 + c).fma(wv, a2);
            a3 = FloatVector.fromArray(F, x, x3 + c).fma(wv, a3);
        }
        int acc = 4 * cols; // the scratch's accumulator area (see decodedRows)
        a0.intoArray(w, acc);
        a1.intoArray(w, acc + L);
        a2.intoArray(w, acc + 2 * L);
        a3.intoArray(w, acc + 3 * L);
        float s0 = OPS.sumAt(w, acc), s1 = OPS.sumAt(w, acc + L);
        float s2 = OPS.sumAt(w, acc + 2 * L), s3 = OPS.sumAt(w, acc + 3 * L);
        for (; c < cols; c++) {
            float wc = w[c];
            s0 = Math.fma(wc, x[x0 + c], s0);
            s1 = Math.fma(wc, x[x1 + c], s1);
            s2 = Math.fma(wc, x[x2 + c], s2);
            s3 = Math.fma(wc, x[x3 + c], s3);
        }
        out[o0] = s0;
        out[o1] = s1;
        out[o2] = s2;
        out[o3] = s3;
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
