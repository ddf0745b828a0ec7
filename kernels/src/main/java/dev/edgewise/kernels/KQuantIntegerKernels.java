package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * The integer kernels of the K-quants for one float species {@link #F}: packed Q4_K, Q5_K and
 * Q6_K panels ({@link PackedBlocks} explains the planes) against activations quantized to 8 bits
 * per 32 values ({@link Int8Activations}), in the arithmetic of ggml's
 * {@code ggml_vec_dot_q4_K_q8_K} / {@code q5_K} / {@code q6_K}: products of integer weights and
 * activation quants summed exactly as integers per sub-block, then the sub-block's integer scale,
 * then the float scales. (ggml's activation blocks hold 256 values with one scale; here each
 * 32 values have theirs, so the float step is per 32 columns.) {@code IntegerKernels} checks the
 * arguments and hands K-quant packings here; loaded per species like it ({@link KernelsBySpecies},
 * same rules: no nested classes or lambdas, every width-dependent fact from {@link #F}).
 *
 * <p>As for the other packings: a single vector runs a one-pass kernel per panel; tiles of 4
 * vectors decode each chunk once for all four into 16-bit sub-block sums (a per-thread scratch)
 * that a second pass per vector scales with the panel's scales converted to floats once per panel
 * (one method doing both passes outgrows C2's inlining budget); a last 2 or 3 vectors run the tile
 * with the last vector repeated. Every sub-block sum is an exact integer (also after its integer
 * scale: below 2^24) and the scaling is the same float operations in the same order in both
 * passes, so a vector's result does not depend on the tile it ran in.
 */
final class KQuantIntegerKernels implements BlockKernels {

    static final VectorSpecies<Float> F = KernelsBySpecies.speciesOf(MethodHandles.lookup());
    private static final int L = F.length();
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** F16 scales and short scale pairs: L halves as one short vector (the narrowest has 4 lanes). */
    private static final VectorSpecies<Short> S = L >= 4 && L <= 32 ? VectorSpecies.of(short.class, VectorShape.forBitSize(16 * L)) : null;
    /** The 16-bit lanes: 2L shorts, a lane pair per panel row (panels of L rows). */
    private static final VectorSpecies<Short> SI = L >= 4 ? VectorSpecies.of(short.class, F.vectorShape()) : null;
    private static final int PANEL = SI != null ? L : 0;

    /** A chunk of 2L shorts, a 32-column nibble plane (4 chunks), and the super-block header of L rows. */
    private static final long CHUNK = 4L * PANEL, PLANE = 4 * CHUNK, HEADER = (long) PackedBlocks.K_HEADER_BYTES * PANEL;
    /** A 32-column sub-block: the plane, then Q5_K's fifth-bit chunk or Q6_K's two high-bit chunks. */
    private static final long Q4_K_SUB = PLANE, Q5_K_SUB = PLANE + CHUNK, Q6_K_SUB = PLANE + 2 * CHUNK;
    private static final long Q4_K_SUPER = HEADER + 8 * Q4_K_SUB, Q5_K_SUPER = HEADER + 8 * Q5_K_SUB, Q6_K_SUPER = HEADER + 8 * Q6_K_SUB;
    /** Panel scales per super-block in the float scratch: Q4_K/Q5_K d, dmin, 8 scales, 8 mins; Q6_K d, 16 scales (L each). */
    private static final int Q4_K_SCALES = 18, Q6_K_SCALES = 17;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** 2^112: rebiases a half's exponent (bias 15) to a float's (bias 127), normals and subnormals alike. */
    private static final float HALF_EXPONENT_REBIAS = 0x1p112f;

    KQuantIntegerKernels() {}

    @Override
    public String toString() {
        return "KQuantIntegerKernels[" + F + "]";
    }

    /** Rows {@code [rowStart, rowEnd)} of a K-quant packing, arguments already checked by IntegerKernels. */
    @Override
    public void matmulRowsInt8(PackedBlocks w, Int8Activations x, float[] out, int rowStart, int rowEnd) {
        int batch = x.batch, rows = w.rows(), blocks = w.cols() / 32, superBlocks = blocks / 8;
        MemorySegment seg = w.data();
        long panelStride = w.panelStride();
        GGMLType type = w.type();
        boolean q6 = type == GGMLType.Q6_K, q5 = type == GGMLType.Q5_K;
        short[] sums = null;
        float[] rowScales = null;
        if (batch >= 2) {
            sums = Scratch.SHORT_SUMS.atLeast((q6 ? 2 : 1) * blocks * 8 * PANEL); // Q6_K: per 16 columns
            rowScales = Scratch.ROW_SCALES.atLeast(superBlocks * (q6 ? Q6_K_SCALES : Q4_K_SCALES) * PANEL);
        }
        for (int r = rowStart; r < rowEnd; r += PANEL) {
            long panel = (r / PANEL) * panelStride;
            int b = 0;
            if (batch >= 2) {
                if (q6) q6_KPanelScales(seg, panel, superBlocks, rowScales);
                else q4_KPanelScales(seg, panel, superBlocks, q5 ? Q5_K_SUPER : Q4_K_SUPER, rowScales);
                for (; batch - b >= 2; b += 4) {
                    int n = Math.min(4, batch - b);
                    if (q6) q6_KSums4(seg, panel, blocks, x.pairs, x.halfSums, b, n, x.cols, sums);
                    else if (q5) q5_KSums4(seg, panel, blocks, x.pairs, x.zeroPoints, b, n, x.cols, sums);
                    else q4_KSums4(seg, panel, blocks, x.chains, b, n, x.cols, sums);
                    for (int t = 0; t < n; t++) {
                        int s0 = (b + t) * blocks, o = (b + t) * rows + r;
                        if (q6) q6_KScale(rowScales, superBlocks, sums, t, x.scales, s0, out, o);
                        else q4_KScale(rowScales, superBlocks, q5 ? 16 : 0, sums, t, x.scales, x.zeroPoints, s0, out, o);
                    }
                }
            }
            for (; b < batch; b++) {
                int p0 = b * x.cols / 2, s0 = b * blocks, o = b * rows + r;
                if (q6) q6_KTile1(seg, panel, superBlocks, x.chains, x.highChains, p0, x.halfSums, x.scales, s0, out, o);
                else if (q5) q5_KTile1(seg, panel, superBlocks, x.pairs, p0, x.zeroPoints, x.scales, s0, out, o);
                else q4_KTile1(seg, panel, superBlocks, x.chains, p0, x.zeroPoints, x.scales, s0, out, o);
            }
        }
    }

    /** Even plus odd 16-bit lane of each pair, as L floats (one per panel row). */
    private static FloatVector pairSums(ShortVector a) {
        IntVector i = a.reinterpretAsInts();
        IntVector sum = i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i.lanewise(VectorOperators.ASHR, 16));
        return (FloatVector) sum.convert(VectorOperators.I2F, 0);
    }

    /** L F16 row scales as floats (finite: PackedBlocks.canPack; IntegerKernels.rawScales explains the bits). */
    private static FloatVector packedScales(MemorySegment seg, long offset) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, seg, offset, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector bits = h.lanewise(VectorOperators.LSHL, 13).and(0x0FFF_E000).or(h.and(0x8000_0000));
        return bits.reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS);
    }

    /** The L rows' scale shorts of sub-block j (scale and min, or Q6_K's two halves' scales), sign-extended to ints. */
    private static IntVector scaleShorts(MemorySegment seg, long base, int j) {
        return (IntVector) ShortVector.fromMemorySegment(S, seg, base + (4L + 2 * j) * PANEL, LE).convertShape(VectorOperators.S2I, I, 0);
    }

    /** The activation sum of a block from its Q4_0 zero points ({@code -8 sum a} per parity). */
    private static int activationSum(int zp) {
        return -(((short) zp) + (zp >> 16)) / 8;
    }

    // ---------------------------------------------------------------------------------------------
    // Q4_K and Q5_K: 32-column sub-blocks with a 6-bit scale and min each. Q4_K sums q a in 16 bits
    // (16 products of at most 15 x 127 per lane); Q5_K sums (q - 16) a (Q5_0's zero point,
    // -16 sum a) and adds 16 sum a back as an integer. Per sub-block the integer sum times the scale
    // and the activation block's scale; per super-block times d, less dmin times the mins' term
    // sum_j m_j d_a sum a.

    /**
     * Q4_K panel against one vector: per 32-column sub-block j the plane's sums {@code sum q a}
     * times the row's scale and the activation block's; per super-block the mins' term
     * {@code dmin * sum_j m_j d_a sum a} taken off. Its vector helpers are written out (see
     * {@link #q6_KTile1}).
     */
    private static void q4_KTile1(MemorySegment seg, long panel, int superBlocks, int[] chains, int p0, int[] zeroPoints,
                                  float[] scales, int s0, float[] out, int o) {
        FloatVector acc = FloatVector.zero(F);
        for (int sb = 0; sb < superBlocks; sb++) {
            long base = panel + sb * Q4_K_SUPER;
            FloatVector sums = FloatVector.zero(F), mins = sums;
            for (int j = 0; j < 8; j++) {
                int blk = 8 * sb + j;
                long plane = base + HEADER + j * Q4_K_SUB;
                ShortVector a = ShortVector.zero(SI);
                int m = p0 + 16 * blk;
                for (int c = 0; c < 4; c++, m += 4) { // unmasked shifts against chained pairs (Int8Activations)
                    ShortVector q = ShortVector.fromMemorySegment(SI, seg, plane + c * CHUNK, LE);
                    ShortVector lo = q.mul(IntVector.broadcast(I, chains[m]).reinterpretAsShorts())
                            .add(q.lanewise(VectorOperators.LSHR, 4).mul(IntVector.broadcast(I, chains[m + 1]).reinterpretAsShorts()));
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 8).mul(IntVector.broadcast(I, chains[m + 2]).reinterpretAsShorts())
                            .add(q.lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I, chains[m + 3]).reinterpretAsShorts()));
                    a = a.add(lo.add(hi)); // a tree, as IntegerKernels.int8Tile1
                }
                float da = scales[s0 + blk];
                float aSum = da * activationSum(zeroPoints[s0 + blk]);
                IntVector scaleMin = (IntVector) ShortVector.fromMemorySegment(S, seg, base + (4L + 2 * j) * PANEL, LE).convertShape(VectorOperators.S2I, I, 0);
                FloatVector sc = (FloatVector) scaleMin.and(0xFF).convert(VectorOperators.I2F, 0);
                FloatVector mn = (FloatVector) scaleMin.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0);
                IntVector ai = a.reinterpretAsInts();
                FloatVector sum = (FloatVector) ai.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(ai.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0);
                sums = sum.mul(sc).fma(FloatVector.broadcast(F, da), sums);
                mins = mn.fma(FloatVector.broadcast(F, aSum), mins);
            }
            IntVector d = (IntVector) ShortVector.fromMemorySegment(S, seg, base, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector dmin = (IntVector) ShortVector.fromMemorySegment(S, seg, base + 2L * PANEL, LE).convertShape(VectorOperators.S2I, I, 0);
            acc = sums.fma(d.lanewise(VectorOperators.LSHL, 13).and(0x0FFF_E000).or(d.and(0x8000_0000)).reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS), acc);
            acc = mins.neg().fma(dmin.lanewise(VectorOperators.LSHL, 13).and(0x0FFF_E000).or(dmin.and(0x8000_0000)).reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS), acc);
        }
        acc.intoArray(out, o);
    }

    /** Q5_K panel against one vector: q4_KTile1 with each fifth bit or-ed in at bit 4 (as Q5_0) and {@code 16 sum a} added back. */
    private static void q5_KTile1(MemorySegment seg, long panel, int superBlocks, int[] pairs, int p0, int[] zeroPoints,
                                  float[] scales, int s0, float[] out, int o) {
        FloatVector acc = FloatVector.zero(F);
        ShortVector mask = ShortVector.broadcast(SI, (short) 0x0F), bit4 = ShortVector.broadcast(SI, (short) 0x10);
        for (int sb = 0; sb < superBlocks; sb++) {
            long base = panel + sb * Q5_K_SUPER;
            FloatVector sums = FloatVector.zero(F), mins = sums;
            for (int j = 0; j < 8; j++) {
                int blk = 8 * sb + j;
                long plane = base + HEADER + j * Q5_K_SUB;
                int zp = zeroPoints[s0 + blk];
                ShortVector a = IntVector.broadcast(I, zp).reinterpretAsShorts();
                a = a.add(a);
                ShortVector fifth = ShortVector.fromMemorySegment(SI, seg, plane + PLANE, LE);
                int m = p0 + 16 * blk;
                for (int c = 0; c < 4; c++) {
                    ShortVector q = ShortVector.fromMemorySegment(SI, seg, plane + c * CHUNK, LE);
                    for (int jj = 0; jj < 4; jj++, m++) { // nibble jj's fifth bit is bit 4c + jj of `fifth`
                        a = a.add(q.and(mask).or(fifth.lanewise(VectorOperators.LSHL, 4).and(bit4)).mul(IntVector.broadcast(I, pairs[m]).reinterpretAsShorts()));
                        q = q.lanewise(VectorOperators.LSHR, 4);
                        fifth = fifth.lanewise(VectorOperators.LSHR, 1);
                    }
                }
                float da = scales[s0 + blk];
                int aSum = activationSum(zp);
                IntVector scaleMin = (IntVector) ShortVector.fromMemorySegment(S, seg, base + (4L + 2 * j) * PANEL, LE).convertShape(VectorOperators.S2I, I, 0);
                FloatVector sc = (FloatVector) scaleMin.and(0xFF).convert(VectorOperators.I2F, 0);
                FloatVector mn = (FloatVector) scaleMin.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0);
                IntVector ai = a.reinterpretAsInts();
                FloatVector sum = (FloatVector) ai.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(ai.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0);
                sums = sum.add(16 * aSum).mul(sc).fma(FloatVector.broadcast(F, da), sums);
                mins = mn.fma(FloatVector.broadcast(F, da * aSum), mins);
            }
            IntVector d = (IntVector) ShortVector.fromMemorySegment(S, seg, base, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector dmin = (IntVector) ShortVector.fromMemorySegment(S, seg, base + 2L * PANEL, LE).convertShape(VectorOperators.S2I, I, 0);
            acc = sums.fma(d.lanewise(VectorOperators.LSHL, 13).and(0x0FFF_E000).or(d.and(0x8000_0000)).reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS), acc);
            acc = mins.neg().fma(dmin.lanewise(VectorOperators.LSHL, 13).and(0x0FFF_E000).or(dmin.and(0x8000_0000)).reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS), acc);
        }
        acc.intoArray(out, o);
    }

    /** A Q4_K or Q5_K panel's d, dmin, sub-block scales and mins as floats, {@link #Q4_K_SCALES} L per super-block. */
    private static void q4_KPanelScales(MemorySegment seg, long panel, int superBlocks, long superBytes, float[] dst) {
        for (int sb = 0; sb < superBlocks; sb++) {
            long base = panel + sb * superBytes;
            int d0 = sb * Q4_K_SCALES * PANEL;
            packedScales(seg, base).intoArray(dst, d0);
            packedScales(seg, base + 2L * PANEL).intoArray(dst, d0 + PANEL);
            for (int j = 0; j < 8; j++) {
                IntVector scaleMin = scaleShorts(seg, base, j);
                ((FloatVector) scaleMin.and(0xFF).convert(VectorOperators.I2F, 0)).intoArray(dst, d0 + (2 + j) * PANEL);
                ((FloatVector) scaleMin.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0)).intoArray(dst, d0 + (10 + j) * PANEL);
            }
        }
    }

    /** Q4_K sub-block sums {@code sum q a} against vectors {@code b + min(t, n - 1)}, t < 4, into sums[(blk*4 + t) * 2L ..]. */
    private static void q4_KSums4(MemorySegment seg, long panel, int blocks, int[] chains, int b, int n, int cols, short[] sums) {
        int half = cols / 2, lanes = 2 * PANEL;
        int x0 = b * half, x1 = (b + Math.min(1, n - 1)) * half, x2 = (b + Math.min(2, n - 1)) * half, x3 = (b + n - 1) * half;
        for (int blk = 0; blk < blocks; blk++) {
            long plane = panel + (blk >> 3) * Q4_K_SUPER + HEADER + (blk & 7) * Q4_K_SUB;
            ShortVector a0 = ShortVector.zero(SI), a1 = a0, a2 = a0, a3 = a0;
            int m = 16 * blk;
            for (int c = 0; c < 4; c++) {
                ShortVector q = ShortVector.fromMemorySegment(SI, seg, plane + c * CHUNK, LE);
                // one nibble per pass: a rolled loop keeps the parsed method under C2's node budget
                for (int j = 0; j < 4; j++, m++, q = q.lanewise(VectorOperators.LSHR, 4)) { // no mask: chained pairs
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

    /** Q5_K sub-block sums {@code sum (q - 16) a} against vectors {@code b + min(t, n - 1)}, t < 4, into sums[(blk*4 + t) * 2L ..]. */
    private static void q5_KSums4(MemorySegment seg, long panel, int blocks, int[] pairs, int[] zeroPoints, int b, int n, int cols,
                                  short[] sums) {
        int half = cols / 2, nb = cols / 32, lanes = 2 * PANEL;
        int v1 = b + Math.min(1, n - 1), v2 = b + Math.min(2, n - 1), v3 = b + n - 1; // a short tile repeats its last vector
        int x0 = b * half, x1 = v1 * half, x2 = v2 * half, x3 = v3 * half;
        int z0 = b * nb, z1 = v1 * nb, z2 = v2 * nb, z3 = v3 * nb;
        ShortVector mask = ShortVector.broadcast(SI, (short) 0x0F), bit4 = ShortVector.broadcast(SI, (short) 0x10);
        for (int blk = 0; blk < blocks; blk++) {
            long plane = panel + (blk >> 3) * Q5_K_SUPER + HEADER + (blk & 7) * Q5_K_SUB;
            ShortVector a0 = IntVector.broadcast(I, zeroPoints[z0 + blk]).reinterpretAsShorts();
            ShortVector a1 = IntVector.broadcast(I, zeroPoints[z1 + blk]).reinterpretAsShorts();
            ShortVector a2 = IntVector.broadcast(I, zeroPoints[z2 + blk]).reinterpretAsShorts();
            ShortVector a3 = IntVector.broadcast(I, zeroPoints[z3 + blk]).reinterpretAsShorts();
            a0 = a0.add(a0);
            a1 = a1.add(a1);
            a2 = a2.add(a2);
            a3 = a3.add(a3);
            ShortVector fifth = ShortVector.fromMemorySegment(SI, seg, plane + PLANE, LE);
            int m = 16 * blk;
            for (int c = 0; c < 4; c++) {
                ShortVector q = ShortVector.fromMemorySegment(SI, seg, plane + c * CHUNK, LE);
                for (int j = 0; j < 4; j++, m++) {
                    ShortVector w = q.and(mask).or(fifth.lanewise(VectorOperators.LSHL, 4).and(bit4));
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

    /**
     * Scales tile vector t's Q4_K or Q5_K sub-block sums into out[o .. o + L), as q4_KTile1 and
     * q5_KTile1 do; {@code bias} (Q5_K 16, Q4_K 0) times the activation sum is added back first.
     */
    private static void q4_KScale(float[] rowScales, int superBlocks, int bias, short[] sums, int t, float[] scales, int[] zeroPoints,
                                  int s0, float[] out, int o) {
        int lanes = 2 * PANEL;
        FloatVector acc = FloatVector.zero(F);
        for (int sb = 0; sb < superBlocks; sb++) {
            int d0 = sb * Q4_K_SCALES * PANEL;
            FloatVector subSums = FloatVector.zero(F), mins = subSums;
            for (int j = 0; j < 8; j++) {
                int blk = 8 * sb + j;
                float da = scales[s0 + blk];
                int aSum = activationSum(zeroPoints[s0 + blk]);
                FloatVector sc = FloatVector.fromArray(F, rowScales, d0 + (2 + j) * PANEL);
                FloatVector mn = FloatVector.fromArray(F, rowScales, d0 + (10 + j) * PANEL);
                FloatVector s = pairSums(ShortVector.fromArray(SI, sums, (blk * 4 + t) * lanes));
                if (bias != 0) s = s.add(bias * aSum);
                subSums = s.mul(sc).fma(FloatVector.broadcast(F, da), subSums);
                mins = mn.fma(FloatVector.broadcast(F, da * aSum), mins);
            }
            acc = subSums.fma(FloatVector.fromArray(F, rowScales, d0), acc);
            acc = mins.neg().fma(FloatVector.fromArray(F, rowScales, d0 + PANEL), acc);
        }
        acc.intoArray(out, o);
    }

    // ---------------------------------------------------------------------------------------------
    // Q6_K: 16-column halves with a signed 8-bit scale each, no min. Each half sums (q - 32) a in
    // 16 bits (8 products of at most 32 x 127 per lane) with the zero point -32 sum a of its half
    // folded in (the products of q up to 63 wrap the lanes on the way; the total does not); per
    // 32 columns the two halves' sums times their scales, added as exact integers, times the
    // activation block's scale; per super-block times d. The low four bits multiply unmasked
    // against the chained pairs, as Q4_0's nibbles; the 2-bit high parts too, shifted by 2 per
    // field against Int8Activations' high chains, which also put them at 16 times: 3 operations
    // per 2L products instead of 7 (and, and, or, two shifts, multiply, add), exact as before
    // (JMH 1024x1024 one thread, alternated: 22.2-22.7 against 17.2-20.5 GB/s). Not in the tiles of
    // four: there the decoding is shared by four vectors and the high parts' own multiplies are
    // what counts (batch 16 measured 25% slower), so q6_KSums4 decodes each 6-bit quant whole.

    /**
     * Q6_K panel against one vector. Its vector helpers are written out, here and in q4_KTile1 and
     * q5_KTile1: in these one-pass kernels C2 reaches its inlining node budget and leaves helper
     * calls out of line, boxing every vector they take or return (KernelAllocationTest).
     */
    private static void q6_KTile1(MemorySegment seg, long panel, int superBlocks, int[] chains, int[] highChains, int p0, int[] halfSums,
                                  float[] scales, int s0, float[] out, int o) {
        FloatVector acc = FloatVector.zero(F);
        for (int sb = 0; sb < superBlocks; sb++) {
            long base = panel + sb * Q6_K_SUPER;
            FloatVector sums = FloatVector.zero(F);
            for (int j = 0; j < 8; j++) {
                int blk = 8 * sb + j;
                long plane = base + HEADER + j * Q6_K_SUB;
                IntVector scalePair = (IntVector) ShortVector.fromMemorySegment(S, seg, base + (4L + 2 * j) * PANEL, LE).convertShape(VectorOperators.S2I, I, 0);
                IntVector dot = IntVector.zero(I);
                int m = p0 + 16 * blk;
                for (int h = 0; h < 2; h++) { // 16-column halves: pairs m .. m + 7
                    ShortVector a = IntVector.broadcast(I, halfSums[2 * (s0 + blk) + h]).reinterpretAsShorts().mul((short) -32);
                    for (int c = 2 * h; c < 2 * h + 2; c++) { // the low four bits: unmasked shifts against chained pairs
                        ShortVector q = ShortVector.fromMemorySegment(SI, seg, plane + c * CHUNK, LE);
                        int n = m + 4 * (c & 1);
                        ShortVector lo = q.mul(IntVector.broadcast(I, chains[n]).reinterpretAsShorts())
                                .add(q.lanewise(VectorOperators.LSHR, 4).mul(IntVector.broadcast(I, chains[n + 1]).reinterpretAsShorts()));
                        ShortVector hi = q.lanewise(VectorOperators.LSHR, 8).mul(IntVector.broadcast(I, chains[n + 2]).reinterpretAsShorts())
                                .add(q.lanewise(VectorOperators.LSHR, 12).mul(IntVector.broadcast(I, chains[n + 3]).reinterpretAsShorts()));
                        a = a.add(lo.add(hi)); // a tree, as IntegerKernels.int8Tile1
                    }
                    ShortVector hi = ShortVector.fromMemorySegment(SI, seg, plane + PLANE + h * CHUNK, LE);
                    for (int k = 0; k < 8; k++, hi = hi.lanewise(VectorOperators.LSHR, 2)) { // the high parts, times 16 by their chains
                        a = a.add(hi.mul(IntVector.broadcast(I, highChains[m + k]).reinterpretAsShorts()));
                    }
                    m += 8;
                    IntVector ai = a.reinterpretAsInts();
                    IntVector sum = ai.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(ai.lanewise(VectorOperators.ASHR, 16));
                    dot = dot.add(sum.mul(scalePair.lanewise(VectorOperators.LSHL, 24 - 8 * h).lanewise(VectorOperators.ASHR, 24))); // byte h, signed
                }
                sums = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, scales[s0 + blk]), sums);
            }
            IntVector d = (IntVector) ShortVector.fromMemorySegment(S, seg, base, LE).convertShape(VectorOperators.S2I, I, 0);
            acc = sums.fma(d.lanewise(VectorOperators.LSHL, 13).and(0x0FFF_E000).or(d.and(0x8000_0000)).reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS), acc);
        }
        acc.intoArray(out, o);
    }

    /** A Q6_K panel's d and 16 scales as floats, {@link #Q6_K_SCALES} L per super-block. */
    private static void q6_KPanelScales(MemorySegment seg, long panel, int superBlocks, float[] dst) {
        for (int sb = 0; sb < superBlocks; sb++) {
            long base = panel + sb * Q6_K_SUPER;
            int d0 = sb * Q6_K_SCALES * PANEL;
            packedScales(seg, base).intoArray(dst, d0);
            for (int j = 0; j < 8; j++) {
                IntVector scalePair = scaleShorts(seg, base, j);
                IntVector sc0 = scalePair.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24);
                ((FloatVector) sc0.convert(VectorOperators.I2F, 0)).intoArray(dst, d0 + (1 + 2 * j) * PANEL);
                ((FloatVector) scalePair.lanewise(VectorOperators.ASHR, 8).convert(VectorOperators.I2F, 0)).intoArray(dst, d0 + (2 + 2 * j) * PANEL);
            }
        }
    }

    /** Q6_K half sums {@code sum (q - 32) a} against vectors {@code b + min(t, n - 1)}, t < 4, into sums[(half*4 + t) * 2L ..]. */
    private static void q6_KSums4(MemorySegment seg, long panel, int blocks, int[] pairs, int[] halfSums, int b, int n, int cols,
                                  short[] sums) {
        int half = cols / 2, nh = cols / 16, lanes = 2 * PANEL;
        int v1 = b + Math.min(1, n - 1), v2 = b + Math.min(2, n - 1), v3 = b + n - 1; // a short tile repeats its last vector
        int x0 = b * half, x1 = v1 * half, x2 = v2 * half, x3 = v3 * half;
        int z0 = b * nh, z1 = v1 * nh, z2 = v2 * nh, z3 = v3 * nh;
        ShortVector mask = ShortVector.broadcast(SI, (short) 0x0F), high = ShortVector.broadcast(SI, (short) 0x30);
        for (int k = 0; k < 2 * blocks; k++) { // 16-column halves
            int blk = k >> 1;
            long plane = panel + (blk >> 3) * Q6_K_SUPER + HEADER + (blk & 7) * Q6_K_SUB;
            ShortVector a0 = IntVector.broadcast(I, halfSums[z0 + k]).reinterpretAsShorts().mul((short) -32);
            ShortVector a1 = IntVector.broadcast(I, halfSums[z1 + k]).reinterpretAsShorts().mul((short) -32);
            ShortVector a2 = IntVector.broadcast(I, halfSums[z2 + k]).reinterpretAsShorts().mul((short) -32);
            ShortVector a3 = IntVector.broadcast(I, halfSums[z3 + k]).reinterpretAsShorts().mul((short) -32);
            ShortVector hi = ShortVector.fromMemorySegment(SI, seg, plane + PLANE + (k & 1) * CHUNK, LE);
            ShortVector h = hi.lanewise(VectorOperators.LSHL, 4);
            int m = 8 * k;
            for (int c = 2 * (k & 1); c < 2 * (k & 1) + 2; c++) {
                ShortVector q = ShortVector.fromMemorySegment(SI, seg, plane + c * CHUNK, LE);
                for (int j = 0; j < 4; j++, m++) {
                    ShortVector w = q.and(mask).or(h.and(high));
                    a0 = a0.add(w.mul(IntVector.broadcast(I, pairs[x0 + m]).reinterpretAsShorts()));
                    a1 = a1.add(w.mul(IntVector.broadcast(I, pairs[x1 + m]).reinterpretAsShorts()));
                    a2 = a2.add(w.mul(IntVector.broadcast(I, pairs[x2 + m]).reinterpretAsShorts()));
                    a3 = a3.add(w.mul(IntVector.broadcast(I, pairs[x3 + m]).reinterpretAsShorts()));
                    q = q.lanewise(VectorOperators.LSHR, 4);
                    h = h.lanewise(VectorOperators.LSHR, 2);
                }
                h = hi.lanewise(VectorOperators.LSHR, 4); // the second chunk's bits 8..15
            }
            int s = k * 4 * lanes;
            a0.intoArray(sums, s);
            a1.intoArray(sums, s + lanes);
            a2.intoArray(sums, s + 2 * lanes);
            a3.intoArray(sums, s + 3 * lanes);
        }
    }

    /** Scales tile vector t's Q6_K half sums (from q6_KSums4) into out[o .. o + L), as q6_KTile1 does. */
    private static void q6_KScale(float[] rowScales, int superBlocks, short[] sums, int t, float[] scales, int s0, float[] out, int o) {
        int lanes = 2 * PANEL;
        FloatVector acc = FloatVector.zero(F);
        for (int sb = 0; sb < superBlocks; sb++) {
            int d0 = sb * Q6_K_SCALES * PANEL;
            FloatVector blockSums = FloatVector.zero(F);
            for (int j = 0; j < 8; j++) {
                int k = 2 * (8 * sb + j);
                FloatVector sc0 = FloatVector.fromArray(F, rowScales, d0 + (1 + 2 * j) * PANEL);
                FloatVector sc1 = FloatVector.fromArray(F, rowScales, d0 + (2 + 2 * j) * PANEL);
                // both products and their sum are integers below 2^24: exact, as q6_KTile1's ints
                FloatVector dot = pairSums(ShortVector.fromArray(SI, sums, (k * 4 + t) * lanes)).mul(sc0)
                        .add(pairSums(ShortVector.fromArray(SI, sums, ((k + 1) * 4 + t) * lanes)).mul(sc1));
                blockSums = dot.fma(FloatVector.broadcast(F, scales[s0 + 8 * sb + j]), blockSums);
            }
            acc = blockSums.fma(FloatVector.fromArray(F, rowScales, d0), acc);
        }
        acc.intoArray(out, o);
    }
}
