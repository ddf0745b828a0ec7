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
 * The integer kernels of packed Q8_0 and Q5_0 for one float species {@link #F}, against 8-bit
 * activations ({@link PackedBlocks} explains the planes; the K-quants' are in
 * {@code KQuantIntegerKernels}, Q4_0's in {@code IntegerKernels}, which checks the arguments and
 * hands these packings here). Loaded per species like it ({@link KernelsBySpecies}, same rules: no
 * nested classes or lambdas, every width-dependent fact from {@link #F}).
 *
 * <p>As for Q4_0: tiles of 4 vectors decode each chunk once for all four into exact block sums (a
 * per-thread scratch: shorts for Q5_0, ints for Q8_0), which a second pass per vector scales with
 * the panel's row scales converted to floats once per panel; a last 2 or 3 vectors run the same
 * tile with the last vector repeated in the unused places, a last single one the one-vector pass.
 * Every block sum is an exact integer and the scaling is the same float operations in the same
 * order in both passes, so a vector's result does not depend on the tile it ran in (a branch
 * decodes the same tokens alone as among others).
 */
final class Q8Q5IntegerKernels implements BlockKernels {

    static final VectorSpecies<Float> F = KernelsBySpecies.speciesOf(MethodHandles.lookup());
    private static final int L = F.length();
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** F16 scales: L halves as one short vector (the narrowest has 4 lanes). */
    private static final VectorSpecies<Short> S = L >= 4 && L <= 32 ? VectorSpecies.of(short.class, VectorShape.forBitSize(16 * L)) : null;
    /** The 16-bit lanes: 2L shorts, a lane pair per panel row (panels of L rows). */
    private static final VectorSpecies<Short> SI = L >= 4 ? VectorSpecies.of(short.class, F.vectorShape()) : null;
    private static final int PANEL = SI != null ? L : 0;
    /**
     * The packings' layout at this width: a chunk of 2L shorts, a block's L F16 scales, and a pair
     * of blocks (both blocks' scales, then both blocks' planes): Q5_0 a nibble plane of 4 chunks and
     * a fifth-bit chunk, Q8_0 eight chunks of byte quants.
     */
    private static final long PANEL_CHUNK = 4L * PANEL, PANEL_SCALES = 2L * PANEL;
    private static final long Q5_0_BLOCK = 5 * PANEL_CHUNK, Q5_0_PAIR = 2 * (PANEL_SCALES + Q5_0_BLOCK);
    private static final long Q8_0_BLOCK = 8 * PANEL_CHUNK, Q8_0_PAIR = 2 * (PANEL_SCALES + Q8_0_BLOCK);
    /** Q8_0: 32768 in each lane pair's even (low) short, and what it adds up to over a block's 8 chunks. */
    private static final int Q8_0_BIAS = 0x8000, Q8_0_BIASES = 8 * 0x8000;
    /** IntegerKernels.SCALE_REBIAS: half the rebias of rawScales, on the activation's scale, half on the sum. */
    private static final float SCALE_REBIAS = 0x1p56f;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    Q8Q5IntegerKernels() {}

    @Override
    public String toString() {
        return "Q8Q5IntegerKernels[" + F + "]";
    }

    /** Rows {@code [rowStart, rowEnd)} of a Q8_0 or Q5_0 packing, arguments already checked by IntegerKernels. */
    @Override
    public void matmulRowsInt8(PackedBlocks w, Int8Activations x, float[] out, int rowStart, int rowEnd) {
        int batch = x.batch, rows = w.rows(), blocks = w.cols() / 32;
        MemorySegment seg = w.data();
        long panelStride = w.panelStride();
        boolean q8 = w.type() == GGMLType.Q8_0;
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
                        else q5_0Scale(rowScales, blocks, sums, t, x.scales, s0, out, o);
                    }
                }
            }
            for (; b < batch; b++) {
                if (q8) q8_0Tile1(seg, panel, blocks, x.pairs, b * x.cols / 2, x.scales, b * blocks, out, b * rows + r);
                else q5_0Tile1(seg, panel, blocks, x.pairs, b * x.cols / 2, x.zeroPoints, x.scales, b * blocks, out, b * rows + r);
            }
        }
    }

    /** A Q8_0 or Q5_0 panel's F16 row scales as rawScales, L per block (pairs of blocks {@code pairBytes} apart). */
    private static void blockPanelScales(MemorySegment seg, long panel, int blocks, long pairBytes, float[] dst) {
        for (int blk = 0; blk < blocks; blk++) rawScales(seg, panel + (blk >> 1) * pairBytes + (blk & 1) * PANEL_SCALES).intoArray(dst, blk * PANEL);
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
            acc = s.fma(FloatVector.fromArray(F, rowScales, blk * PANEL).mul(scales[s0 + blk] * SCALE_REBIAS), acc);
        }
        acc.mul(SCALE_REBIAS).intoArray(out, o);
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
            acc = sums.fma(rawScales(seg, pair + (blk & 1) * PANEL_SCALES).mul(scales[s0 + blk] * SCALE_REBIAS), acc);
        }
        acc.mul(SCALE_REBIAS).intoArray(out, o);
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
            acc = pairSums(a).fma(rawScales(seg, pair + (blk & 1) * PANEL_SCALES).mul(scales[s0 + blk] * SCALE_REBIAS), acc);
        }
        acc.mul(SCALE_REBIAS).intoArray(out, o);
    }
    /** Scales tile vector t's Q5_0 block sums (from q5_0Sums4) into out[o .. o + L), as q5_0Tile1 does. */
    private static void q5_0Scale(float[] rowScales, int blocks, short[] sums, int t, float[] scales, int s0, float[] out, int o) {
        int lanes = 2 * PANEL;
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < blocks; blk++) {
            ShortVector a = ShortVector.fromArray(SI, sums, (blk * 4 + t) * lanes);
            acc = pairSums(a).fma(FloatVector.fromArray(F, rowScales, blk * PANEL).mul(scales[s0 + blk] * SCALE_REBIAS), acc);
        }
        acc.mul(SCALE_REBIAS).intoArray(out, o);
    }

    /** Even plus odd 16-bit lane of each pair, as L floats (one per panel row). */
    private static FloatVector pairSums(ShortVector a) {
        IntVector i = a.reinterpretAsInts();
        IntVector sum = i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i.lanewise(VectorOperators.ASHR, 16));
        return (FloatVector) sum.convert(VectorOperators.I2F, 0);
    }

    /** L F16 row scales as floats 2^-112 times their values (as IntegerKernels.rawScales, which explains the bits). */
    private static FloatVector rawScales(MemorySegment seg, long offset) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, seg, offset, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 13).and(0x8FFF_E000).reinterpretAsFloats();
    }
}
