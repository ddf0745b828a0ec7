package dev.edgewise.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;

/**
 * The float register tiles of batches for one float species {@link #F} ({@link TileKernels}): rows
 * decoded to floats by {@code SpeciesKernels} (SIMD decoders, a copy for F32, or quant's scalar
 * dequantization; the values are exactly ggml's dequantized weights) times every vector of a batch.
 * Four rows run 4 x 4 register tiles over the batch: per step 4 weight loads and 4 activation loads
 * feed 16 FMAs (C2 keeps the 16 accumulators in registers on AVX-512 and AVX2 alike); a batch's last
 * two vectors a 4 x 2 tile, a last single one a dot product per row. Leftover rows go in pairs
 * (2 x 4 tiles), then singly. Decoding is paid once per row whatever the batch, so a batch costs
 * little more than its FMAs and prompt chunks become compute-bound.
 *
 * <p>Loaded like {@code SpeciesKernels} (which holds this width's copy), same rules: no nested
 * classes or lambdas, every width-dependent fact from {@link #F}.
 */
final class FloatTiles implements TileKernels {

    static final VectorSpecies<Float> F = KernelsBySpecies.speciesOf(MethodHandles.lookup());
    private static final int L = F.length();
    /** This width's vector ops and lane sums (VectorKernels). */
    private static final LaneOps OPS = KernelsBySpecies.kernels(VectorKernels.class, LaneOps.class, F);

    FloatTiles() {}

    @Override
    public String toString() {
        return "FloatTiles[" + F + "]";
    }

    @Override
    public void decodedRowsTimesBatch(float[] w, int n, int cols, float[] x, int batch, float[] out, int rows, int r) {
        int b = 0;
        switch (n) {
            case 4 -> {
                for (; batch - b >= 3; b += 4) {
                    int b1 = b + 1, b2 = b + 2, b3 = Math.min(b + 3, batch - 1);
                    quadTile4(w, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                            out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
                }
                if (batch - b == 2) { // two vectors (two branches, or a batch's last two): half the FMAs of a 4 x 4 tile
                    quadTile2(w, cols, x, b * cols, (b + 1) * cols, out, b * rows + r, (b + 1) * rows + r);
                    b += 2;
                }
            }
            case 2 -> {
                for (; batch - b >= 2; b += 4) {
                    int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                    pairTile4(w, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                            out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
                }
            }
            case 1 -> {
                for (; batch - b >= 2; b += 4) {
                    int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                    arrayTile4(w, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                            out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
                }
            }
            default -> throw new IllegalArgumentException("tiles take 4, 2 or 1 decoded rows, not " + n);
        }
        if (b < batch) {
            for (int i = 0; i < n; i++) out[b * rows + r + i] = OPS.arrayDot(w, i * cols, x, b * cols, cols);
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
        storeQuad(w, 0, cols, c, x, x0, x1, x2, x3, out, o0, o1, o2, o3, acc, acc + L, acc + 2 * L, acc + 3 * L);
    }
}
