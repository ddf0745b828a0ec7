package dev.edgewise.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The integer kernels for one float species {@link #F}: packed weights ({@link PackedQ4_0},
 * {@link PackedBlocks}) against activations quantized to 8 bits ({@link Int8Activations}), as
 * llama.cpp computes its quantized dot products. Loaded like {@code SpeciesKernels}: once normally
 * for the preferred species and as a hidden class per other species ({@link KernelsBySpecies}), with
 * the same rules (no nested classes, lambdas or enum switches; every width-dependent fact derived
 * from {@link #F}). {@code SpeciesKernels} holds its width's copy and forwards to it.
 *
 * <p>All of them sum a 32-column block's products in 16-bit lanes (one multiply and one add per 2L
 * products), where the packings guarantee each lane's total fits; each lane pair (a row's even and
 * odd columns) is then added as ints, converted to float once per block and scaled by the row's
 * and the activation block's scales.
 */
final class IntegerKernels implements Int8Kernels {

    static final VectorSpecies<Float> F = KernelsBySpecies.speciesOf(MethodHandles.lookup());
    private static final int L = F.length();
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** F16 scales: L halves as one short vector (the narrowest has 4 lanes). */
    private static final VectorSpecies<Short> S = L >= 4 && L <= 32 ? VectorSpecies.of(short.class, VectorShape.forBitSize(16 * L)) : null;

    /**
     * The 16-bit lanes: the float vector's shape, so 2L shorts, and panels of {@code L} rows (a
     * short lane pair per row). Needs at least 4 float lanes.
     */
    private static final VectorSpecies<Short> SI = L >= 4 ? VectorSpecies.of(short.class, F.vectorShape()) : null;
    static final int PANEL = SI != null ? L : 0;
    /**
     * The packing's layout at this width: a chunk of 2L shorts, a block's L F16 scales, a block's
     * quants of 4 chunks, and a pair of blocks (both blocks' scales, then both blocks' planes).
     */
    private static final long PANEL_CHUNK = 4L * PANEL, PANEL_BLOCK = 4 * PANEL_CHUNK, PANEL_SCALES = 2L * PANEL,
            PANEL_PAIR = 2 * (PANEL_SCALES + PANEL_BLOCK);
    /** This width's K-quant integer kernels (Q4_K, Q5_K, Q6_K packings go there once checked). */
    private static final BlockKernels K_QUANTS = KernelsBySpecies.kernels(KQuantIntegerKernels.class, BlockKernels.class, F);
    /** This width's Q8_0 and Q5_0 integer kernels. */
    private static final BlockKernels Q8_Q5 = KernelsBySpecies.kernels(Q8Q5IntegerKernels.class, BlockKernels.class, F);

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    IntegerKernels() {}

    @Override
    public String toString() {
        return "IntegerKernels[" + F + "]";
    }

    /** Checks a packed row range against activations and out; returns nothing, throws naming the problem. */
    private static void checkPacked(Object w, int panelRows, int rows, int cols, Int8Activations x, float[] out, int rowStart, int rowEnd) {
        Objects.requireNonNull(w, "w");
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(out, "out");
        if (panelRows != PANEL) throw new IllegalArgumentException(w + " is not packed for " + L + "-lane kernels");
        if (x.cols != cols) throw new IllegalArgumentException("activations of " + x.cols + " values against " + w);
        if (rowStart < 0 || rowStart > rowEnd || rowEnd > rows || rowStart % PANEL != 0 || rowEnd % PANEL != 0) {
            throw new IndexOutOfBoundsException("row range [" + rowStart + ", " + rowEnd + ") is not whole panels of " + w);
        }
        if (out.length < (long) x.batch * rows) throw new IllegalArgumentException("out holds " + out.length + " floats, needs " + (long) x.batch * rows);
        x.checkHolds(w);
    }

    // ---------------------------------------------------------------------------------------------
    // Packed Q4_0 against 8-bit activations (PackedQ4_0 explains the layout). A block's
    // products are summed in 16-bit lanes (one multiply and one add per 2L products), then each
    // lane pair is added as ints, converted to float and scaled by the row's and the activation
    // block's scales. Tiles of 4 vectors decode each chunk once for all four and keep four
    // 16-bit accumulators in registers; their block sums go through a small per-thread scratch to a
    // second pass that scales them, because one method doing both passes outgrows C2's inlining
    // node budget (measured: 3x slower); that pass reads the panel's row scales from a float copy
    // made once per panel (panelScales), not converting them again for every vector (a four-vector
    // pass converting them itself also outgrew the budget). Leftover vectors run one at a time in a
    // single pass.

    @Override
    public void matmulRowsInt8(PackedQ4_0 w, Int8Activations x, float[] out, int rowStart, int rowEnd) {
        checkPacked(w, w.panelRows(), w.rows(), w.cols(), x, out, rowStart, rowEnd);
        int batch = x.batch, rows = w.rows();
        int blocks = w.cols() / 32;
        MemorySegment seg = w.data();
        long panelStride = w.panelStride();
        short[] sums = null;
        float[] rowScales = null;
        if (batch >= 4) {
            sums = Scratch.SHORT_SUMS.atLeast(blocks * 8 * PANEL);
            rowScales = Scratch.ROW_SCALES.atLeast(blocks * PANEL);
        }
        for (int r = rowStart; r < rowEnd; r += PANEL) {
            long panel = (r / PANEL) * panelStride;
            int b = 0;
            if (batch >= 4) panelScales(seg, panel, blocks, rowScales);
            for (; b + 4 <= batch; b += 4) {
                int8Sums4(seg, panel, blocks, x.chains, x.zeroPoints, b, x.cols, sums);
                for (int t = 0; t < 4; t++) int8Scale(rowScales, blocks, sums, t, x.scales, (b + t) * blocks, out, (b + t) * rows + r);
            }
            for (; b < batch; b++) int8Tile1(seg, panel, blocks, x.chains, b * x.cols / 2, x.zeroPoints, x.scales, b * blocks, out, b * rows + r);
        }
    }

    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to the nearest integer, ties to even (as Math.rint). */
    private static final float ROUNDING_MAGIC = 0x1.8p23f;

    /** Per int lane, 0 for an even index and 16 for an odd one: a half's quants shifted by these sum to {@code sumEven + 65536 sumOdd}. */
    private static final IntVector PAIR_SHIFTS = IntVector.fromArray(I, pairShifts(), 0);

    private static int[] pairShifts() {
        int[] shifts = new int[L];
        for (int i = 1; i < L; i += 2) shifts[i] = 16;
        return shifts;
    }

    @Override
    public void quantizeBlocks(float[] x, int from, int to, boolean sums, int[] pairs, float[] scales, int[] zeroPoints,
                               int[] halfSums, int[] q) {
        boolean vectorPairs = S != null && L >= 4 && L <= 16; // whole vectors per half block
        for (int blk = from; blk < to; blk++) {
            int x0 = 32 * blk;
            FloatVector amax = FloatVector.zero(F);
            for (int i = 0; i < 32; i += L) amax = amax.max(FloatVector.fromArray(F, x, x0 + i).abs());
            float d = amax.reduceLanes(VectorOperators.MAX) / 127;
            float id = d != 0 ? 1 / d : 0;
            scales[blk] = d;
            if (vectorPairs) {
                // quants narrowed to shorts are the pairs (low half the even index); a half's quants
                // shifted by PAIR_SHIFTS sum exactly to sumEven + 65536 sumOdd (|sums| <= 8 * 127)
                IntVector halfSum = IntVector.zero(I);
                for (int i = 0; i < 32; i += L) {
                    IntVector qi = (IntVector) FloatVector.fromArray(F, x, x0 + i).mul(id).add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC)
                            .convert(VectorOperators.F2I, 0);
                    ((ShortVector) qi.convertShape(VectorOperators.I2S, S, 0)).reinterpretAsInts().intoArray(pairs, 16 * blk + i / 2);
                    if (!sums) continue;
                    halfSum = halfSum.add(qi.lanewise(VectorOperators.LSHL, PAIR_SHIFTS));
                    if ((i + L) % 16 == 0) {
                        int sum = halfSum.reduceLanes(VectorOperators.ADD), even = (short) sum;
                        halfSums[2 * blk + (i + L) / 16 - 1] = (even & 0xFFFF) | (((sum - even) >> 16) << 16);
                        halfSum = IntVector.zero(I);
                    }
                }
            } else {
                for (int i = 0; i < 32; i += L) {
                    FloatVector r = FloatVector.fromArray(F, x, x0 + i).mul(id).add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC);
                    ((IntVector) r.convert(VectorOperators.F2I, 0)).intoArray(q, i);
                }
                for (int h = 0; h < 2; h++) {
                    int sumEven = 0, sumOdd = 0;
                    for (int i = 16 * h; i < 16 * h + 16; i += 2) {
                        sumEven += q[i];
                        sumOdd += q[i + 1];
                        pairs[16 * blk + i / 2] = (q[i] & 0xFFFF) | (q[i + 1] << 16);
                    }
                    if (sums) halfSums[2 * blk + h] = (sumEven & 0xFFFF) | (sumOdd << 16);
                }
            }
            if (!sums) continue;
            int h0 = halfSums[2 * blk], h1 = halfSums[2 * blk + 1];
            int sumEven = (short) h0 + (short) h1, sumOdd = (h0 >> 16) + (h1 >> 16);
            zeroPoints[blk] = ((-8 * sumEven) & 0xFFFF) | ((-8 * sumOdd) << 16);
        }
    }

    /** Offset of block blk's four chunks in the panel at {@code panel} (PackedQ4_0.quantsOffset). */
    private static long blockQuants(long panel, int blk) {
        return panel + (blk >> 1) * PANEL_PAIR + 2 * PANEL_SCALES + (blk & 1) * PANEL_BLOCK;
    }

    /** Offset of block blk's L F16 row scales in the panel at {@code panel} (PackedQ4_0.scalesOffset). */
    private static long blockScales(long panel, int blk) {
        return panel + (blk >> 1) * PANEL_PAIR + (blk & 1) * PANEL_SCALES;
    }

    /**
     * The panel's rows against one vector, whole pass: out[o .. o + L). Written out with the Vector
     * API's own calls (no helper takes or returns a vector), and over C2's FreqInlineSize (325
     * bytecodes), so it is always a compilation of its own: inlined into matmulRowsInt8 beside the
     * tile kernels, it took that compilation past C2's node budget in one JVM out of three, and the
     * vector operations left out of line ran their allocating Java fallbacks (a server's single stream
     * decoded at 9-18 instead of 60 tok/s, with a young collection every few milliseconds).
     * {@code KernelRootsTest} holds both properties.
     */
    private static void int8Tile1(MemorySegment seg, long panel, int blocks, int[] chains, int p0, int[] zeroPoints,
                                  float[] scales, int s0, float[] out, int o) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < blocks; blk++) {
            long block = blockQuants(panel, blk);
            ShortVector a = IntVector.broadcast(I, zeroPoints[s0 + blk]).reinterpretAsShorts();
            int m = p0 + 16 * blk;
            for (int c = 0; c < 4; c++, m += 4) { // chained activation pairs m .. m + 3 (Int8Activations) against the unmasked shifts
                ShortVector q = ShortVector.fromMemorySegment(SI, seg, block + c * PANEL_CHUNK, LE);
                ShortVector lo = q.mul(IntVector.broadcast(I, chains[m]).reinterpretAsShorts())
                        .add(q.lanewise(VectorOperators.LSHR, 4).mul(IntVector.broadcast(I, chains[m + 1]).reinterpretAsShorts()));
                ShortVector hi = q.lanewise(VectorOperators.LSHR, 8).mul(IntVector.broadcast(I, chains[m + 2]).reinterpretAsShorts())
                        .add(q.lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I, chains[m + 3]).reinterpretAsShorts()));
                a = a.add(lo.add(hi)); // a tree: 4 dependent adds per block on a, not 16 (JMH: 4-15% more GB/s)
            }
            // even plus odd 16-bit lane of each pair as ints, then floats (as q4_0PairSums)
            IntVector lanePairs = a.reinterpretAsInts();
            FloatVector sums = (FloatVector) lanePairs.add(lanePairs.lanewise(VectorOperators.LSHL, 16))
                    .lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0);
            // the block's L F16 row scales as floats 2^-112 times too small (as rawScales), the activation's scale 2^56 too large
            FloatVector rowScales = ((IntVector) ShortVector.fromMemorySegment(S, seg, blockScales(panel, blk), LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFF_E000)
                    .reinterpretAsFloats();
            acc = sums.fma(rowScales.mul(scales[s0 + blk] * SCALE_REBIAS), acc);
        }
        acc.mul(SCALE_REBIAS).intoArray(out, o);
    }

    /**
     * 2^56, half of the 2^112 that rebiases rawScales, applied to the activation's scale and once to
     * the sum: a block's row scale times the activation's then costs one multiply, not two, and is
     * that product in float scaled by 2^-56 (exactly, a power of two) unless it is below 2^-70, where
     * it loses bits as a subnormal; the scale times 2^56 overflows only for activations over 2^78.
     * JMH, Q4_0 8960x1536, one thread: 24.1-25.3 against 22.1-23.9 GB/s (with q4_0PairSums).
     */
    private static final float SCALE_REBIAS = 0x1p56f;

    /**
     * Even plus odd 16-bit lane of each pair, as L floats (one per panel row), for Q4_0 sums only: the
     * pair's sum fits 16 bits (|sum| <= 32 * 8 * 127), so the high half of {@code i + (i << 16)} is it.
     */
    private static FloatVector q4_0PairSums(ShortVector a) {
        IntVector i = a.reinterpretAsInts();
        return (FloatVector) i.add(i.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0);
    }

    /** Block sums of the panel against vectors b .. b + 3 into sums[(blk*4 + t) * 2L ..]. */
    private static void int8Sums4(MemorySegment seg, long panel, int blocks, int[] chains, int[] zeroPoints, int b, int cols,
                                  short[] sums) {
        int half = cols / 2, nb = cols / 32, lanes = 2 * PANEL;
        int x0 = b * half, x1 = x0 + half, x2 = x1 + half, x3 = x2 + half;
        for (int blk = 0; blk < blocks; blk++) {
            long block = blockQuants(panel, blk);
            int z = b * nb + blk;
            ShortVector a0 = IntVector.broadcast(I, zeroPoints[z]).reinterpretAsShorts();
            ShortVector a1 = IntVector.broadcast(I, zeroPoints[z + nb]).reinterpretAsShorts();
            ShortVector a2 = IntVector.broadcast(I, zeroPoints[z + 2 * nb]).reinterpretAsShorts();
            ShortVector a3 = IntVector.broadcast(I, zeroPoints[z + 3 * nb]).reinterpretAsShorts();
            int m = 16 * blk;
            for (int c = 0; c < 4; c++) {
                ShortVector q = ShortVector.fromMemorySegment(SI, seg, block + c * PANEL_CHUNK, LE);
                // one nibble per pass: a rolled loop keeps the parsed method under C2's node budget
                for (int j = 0; j < 4; j++, m++, q = q.lanewise(VectorOperators.LSHR, 4)) { // no mask: chained pairs (Int8Activations)
                    a0 = a0.add(q.mul(IntVector.broadcast(I, chains[x0 + m]).reinterpretAsShorts()));
                    a1 = a1.add(q.mul(IntVector.broadcast(I, chains[x1 + m]).reinterpretAsShorts()));
                    a2 = a2.add(q.mul(IntVector.broadcast(I, chains[x2 + m]).reinterpretAsShorts()));
                    a3 = a3.add(q.mul(IntVector.broadcast(I, chains[x3 + m]).reinterpretAsShorts()));
                }
            }
            int s = blk * 4 * lanes;
            a0.intoArray(sums, s);
            a1.intoArray(sums, s + lanes);
            a2.intoArray(sums, s + 2 * lanes);
            a3.intoArray(sums, s + 3 * lanes);
        }
    }

    /** Scales tile vector t's block sums (from int8Sums4) into out[o .. o + L) with the panel's rowScales (rawScales), as int8Tile1 does. */
    private static void int8Scale(float[] rowScales, int blocks, short[] sums, int t, float[] scales, int s0, float[] out, int o) {
        int lanes = 2 * PANEL;
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < blocks; blk++) {
            ShortVector a = ShortVector.fromArray(SI, sums, (blk * 4 + t) * lanes);
            acc = q4_0PairSums(a).fma(FloatVector.fromArray(F, rowScales, blk * PANEL).mul(scales[s0 + blk] * SCALE_REBIAS), acc);
        }
        acc.mul(SCALE_REBIAS).intoArray(out, o); // the same float as int8Tile1's
    }

    /** The panel's F16 row scales as floats 2^-112 times too small (as int8Tile1), L per block, into dst (shared by all its tiles of 4). */
    private static void panelScales(MemorySegment seg, long panel, int blocks, float[] dst) {
        for (int blk = 0; blk < blocks; blk++) rawScales(seg, blockScales(panel, blk)).intoArray(dst, blk * PANEL);
    }

    /**
     * L F16 row scales of a packing as floats 2^-112 times their values (exactly, normals and
     * subnormals alike): the half's sign-extended bits shifted to the float's mantissa top (exponent and
     * mantissa) with the sign kept; times 2^112 would rebias the exponent (15 to 127), which the kernels
     * fold into the activation's scale (SCALE_REBIAS). The packings hold finite scales only, so this
     * skips halfToFloat's Inf/NaN case.
     */
    private static FloatVector rawScales(MemorySegment seg, long offset) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, seg, offset, LE).convertShape(VectorOperators.S2I, I, 0);
        // h is sign-extended: bit 31 of h << 13 is the sign, bits 28-30 (its copies) are cleared
        return h.lanewise(VectorOperators.LSHL, 13).and(0x8FFF_E000).reinterpretAsFloats();
    }

    @Override
    public void matmulRowsInt8(PackedBlocks w, Int8Activations x, float[] out, int rowStart, int rowEnd) {
        checkPacked(w, w.panelRows(), w.rows(), w.cols(), x, out, rowStart, rowEnd);
        (PackedBlocks.kQuant(w.type()) ? K_QUANTS : Q8_Q5).matmulRowsInt8(w, x, out, rowStart, rowEnd);
    }
}
