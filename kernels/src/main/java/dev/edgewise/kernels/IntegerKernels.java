package dev.edgewise.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.constant.ConstantDescs;
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

    static final VectorSpecies<Float> F = speciesFromClassData();
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
     * The packings' layout at this width: a chunk of 2L shorts, a block's L F16 scales, a Q4_0
     * block's quants of 4 chunks, and a pair of blocks (both blocks' scales, then both blocks'
     * planes): Q4_0 one plane, Q5_0 one plane and a fifth-bit chunk, Q8_0 eight chunks of byte quants.
     */
    private static final long PANEL_CHUNK = 4L * PANEL, PANEL_BLOCK = 4 * PANEL_CHUNK, PANEL_SCALES = 2L * PANEL,
            PANEL_PAIR = 2 * (PANEL_SCALES + PANEL_BLOCK);
    private static final long Q5_0_BLOCK = 5 * PANEL_CHUNK, Q5_0_PAIR = 2 * (PANEL_SCALES + Q5_0_BLOCK);
    private static final long Q8_0_BLOCK = 8 * PANEL_CHUNK, Q8_0_PAIR = 2 * (PANEL_SCALES + Q8_0_BLOCK);
    /** Q8_0: 32768 in each lane pair's even (low) short, and what it adds up to over a block's 8 chunks. */
    private static final int Q8_0_BIAS = 0x8000, Q8_0_BIASES = 8 * 0x8000;
    /** This width's K-quant integer kernels (Q4_K, Q5_K, Q6_K packings go there once checked). */
    private static final BlockKernels K_QUANTS = KernelsBySpecies.kernels(KQuantIntegerKernels.class, BlockKernels.class, F);



    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** 2^112: rebiases a half's exponent (bias 15) to a float's (bias 127), normals and subnormals alike. */
    private static final float HALF_EXPONENT_REBIAS = 0x1p112f;

    IntegerKernels() {}

    @SuppressWarnings("unchecked")
    private static VectorSpecies<Float> speciesFromClassData() {
        try {
            VectorSpecies<Float> species = MethodHandles.classData(MethodHandles.lookup(), ConstantDescs.DEFAULT_NAME, VectorSpecies.class);
            return species != null ? species : FloatVector.SPECIES_PREFERRED;
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

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
    public void quantizeBlocks(float[] x, int blocks, int[] pairs, float[] scales, int[] zeroPoints, int[] halfSums, int[] q) {
        boolean vectorPairs = S != null && L >= 4 && L <= 16; // whole vectors per half block
        for (int blk = 0; blk < blocks; blk++) {
            int x0 = 32 * blk;
            FloatVector amax = FloatVector.zero(F);
            for (int i = 0; i < 32; i += L) amax = amax.max(FloatVector.fromArray(F, x, x0 + i).abs());
            float d = amax.reduceLanes(VectorOperators.MAX) / 127;
            float id = d != 0 ? 1 / d : 0;
            if (vectorPairs) {
                // quants narrowed to shorts are the pairs (low half the even index); a half's quants
                // shifted by PAIR_SHIFTS sum exactly to sumEven + 65536 sumOdd (|sums| <= 8 * 127)
                IntVector halfSum = IntVector.zero(I);
                for (int i = 0; i < 32; i += L) {
                    IntVector qi = (IntVector) FloatVector.fromArray(F, x, x0 + i).mul(id).add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC)
                            .convert(VectorOperators.F2I, 0);
                    ((ShortVector) qi.convertShape(VectorOperators.I2S, S, 0)).reinterpretAsInts().intoArray(pairs, 16 * blk + i / 2);
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
                    halfSums[2 * blk + h] = (sumEven & 0xFFFF) | (sumOdd << 16);
                }
            }
            int h0 = halfSums[2 * blk], h1 = halfSums[2 * blk + 1];
            int sumEven = (short) h0 + (short) h1, sumOdd = (h0 >> 16) + (h1 >> 16);
            scales[blk] = d;
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
            // even plus odd 16-bit lane of each pair as ints, then floats (as pairSums)
            IntVector lanePairs = a.reinterpretAsInts();
            FloatVector sums = (FloatVector) lanePairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(lanePairs.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0);
            // the block's L F16 row scales as floats (as packedScales)
            FloatVector rowScales = ((IntVector) ShortVector.fromMemorySegment(S, seg, blockScales(panel, blk), LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFF_E000)
                    .reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS);
            acc = sums.fma(rowScales.mul(scales[s0 + blk]), acc);
        }
        acc.intoArray(out, o);
    }

    /** Even plus odd 16-bit lane of each pair, as L floats (one per panel row). */
    private static FloatVector pairSums(ShortVector a) {
        IntVector i = a.reinterpretAsInts();
        IntVector sum = i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i.lanewise(VectorOperators.ASHR, 16));
        return (FloatVector) sum.convert(VectorOperators.I2F, 0);
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

    /** Scales tile vector t's block sums (from int8Sums4) into out[o .. o + L), with the panel's rowScales. */
    private static void int8Scale(float[] rowScales, int blocks, short[] sums, int t, float[] scales, int s0, float[] out, int o) {
        int lanes = 2 * PANEL;
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < blocks; blk++) {
            ShortVector a = ShortVector.fromArray(SI, sums, (blk * 4 + t) * lanes);
            acc = pairSums(a).fma(FloatVector.fromArray(F, rowScales, blk * PANEL).mul(scales[s0 + blk]), acc);
        }
        acc.intoArray(out, o);
    }

    /** The panel's F16 row scales as floats, L per block, into dst (shared by all its tiles of 4). */
    private static void panelScales(MemorySegment seg, long panel, int blocks, float[] dst) {
        for (int blk = 0; blk < blocks; blk++) packedScales(seg, blockScales(panel, blk)).intoArray(dst, blk * PANEL);
    }

    /**
     * L F16 row scales of a packing as floats. PackedQ4_0 holds finite scales only, so this skips
     * halfToFloat's Inf/NaN case: the half's sign-extended bits shifted to the float's mantissa top
     * (exponent and mantissa) with the sign kept, times 2^112 (exact for normals and subnormals).
     */
    private static FloatVector packedScales(MemorySegment seg, long offset) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, seg, offset, LE).convertShape(VectorOperators.S2I, I, 0);
        // h is sign-extended: bit 31 of h << 13 is the sign, bits 28-30 (its copies) are cleared
        return h.lanewise(VectorOperators.LSHL, 13).and(0x8FFF_E000).reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS);
    }


    // ---------------------------------------------------------------------------------------------
    // Packed Q8_0 and Q5_0 against 8-bit activations (PackedBlocks explains the planes; the
    // K-quants' are in KQuantIntegerKernels). As for Q4_0: tiles of 4 vectors decode each chunk
    // once for all four into exact block sums (a per-thread scratch: shorts for Q5_0, ints for
    // Q8_0), which a second pass per vector scales with the panel's row scales converted to floats
    // once per panel; a last 2 or 3
    // vectors run the same tile with the last vector repeated in the unused places, a last single
    // one the one-vector pass. Every block sum is an exact integer and the scaling is the same float
    // operations in the same order in both passes, so a vector's result does not depend on the tile
    // it ran in (a branch decodes the same tokens alone as among others).

    @Override
    public void matmulRowsInt8(PackedBlocks w, Int8Activations x, float[] out, int rowStart, int rowEnd) {
        checkPacked(w, w.panelRows(), w.rows(), w.cols(), x, out, rowStart, rowEnd);
        if (PackedBlocks.kQuant(w.type())) {
            K_QUANTS.matmulRowsInt8(w, x, out, rowStart, rowEnd);
            return;
        }
        int batch = x.batch, rows = w.rows(), blocks = w.cols() / 32;
        MemorySegment seg = w.data();
        long panelStride = w.panelStride();
        boolean q8 = w.type() == dev.edgewise.quant.GGMLType.Q8_0;
        short[] sums = null;
        int[] q8Sums = null;
        float[] rowScales = null;
        if (batch >= 2) {
            if (q8) q8Sums = Scratch.INT_SUMS.atLeast(blocks * 4 * PANEL);
            else sums = Scratch.SHORT_SUMS.atLeast(blocks * 8 * PANEL);
            rowScales = Scratch.ROW_SCALES.atLeast(blocks * PANEL);
        }
        for (int r = rowStart; r < rowEnd; r += PANEL) {
            long panel = (r / PANEL) * panelStride;
            int b = 0;
            if (batch >= 2) {
                blockPanelScales(seg, panel, blocks, q8 ? Q8_0_PAIR : Q5_0_PAIR, rowScales);
                for (; batch - b >= 2; b += 4) {
                    int n = Math.min(4, batch - b);
                    if (q8) q8_0Sums4(seg, panel, blocks, x.pairs, b, n, x.cols, q8Sums);
                    else q5_0Sums4(seg, panel, blocks, x.pairs, x.zeroPoints, b, n, x.cols, sums);
                    for (int t = 0; t < n; t++) {
                        int s0 = (b + t) * blocks, o = (b + t) * rows + r;
                        if (q8) q8_0Scale(rowScales, blocks, q8Sums, t, x.scales, s0, out, o);
                        else int8Scale(rowScales, blocks, sums, t, x.scales, s0, out, o);
                    }
                }
            }
            for (; b < batch; b++) {
                if (q8) q8_0Tile1(seg, panel, blocks, x.pairs, b * x.cols / 2, x.scales, b * blocks, out, b * rows + r);
                else q5_0Tile1(seg, panel, blocks, x.pairs, b * x.cols / 2, x.zeroPoints, x.scales, b * blocks, out, b * rows + r);
            }
        }
    }

    /** A Q8_0 or Q5_0 panel's F16 row scales as floats, L per block (pairs of blocks {@code pairBytes} apart). */
    private static void blockPanelScales(MemorySegment seg, long panel, int blocks, long pairBytes, float[] dst) {
        for (int blk = 0; blk < blocks; blk++) packedScales(seg, panel + (blk >> 1) * pairBytes + (blk & 1) * PANEL_SCALES).intoArray(dst, blk * PANEL);
    }

    /**
     * Block sums of the Q8_0 panel (byte quants, PackedBlocks) against vectors {@code b + min(t, n - 1)},
     * t < 4, as ints into sums[(blk*4 + t) * L ..], each exactly as {@link #q8_0Tile1} forms it.
     */
    private static void q8_0Sums4(MemorySegment seg, long panel, int blocks, int[] pairs, int b, int n, int cols, int[] sums) {
        int half = cols / 2;
        int v1 = b + Math.min(1, n - 1), v2 = b + Math.min(2, n - 1), v3 = b + n - 1; // a short tile repeats its last vector
        int x0 = b * half, x1 = v1 * half, x2 = v2 * half, x3 = v3 * half;
        ShortVector bias = IntVector.broadcast(I, Q8_0_BIAS).reinterpretAsShorts();
        for (int blk = 0; blk < blocks; blk++) {
            long block = panel + (blk >> 1) * Q8_0_PAIR + 2 * PANEL_SCALES + (blk & 1) * Q8_0_BLOCK;
            IntVector all0 = IntVector.zero(I), all1 = all0, all2 = all0, all3 = all0;
            IntVector odd0 = all0, odd1 = all0, odd2 = all0, odd3 = all0;
            int m = 16 * blk;
            for (int c = 0; c < 8; c++, m += 2) {
                ShortVector q = ShortVector.fromMemorySegment(SI, seg, block + c * PANEL_CHUNK, LE);
                ShortVector lo = q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8), hi = q.lanewise(VectorOperators.ASHR, 8);
                IntVector s0 = bias.add(lo.mul(IntVector.broadcast(I, pairs[x0 + m]).reinterpretAsShorts()))
                        .add(hi.mul(IntVector.broadcast(I, pairs[x0 + m + 1]).reinterpretAsShorts())).reinterpretAsInts();
                IntVector s1 = bias.add(lo.mul(IntVector.broadcast(I, pairs[x1 + m]).reinterpretAsShorts()))
                        .add(hi.mul(IntVector.broadcast(I, pairs[x1 + m + 1]).reinterpretAsShorts())).reinterpretAsInts();
                IntVector s2 = bias.add(lo.mul(IntVector.broadcast(I, pairs[x2 + m]).reinterpretAsShorts()))
                        .add(hi.mul(IntVector.broadcast(I, pairs[x2 + m + 1]).reinterpretAsShorts())).reinterpretAsInts();
                IntVector s3 = bias.add(lo.mul(IntVector.broadcast(I, pairs[x3 + m]).reinterpretAsShorts()))
                        .add(hi.mul(IntVector.broadcast(I, pairs[x3 + m + 1]).reinterpretAsShorts())).reinterpretAsInts();
                all0 = all0.add(s0);
                all1 = all1.add(s1);
                all2 = all2.add(s2);
                all3 = all3.add(s3);
                odd0 = odd0.add(s0.lanewise(VectorOperators.ASHR, 16));
                odd1 = odd1.add(s1.lanewise(VectorOperators.ASHR, 16));
                odd2 = odd2.add(s2.lanewise(VectorOperators.ASHR, 16));
                odd3 = odd3.add(s3.lanewise(VectorOperators.ASHR, 16));
            }
            int s = blk * 4 * L;
            all0.sub(odd0.mul(0xFFFF)).sub(Q8_0_BIASES).intoArray(sums, s);
            all1.sub(odd1.mul(0xFFFF)).sub(Q8_0_BIASES).intoArray(sums, s + L);
            all2.sub(odd2.mul(0xFFFF)).sub(Q8_0_BIASES).intoArray(sums, s + 2 * L);
            all3.sub(odd3.mul(0xFFFF)).sub(Q8_0_BIASES).intoArray(sums, s + 3 * L);
        }
    }

    /** Q5_0 block sums against vectors {@code b + min(t, n - 1)}, t < 4 (q5_0Tile1's, four at a time), into sums[(blk*4 + t) * 2L ..]. */
    private static void q5_0Sums4(MemorySegment seg, long panel, int blocks, int[] pairs, int[] zeroPoints, int b, int n, int cols,
                                  short[] sums) {
        int half = cols / 2, nb = cols / 32, lanes = 2 * PANEL;
        int v1 = b + Math.min(1, n - 1), v2 = b + Math.min(2, n - 1), v3 = b + n - 1; // a short tile repeats its last vector
        int x0 = b * half, x1 = v1 * half, x2 = v2 * half, x3 = v3 * half;
        int z0 = b * nb, z1 = v1 * nb, z2 = v2 * nb, z3 = v3 * nb;
        ShortVector mask = ShortVector.broadcast(SI, (short) 0x0F), bit4 = ShortVector.broadcast(SI, (short) 0x10);
        for (int blk = 0; blk < blocks; blk++) {
            long block = panel + (blk >> 1) * Q5_0_PAIR + 2 * PANEL_SCALES + (blk & 1) * Q5_0_BLOCK;
            ShortVector a0 = IntVector.broadcast(I, zeroPoints[z0 + blk]).reinterpretAsShorts();
            ShortVector a1 = IntVector.broadcast(I, zeroPoints[z1 + blk]).reinterpretAsShorts();
            ShortVector a2 = IntVector.broadcast(I, zeroPoints[z2 + blk]).reinterpretAsShorts();
            ShortVector a3 = IntVector.broadcast(I, zeroPoints[z3 + blk]).reinterpretAsShorts();
            a0 = a0.add(a0);
            a1 = a1.add(a1);
            a2 = a2.add(a2);
            a3 = a3.add(a3);
            // nibble j of chunk c has its fifth bit at bit 4c + j of the chunk: moved to bit 4 by one shift per nibble,
            // left by 4 for chunk 0 and from the unshifted chunk on from chunk 1 (bits 12-15 do not survive the left shift)
            ShortVector bits = ShortVector.fromMemorySegment(SI, seg, block + 4 * PANEL_CHUNK, LE), fifth = bits.lanewise(VectorOperators.LSHL, 4);
            int m = 16 * blk;
            for (int c = 0; c < 4; c++) {
                if (c == 1) fifth = bits;
                ShortVector q = ShortVector.fromMemorySegment(SI, seg, block + c * PANEL_CHUNK, LE);
                for (int j = 0; j < 4; j++, m++) {
                    ShortVector w = q.and(mask).or(fifth.and(bit4));
                    a0 = a0.add(w.mul(IntVector.broadcast(I, pairs[x0 + m]).reinterpretAsShorts()));
                    a1 = a1.add(w.mul(IntVector.broadcast(I, pairs[x1 + m]).reinterpretAsShorts()));
                    a2 = a2.add(w.mul(IntVector.broadcast(I, pairs[x2 + m]).reinterpretAsShorts()));
                    a3 = a3.add(w.mul(IntVector.broadcast(I, pairs[x3 + m]).reinterpretAsShorts()));
                    q = q.lanewise(VectorOperators.LSHR, 4);
                    fifth = fifth.lanewise(VectorOperators.LSHR, 1);
                }
            }
            int s = blk * 4 * lanes;
            a0.intoArray(sums, s);
            a1.intoArray(sums, s + lanes);
            a2.intoArray(sums, s + 2 * lanes);
            a3.intoArray(sums, s + 3 * lanes);
        }
    }

    /** Scales tile vector t's Q8_0 block sums (from q8_0Sums4) into out[o .. o + L), as q8_0Tile1 does. */
    private static void q8_0Scale(float[] rowScales, int blocks, int[] sums, int t, float[] scales, int s0, float[] out, int o) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < blocks; blk++) {
            FloatVector s = (FloatVector) IntVector.fromArray(I, sums, (blk * 4 + t) * L).convert(VectorOperators.I2F, 0);
            acc = s.fma(FloatVector.fromArray(F, rowScales, blk * PANEL).mul(scales[s0 + blk]), acc);
        }
        acc.intoArray(out, o);
    }

    /**
     * Q8_0 panel against one vector. Per chunk, each 16-bit lane sums its two products (at most
     * 2 x 128 x 127, within 16 bits) plus {@link #Q8_0_BIAS} in the even lanes, which makes a lane
     * pair read as an int exactly {@code 65536 odd + (even + 32768)}; the block adds those ints and
     * the odd halves (an arithmetic shift), and {@code all - 65535 odd - 8 x 32768} is then
     * {@code even + odd} exactly (the wrapped int arithmetic ends in range). Five operations per
     * chunk where the nibble planes took twice the multiplies and a shift and a mask per nibble.
     * Two chunks per pass keep it over C2's FreqInlineSize (KernelRootsTest).
     */
    private static void q8_0Tile1(MemorySegment seg, long panel, int blocks, int[] pairs, int p0, float[] scales, int s0,
                                  float[] out, int o) {
        FloatVector acc = FloatVector.zero(F);
        ShortVector bias = IntVector.broadcast(I, Q8_0_BIAS).reinterpretAsShorts();
        for (int blk = 0; blk < blocks; blk++) {
            long pair = panel + (blk >> 1) * Q8_0_PAIR;
            long block = pair + 2 * PANEL_SCALES + (blk & 1) * Q8_0_BLOCK;
            IntVector all = IntVector.zero(I), odd = all;
            int m = p0 + 16 * blk;
            for (int c = 0; c < 8; c += 2, m += 4) { // chunk c: low bytes against pair m, high bytes against m + 1; two per pass
                ShortVector q = ShortVector.fromMemorySegment(SI, seg, block + c * PANEL_CHUNK, LE);
                IntVector s = bias.add(q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(IntVector.broadcast(I, pairs[m]).reinterpretAsShorts()))
                        .add(q.lanewise(VectorOperators.ASHR, 8).mul(IntVector.broadcast(I, pairs[m + 1]).reinterpretAsShorts())).reinterpretAsInts();
                all = all.add(s);
                odd = odd.add(s.lanewise(VectorOperators.ASHR, 16));
                q = ShortVector.fromMemorySegment(SI, seg, block + (c + 1) * PANEL_CHUNK, LE);
                s = bias.add(q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(IntVector.broadcast(I, pairs[m + 2]).reinterpretAsShorts()))
                        .add(q.lanewise(VectorOperators.ASHR, 8).mul(IntVector.broadcast(I, pairs[m + 3]).reinterpretAsShorts())).reinterpretAsInts();
                all = all.add(s);
                odd = odd.add(s.lanewise(VectorOperators.ASHR, 16));
            }
            FloatVector sums = (FloatVector) all.sub(odd.mul(0xFFFF)).sub(Q8_0_BIASES).convert(VectorOperators.I2F, 0);
            acc = sums.fma(packedScales(seg, pair + (blk & 1) * PANEL_SCALES).mul(scales[s0 + blk]), acc);
        }
        acc.intoArray(out, o);
    }

    /**
     * Q5_0 panel against one vector: the low-nibble plane with each fifth bit or-ed in at bit 4,
     * and the zero point {@code -16 sum a} (twice Q4_0's) folded into the 16-bit sums.
     */
    private static void q5_0Tile1(MemorySegment seg, long panel, int blocks, int[] pairs, int p0, int[] zeroPoints,
                                  float[] scales, int s0, float[] out, int o) {
        FloatVector acc = FloatVector.zero(F);
        ShortVector mask = ShortVector.broadcast(SI, (short) 0x0F), bit4 = ShortVector.broadcast(SI, (short) 0x10);
        for (int blk = 0; blk < blocks; blk++) {
            long pair = panel + (blk >> 1) * Q5_0_PAIR;
            long block = pair + 2 * PANEL_SCALES + (blk & 1) * Q5_0_BLOCK;
            ShortVector a = IntVector.broadcast(I, zeroPoints[s0 + blk]).reinterpretAsShorts();
            a = a.add(a);
            // nibble j of chunk c has its fifth bit at bit 4c + j of the chunk: moved to bit 4 by one shift per nibble,
            // left by 4 for chunk 0 and from the unshifted chunk on from chunk 1 (bits 12-15 do not survive the left shift)
            ShortVector bits = ShortVector.fromMemorySegment(SI, seg, block + 4 * PANEL_CHUNK, LE), fifth = bits.lanewise(VectorOperators.LSHL, 4);
            int m = p0 + 16 * blk;
            for (int c = 0; c < 4; c++) {
                if (c == 1) fifth = bits;
                ShortVector q = ShortVector.fromMemorySegment(SI, seg, block + c * PANEL_CHUNK, LE);
                for (int j = 0; j < 4; j++, m++) {
                    a = a.add(q.and(mask).or(fifth.and(bit4)).mul(IntVector.broadcast(I, pairs[m]).reinterpretAsShorts()));
                    q = q.lanewise(VectorOperators.LSHR, 4);
                    fifth = fifth.lanewise(VectorOperators.LSHR, 1);
                }
            }
            acc = pairSums(a).fma(packedScales(seg, pair + (blk & 1) * PANEL_SCALES).mul(scales[s0 + blk]), acc);
        }
        acc.intoArray(out, o);
    }
}
