package dev.edgewise.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * The float kernels of the 32-element block quants (Q8_0, Q4_0, Q5_0) for one float species
 * {@link #F}: fused kernels decoding the weights in registers (one vector; two for Q8_0 and Q4_0)
 * and row decoders for the float tiles, each writing exactly quant's Dequantize.row floats.
 * Loaded like {@code SpeciesKernels} (which holds this width's copy): once normally for the
 * preferred species and as a hidden class per other species ({@link KernelsBySpecies}), so that
 * {@link #F} is a constant; the same rules keep the copies sound.
 * <p>No method here takes or returns a vector; each kernel spells its loads and conversions with
 * the Vector API's own (force-inlined) calls. C2 inlines callees only up to a node budget, and a
 * vector handed to a helper it leaves out of line is boxed: with small helpers for the block loads,
 * the Q8_0 output matrix of a Q4_0 model boxed a vector per row in some JVMs (a server's single
 * stream decoded at 18 instead of 62 tok/s, depending on what compiled first).
 */
final class QuantKernels implements FormatKernels {

    static final VectorSpecies<Float> F = KernelsBySpecies.speciesOf(MethodHandles.lookup());
    private static final int L = F.length();
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);

    /**
     * Q8_0/Q4_0 decode 16 quant bytes (half a Q8_0 block, a whole Q4_0 block) in chunks of
     * {@link #QCHUNK} bytes, each widened to {@link #QPARTS} float vectors. A chunk is {@code L} bytes
     * when a byte vector that short exists (8 or 16 lanes), else 8 bytes split in two parts: the
     * layout needs {@code L} to divide 16 ({@link WeightFormat.Lanes#BLOCKS}).
     */
    private static final boolean BLOCK_SIMD = WeightFormat.Lanes.BLOCKS.fits(L);
    private static final VectorSpecies<Byte> BQ = BLOCK_SIMD ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * WeightFormat.Lanes.quantChunk(L))) : null;
    private static final int QCHUNK = BLOCK_SIMD ? BQ.length() : 0;
    private static final int QPARTS = BLOCK_SIMD ? QCHUNK / L : 0;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /** Block sizes (elements) and bytes, from the per-type table (and so from GGMLType). */
    private static final int Q8_0_BLOCK = WeightFormat.Q8_0.blockSize, Q8_0_BLOCK_BYTES = WeightFormat.Q8_0.blockBytes;
    private static final int Q4_0_BLOCK = WeightFormat.Q4_0.blockSize, Q4_0_BLOCK_BYTES = WeightFormat.Q4_0.blockBytes;
    private static final int Q5_0_BLOCK = WeightFormat.Q5_0.blockSize, Q5_0_BLOCK_BYTES = WeightFormat.Q5_0.blockBytes;

    /** This width's lane sums (VectorKernels). */
    private static final LaneOps OPS = KernelsBySpecies.kernels(VectorKernels.class, LaneOps.class, F);

    QuantKernels() {}

    @Override
    public void fusedRows(WeightFormat f, MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int batch, int r0, int r1) {
        switch (f) {
            case Q8_0 -> {
                if (batch == 1) q8_0Rows(seg, rowBytes, cols / Q8_0_BLOCK, x, out, r0, r1);
                else q8_0RowsFor2(seg, rowBytes, rows, cols, x, out, r0, r1);
            }
            case Q4_0 -> {
                if (batch == 1) q4_0Rows(seg, rowBytes, cols, x, out, r0, r1);
                else q4_0RowsFor2(seg, rowBytes, rows, cols, x, out, r0, r1);
            }
            case Q5_0 -> q5_0Rows(seg, rowBytes, cols, x, out, r0, r1);
            default -> throw new IllegalArgumentException(f + " is not a 32-element block quant");
        }
    }

    @Override
    public void decodeRow(WeightFormat f, MemorySegment seg, long src, float[] dst, int dstOff, int cols) {
        switch (f) {
            case Q8_0 -> q8_0Decode(seg, src, cols / Q8_0_BLOCK, dst, dstOff);
            case Q4_0 -> q4_0Decode(seg, src, cols / Q4_0_BLOCK, dst, dstOff);
            case Q5_0 -> q5_0Decode(seg, src, cols / Q5_0_BLOCK, dst, dstOff);
            default -> throw new IllegalArgumentException(f + " is not a 32-element block quant");
        }
    }

    // One vector, Q5_0: one row at a time. Each format's loop is its own small method so
    // that matmulRows stays small: C2 inlines callees into one compilation unit up to a node
    // budget, and a kernel inlined past it keeps its vector operations as boxed calls (BF16 ran
    // 18x slower when these loops sat in matmulRows).

    private static void q5_0Rows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        int blocks = cols / Q5_0_BLOCK;
        float[] xSums = blockSums(x, blocks), acc = Scratch.LANE_SUMS.atLeast(L);
        for (int r = r0; r < r1; r++) out[r] = q5_0Tile1(seg, r * rowBytes, blocks, x, xSums, acc);
    }

    // Q8_0/Q4_0 with one vector (decode): rows in pairs, so each activation load serves two rows.

    private static void q4_0Rows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        int blocks = cols / Q4_0_BLOCK, r = r0;
        float[] xSums = blockSums(x, blocks), acc = Scratch.LANE_SUMS.atLeast(2 * L);
        for (; r + 1 < r1; r += 2) q4_0Rows2(seg, r * rowBytes, (r + 1) * rowBytes, blocks, x, xSums, out, r, acc);
        if (r < r1) out[r] = q4_0Tile1(seg, r * rowBytes, blocks, x, xSums, acc);
    }

    // ---------------------------------------------------------------------------------------------
    // Matmul: 32-element blocks with an F16 scale d.
    //   Q8_0 (34 bytes): d, then 32 int8 quants, element j = qs[j].
    //   Q4_0 (18 bytes): d, then 16 bytes; element j < 16 is the low nibble of byte j minus 8,
    //                    element j + 16 the high nibble of byte j minus 8.
    // Quants are extended straight to int lanes (one instruction on x86), the nibbles split and
    // re-centred with int ops (x86 has no byte shift), then converted to float: the integer values
    // are exact in float. The decoders (batches) multiply by d, giving exactly ggml's
    // dequantize_row_* values. The one-vector kernels instead sum x*q over the block and scale that
    // sum by d once (one FMA per block instead of one multiply per weight vector): the same
    // products, rounded differently, well within float rounding of the exact sum.

    private static void q8_0Decode(MemorySegment seg, long row, int blocks, float[] dst, int dstOff) {
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q8_0_BLOCK_BYTES * blk;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(seg.get(LE_SHORT, block)));
            int o = dstOff + Q8_0_BLOCK * blk;
            for (int k = 0; k < 32; k += QCHUNK) {
                ByteVector q = ByteVector.fromMemorySegment(BQ, seg, block + 2 + k, LE);
                for (int p = 0; p < QPARTS; p++) ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, o + k + p * L);
            }
        }
    }

    private static void q4_0Decode(MemorySegment seg, long row, int blocks, float[] dst, int dstOff) {
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q4_0_BLOCK_BYTES * blk;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(seg.get(LE_SHORT, block)));
            int o = dstOff + Q4_0_BLOCK * blk;
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector q = ByteVector.fromMemorySegment(BQ, seg, block + 2 + k, LE);
                for (int p = 0; p < QPARTS; p++) {
                    IntVector qi = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    ((FloatVector) qi.and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).mul(d).intoArray(dst, o + k + p * L);
                    ((FloatVector) qi.lanewise(VectorOperators.LSHR, 4).sub(8).convertShape(VectorOperators.I2F, F, 0)).mul(d).intoArray(dst, o + k + p * L + 16);
                }
            }
        }
    }

    /**
     * Q8_0 rows {@code [r0, r1)} against one vector. Unlike Q4_0, each weight vector is scaled by d
     * before its FMA (two accumulators, one per half block): Q8_0 decodes in so few instructions
     * that a per-block sum-then-scale chain became the critical path and measured 1.5x slower. The
     * row loop is part of it and it takes two blocks per pass, so that it stays a compilation of its
     * own (over C2's FreqInlineSize): inlined beside other kernels, it once boxed a vector per row
     * (KernelRootsTest). (Rows in pairs, as Q4_0 takes them, decoded 0.5B Q4_0 files 15% slower.)
     */
    private static void q8_0Rows(MemorySegment seg, long rowBytes, int blocks, float[] x, float[] out, int r0, int r1) {
        float[] acc = Scratch.LANE_SUMS.atLeast(L);
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            int blk = 0;
            for (; blk + 1 < blocks; blk += 2) { // two blocks per pass, in order: the same sums as one at a time
                long block = row + (long) Q8_0_BLOCK_BYTES * blk, next = block + Q8_0_BLOCK_BYTES;
                FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(seg.get(LE_SHORT, block)));
                FloatVector dNext = FloatVector.broadcast(F, Float.float16ToFloat(seg.get(LE_SHORT, next)));
                int xb = Q8_0_BLOCK * blk;
                for (int k = 0; k < 16; k += QCHUNK) { // first half of a block into a0, second into a1
                    ByteVector q0 = ByteVector.fromMemorySegment(BQ, seg, block + 2 + k, LE);
                    ByteVector q1 = ByteVector.fromMemorySegment(BQ, seg, block + 18 + k, LE);
                    for (int p = 0; p < QPARTS; p++) {
                        int e = xb + k + p * L;
                        a0 = FloatVector.fromArray(F, x, e).fma(((FloatVector) q0.convertShape(VectorOperators.B2F, F, p)).mul(d), a0);
                        a1 = FloatVector.fromArray(F, x, e + 16).fma(((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(d), a1);
                    }
                }
                for (int k = 0; k < 16; k += QCHUNK) {
                    ByteVector q0 = ByteVector.fromMemorySegment(BQ, seg, next + 2 + k, LE);
                    ByteVector q1 = ByteVector.fromMemorySegment(BQ, seg, next + 18 + k, LE);
                    for (int p = 0; p < QPARTS; p++) {
                        int e = xb + Q8_0_BLOCK + k + p * L;
                        a0 = FloatVector.fromArray(F, x, e).fma(((FloatVector) q0.convertShape(VectorOperators.B2F, F, p)).mul(dNext), a0);
                        a1 = FloatVector.fromArray(F, x, e + 16).fma(((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(dNext), a1);
                    }
                }
            }
            if (blk < blocks) {
                long block = row + (long) Q8_0_BLOCK_BYTES * blk;
                FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(seg.get(LE_SHORT, block)));
                int xb = Q8_0_BLOCK * blk;
                for (int k = 0; k < 16; k += QCHUNK) {
                    ByteVector q0 = ByteVector.fromMemorySegment(BQ, seg, block + 2 + k, LE);
                    ByteVector q1 = ByteVector.fromMemorySegment(BQ, seg, block + 18 + k, LE);
                    for (int p = 0; p < QPARTS; p++) {
                        int e = xb + k + p * L;
                        a0 = FloatVector.fromArray(F, x, e).fma(((FloatVector) q0.convertShape(VectorOperators.B2F, F, p)).mul(d), a0);
                        a1 = FloatVector.fromArray(F, x, e + 16).fma(((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(d), a1);
                    }
                }
            }
            a0.add(a1).intoArray(acc, 0);
            out[r] = OPS.sumAt(acc, 0);
        }
    }

    // The one-vector Q4_0 kernels sum x * nibble (0..15) per block, without the -8 bias, and take
    // the bias off once per row as -8 * sum over blocks of d * (sum of the block's x) (as Q5_0
    // does): two full-width subtractions fewer per block.

    private static float q4_0Tile1(MemorySegment seg, long row, int blocks, float[] x, float[] xSums, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        float bias = 0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q4_0_BLOCK_BYTES * blk;
            int xb = Q4_0_BLOCK * blk;
            FloatVector s = FloatVector.zero(F);
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector q = ByteVector.fromMemorySegment(BQ, seg, block + 2 + k, LE);
                for (int p = 0; p < QPARTS; p++) {
                    int e = xb + k + p * L;
                    IntVector qi = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    s = FloatVector.fromArray(F, x, e).fma((FloatVector) qi.and(0x0F).convertShape(VectorOperators.I2F, F, 0), s);
                    s = FloatVector.fromArray(F, x, e + 16).fma((FloatVector) qi.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0), s);
                }
            }
            float d = Float.float16ToFloat(seg.get(LE_SHORT, block));
            bias = Math.fma(d, xSums[blk], bias);
            FloatVector dv = FloatVector.broadcast(F, d);
            if ((blk & 1) == 0) a0 = s.fma(dv, a0);
            else a1 = s.fma(dv, a1);
        }
        a0.add(a1).intoArray(acc, 0);
        return OPS.sumAt(acc, 0) - 8 * bias;
    }

    /** Rows at {@code rowA} and {@code rowB} (out[r], out[r + 1]) against the single vector x. */
    private static void q4_0Rows2(MemorySegment seg, long rowA, long rowB, int blocks, float[] x, float[] xSums, float[] out, int r, float[] acc) {
        FloatVector aA = FloatVector.zero(F), aB = aA;
        float biasA = 0, biasB = 0;
        for (int blk = 0; blk < blocks; blk++) {
            long blockA = rowA + (long) Q4_0_BLOCK_BYTES * blk, blockB = rowB + (long) Q4_0_BLOCK_BYTES * blk;
            int xb = Q4_0_BLOCK * blk;
            FloatVector sA = FloatVector.zero(F), sB = sA;
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector qA = ByteVector.fromMemorySegment(BQ, seg, blockA + 2 + k, LE);
                ByteVector qB = ByteVector.fromMemorySegment(BQ, seg, blockB + 2 + k, LE);
                for (int p = 0; p < QPARTS; p++) {
                    int e = xb + k + p * L;
                    FloatVector xlo = FloatVector.fromArray(F, x, e), xhi = FloatVector.fromArray(F, x, e + 16);
                    IntVector iA = (IntVector) qA.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p), iB = (IntVector) qB.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    sA = xlo.fma((FloatVector) iA.and(0x0F).convertShape(VectorOperators.I2F, F, 0), sA);
                    sB = xlo.fma((FloatVector) iB.and(0x0F).convertShape(VectorOperators.I2F, F, 0), sB);
                    sA = xhi.fma((FloatVector) iA.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0), sA);
                    sB = xhi.fma((FloatVector) iB.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0), sB);
                }
            }
            float dA = Float.float16ToFloat(seg.get(LE_SHORT, blockA)), dB = Float.float16ToFloat(seg.get(LE_SHORT, blockB));
            biasA = Math.fma(dA, xSums[blk], biasA);
            biasB = Math.fma(dB, xSums[blk], biasB);
            aA = sA.fma(FloatVector.broadcast(F, dA), aA);
            aB = sB.fma(FloatVector.broadcast(F, dB), aB);
        }
        aA.intoArray(acc, 0);
        aB.intoArray(acc, L);
        out[r] = OPS.sumAt(acc, 0) - 8 * biasA;
        out[r + 1] = OPS.sumAt(acc, L) - 8 * biasB;
    }

    // Q4_0 and Q8_0 against exactly two vectors (two branches decoding together): each block
    // decoded in registers once for both. Through decodedRows, writing the decoded rows to the scratch cost as
    // much as a whole one-vector pass, so two branches took 1.8x the step time of one.

    private static void q4_0RowsFor2(MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int r0, int r1) {
        int blocks = cols / Q4_0_BLOCK;
        float[] xSums = blockSums(x, 2 * blocks), acc = Scratch.LANE_SUMS.atLeast(2 * L); // the second vector's blocks follow the first's
        for (int r = r0; r < r1; r++) q4_0Tile2(seg, r * rowBytes, blocks, x, cols, xSums, out, r, rows + r, acc);
    }

    private static void q8_0RowsFor2(MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int r0, int r1) {
        float[] acc = Scratch.LANE_SUMS.atLeast(2 * L);
        for (int r = r0; r < r1; r++) q8_0Tile2(seg, r * rowBytes, cols / Q8_0_BLOCK, x, cols, out, r, rows + r, acc);
    }

    /** Row {@code row} against the vectors at x[0] and x[x1]: out[o0] and out[o1], as {@link #q8_0Rows}. */
    private static void q8_0Tile2(MemorySegment seg, long row, int blocks, float[] x, int x1, float[] out, int o0, int o1, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q8_0_BLOCK_BYTES * blk;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(seg.get(LE_SHORT, block)));
            int xb = Q8_0_BLOCK * blk;
            for (int k = 0; k < 32; k += QCHUNK) {
                ByteVector q = ByteVector.fromMemorySegment(BQ, seg, block + 2 + k, LE);
                for (int p = 0; p < QPARTS; p++) {
                    int e = xb + k + p * L;
                    FloatVector w = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d);
                    a0 = FloatVector.fromArray(F, x, e).fma(w, a0);
                    a1 = FloatVector.fromArray(F, x, x1 + e).fma(w, a1);
                }
            }
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, L);
        out[o0] = OPS.sumAt(acc, 0);
        out[o1] = OPS.sumAt(acc, L);
    }

    /** Row {@code row} against the vectors at x[0] and x[x1]: out[o0] and out[o1], as {@link #q4_0Tile1}. */
    private static void q4_0Tile2(MemorySegment seg, long row, int blocks, float[] x, int x1, float[] xSums, float[] out, int o0, int o1,
                                  float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        float bias0 = 0, bias1 = 0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q4_0_BLOCK_BYTES * blk;
            int xb = Q4_0_BLOCK * blk;
            FloatVector s0 = FloatVector.zero(F), s1 = s0;
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector q = ByteVector.fromMemorySegment(BQ, seg, block + 2 + k, LE);
                for (int p = 0; p < QPARTS; p++) {
                    int e = xb + k + p * L;
                    IntVector qi = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    FloatVector lo = (FloatVector) qi.and(0x0F).convertShape(VectorOperators.I2F, F, 0), hi = (FloatVector) qi.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0);
                    s0 = FloatVector.fromArray(F, x, e).fma(lo, s0);
                    s1 = FloatVector.fromArray(F, x, x1 + e).fma(lo, s1);
                    s0 = FloatVector.fromArray(F, x, e + 16).fma(hi, s0);
                    s1 = FloatVector.fromArray(F, x, x1 + e + 16).fma(hi, s1);
                }
            }
            float d = Float.float16ToFloat(seg.get(LE_SHORT, block));
            bias0 = Math.fma(d, xSums[blk], bias0);
            bias1 = Math.fma(d, xSums[blocks + blk], bias1);
            FloatVector dv = FloatVector.broadcast(F, d);
            a0 = s0.fma(dv, a0);
            a1 = s1.fma(dv, a1);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, L);
        out[o0] = OPS.sumAt(acc, 0) - 8 * bias0;
        out[o1] = OPS.sumAt(acc, L) - 8 * bias1;
    }

    // ---------------------------------------------------------------------------------------------
    // SIMD decoder of Q5_0 rows (Q4_K_M files mix Q5_0 with Q8_0 and the K-quants). It writes
    // exactly the floats of quant's scalar Dequantize.row (ggml's dequantize_row_q5_0): the same float
    // operations in the same order, on lanes. It feeds the decoded-rows matmul at every batch.
    //   Q5_0 (22 bytes): d, 32-bit qh, 16 bytes qs; element j < 16 = (low nibble of qs[j] | bit j of
    //        qh << 4) - 16, element j + 16 = (high nibble | bit j + 16 of qh << 4) - 16; times d.

    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    private static void q5_0Decode(MemorySegment seg, long row, int blocks, float[] dst, int dstOff) {
        IntVector lanes = IntVector.zero(I).addIndex(1);
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q5_0_BLOCK_BYTES * blk;
            float d = Float.float16ToFloat(seg.get(LE_SHORT, block));
            IntVector qh = IntVector.broadcast(I, seg.get(LE_INT, block + 2));
            int o = dstOff + Q5_0_BLOCK * blk;
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector q = ByteVector.fromMemorySegment(BQ, seg, block + 6 + k, LE);
                for (int p = 0; p < QPARTS; p++) {
                    int j = k + p * L;
                    IntVector qi = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    IntVector shift = lanes.add(j);
                    IntVector high0 = qh.lanewise(VectorOperators.LSHR, shift).lanewise(VectorOperators.LSHL, 4).and(0x10);
                    IntVector high1 = qh.lanewise(VectorOperators.LSHR, shift.add(12)).and(0x10);
                    ((FloatVector) qi.and(0x0F).or(high0).sub(16).convertShape(VectorOperators.I2F, F, 0)).mul(d).intoArray(dst, o + j);
                    ((FloatVector) qi.lanewise(VectorOperators.LSHR, 4).or(high1).sub(16).convertShape(VectorOperators.I2F, F, 0)).mul(d).intoArray(dst, o + j + 16);
                }
            }
        }
    }

    /** {@code sums[b]} = x[32b] + .. + x[32b + 31] for each of {@code blocks} blocks, in a per-thread array. */
    private static float[] blockSums(float[] x, int blocks) {
        float[] sums = Scratch.BLOCK_SUMS.atLeast(blocks);
        float[] acc = Scratch.LANE_SUMS.atLeast(L);
        for (int b = 0; b < blocks; b++) {
            FloatVector v = FloatVector.fromArray(F, x, 32 * b);
            for (int k = L; k < 32; k += L) v = v.add(FloatVector.fromArray(F, x, 32 * b + k));
            v.intoArray(acc, 0);
            sums[b] = OPS.sumAt(acc, 0);
        }
        return sums;
    }

    /**
     * One Q5_0 row against one vector. Each 5-bit quant u = nibble | high bit << 4 (0..31) is
     * decoded in registers without its -16 bias: the block's sum of x*u is scaled by d, and the
     * bias comes back once per row as -16 * sum over blocks of d * (sum of the block's x), from
     * {@code xSums}. A quant's high bit reaches bit 4 by one rotate of qh per vector (lane j
     * rotates right by j - 4, or j + 12 for the upper half). Per block that is 11 vector ops where
     * decoding u - 16 with shifts took 17: Q5_0 is most of a Q4_K_M model's layer weights.
     */
    private static float q5_0Tile1(MemorySegment seg, long row, int blocks, float[] x, float[] xSums, float[] acc) {
        IntVector lanes = IntVector.zero(I).addIndex(1);
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        float bias = 0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q5_0_BLOCK_BYTES * blk;
            IntVector qh = IntVector.broadcast(I, seg.get(LE_INT, block + 2));
            int xb = Q5_0_BLOCK * blk;
            FloatVector s = FloatVector.zero(F);
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector q = ByteVector.fromMemorySegment(BQ, seg, block + 6 + k, LE);
                for (int p = 0; p < QPARTS; p++) {
                    int j = k + p * L;
                    IntVector qi = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    IntVector high0 = qh.lanewise(VectorOperators.ROR, lanes.add(j - 4).and(31)).and(0x10);
                    IntVector high1 = qh.lanewise(VectorOperators.ROR, lanes.add(j + 12)).and(0x10);
                    s = FloatVector.fromArray(F, x, xb + j).fma((FloatVector) qi.and(0x0F).or(high0).convertShape(VectorOperators.I2F, F, 0), s);
                    s = FloatVector.fromArray(F, x, xb + j + 16).fma((FloatVector) qi.lanewise(VectorOperators.LSHR, 4).or(high1).convertShape(VectorOperators.I2F, F, 0), s);
                }
            }
            float d = Float.float16ToFloat(seg.get(LE_SHORT, block));
            bias = Math.fma(d, xSums[blk], bias);
            FloatVector dv = FloatVector.broadcast(F, d);
            if ((blk & 1) == 0) a0 = s.fma(dv, a0);
            else a1 = s.fma(dv, a1);
        }
        a0.add(a1).intoArray(acc, 0);
        return OPS.sumAt(acc, 0) - 16 * bias;
    }
}
