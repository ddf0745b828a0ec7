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
 * The float kernels of the block quants (Q8_0, Q4_0, Q5_0, Q4_K, Q6_K) for one float species
 * {@link #F}: fused kernels decoding the weights in registers (one vector; two for Q8_0 and Q4_0)
 * and row decoders for the float tiles, each writing exactly quant's Dequantize.row floats.
 * Loaded like {@code SpeciesKernels} (which holds this width's copy): once normally for the
 * preferred species and as a hidden class per other species ({@link KernelsBySpecies}), so that
 * {@link #F} is a constant; the same rules keep the copies sound.
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
    private static final VectorSpecies<Byte> BQ = BLOCK_SIMD ? VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, 8 * L))) : null;
    private static final int QCHUNK = BLOCK_SIMD ? BQ.length() : 0;
    private static final int QPARTS = BLOCK_SIMD ? QCHUNK / L : 0;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /** Block sizes (elements) and bytes, from the per-type table (and so from GGMLType). */
    private static final int Q8_0_BLOCK = WeightFormat.Q8_0.blockSize, Q8_0_BLOCK_BYTES = WeightFormat.Q8_0.blockBytes;
    private static final int Q4_0_BLOCK = WeightFormat.Q4_0.blockSize, Q4_0_BLOCK_BYTES = WeightFormat.Q4_0.blockBytes;
    private static final int Q5_0_BLOCK = WeightFormat.Q5_0.blockSize, Q5_0_BLOCK_BYTES = WeightFormat.Q5_0.blockBytes;
    private static final int Q4_K_BLOCK = WeightFormat.Q4_K.blockSize, Q4_K_BLOCK_BYTES = WeightFormat.Q4_K.blockBytes;
    private static final int Q6_K_BLOCK = WeightFormat.Q6_K.blockSize, Q6_K_BLOCK_BYTES = WeightFormat.Q6_K.blockBytes;

    /** This width's lane sums (VectorKernels). */
    private static final LaneOps OPS = KernelsBySpecies.kernels(VectorKernels.class, LaneOps.class, F);

    QuantKernels() {}

    @Override
    public void fusedRows(WeightFormat f, MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int batch, int r0, int r1) {
        switch (f) {
            case Q8_0 -> {
                if (batch == 1) q8_0Rows(seg, rowBytes, cols, x, out, r0, r1);
                else q8_0RowsFor2(seg, rowBytes, rows, cols, x, out, r0, r1);
            }
            case Q4_0 -> {
                if (batch == 1) q4_0Rows(seg, rowBytes, cols, x, out, r0, r1);
                else q4_0RowsFor2(seg, rowBytes, rows, cols, x, out, r0, r1);
            }
            case Q5_0 -> q5_0Rows(seg, rowBytes, cols, x, out, r0, r1);
            case Q4_K -> q4_KRows(seg, rowBytes, cols, x, out, r0, r1);
            case Q6_K -> q6_KRows(seg, rowBytes, cols, x, out, r0, r1);
            default -> throw new IllegalArgumentException(f + " is not a block quant");
        }
    }

    @Override
    public void decodeRow(WeightFormat f, MemorySegment seg, long src, float[] dst, int dstOff, int cols) {
        switch (f) {
            case Q8_0 -> q8_0Decode(seg, src, cols / Q8_0_BLOCK, dst, dstOff);
            case Q4_0 -> q4_0Decode(seg, src, cols / Q4_0_BLOCK, dst, dstOff);
            case Q5_0 -> q5_0Decode(seg, src, cols / Q5_0_BLOCK, dst, dstOff);
            case Q4_K -> q4_KDecode(seg, src, cols / Q4_K_BLOCK, dst, dstOff);
            case Q6_K -> q6_KDecode(seg, src, cols / Q6_K_BLOCK, dst, dstOff);
            default -> throw new IllegalArgumentException(f + " is not a block quant");
        }
    }

    // One vector, Q5_0, Q4_K, Q6_K: one row at a time. Each format's loop is its own small method so
    // that matmulRows stays small: C2 inlines callees into one compilation unit up to a node
    // budget, and a kernel inlined past it keeps its vector operations as boxed calls (BF16 ran
    // 18x slower when these loops sat in matmulRows).

    private static void q5_0Rows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        int blocks = cols / Q5_0_BLOCK;
        float[] xSums = blockSums(x, blocks);
        for (int r = r0; r < r1; r++) out[r] = q5_0Tile1(seg, r * rowBytes, blocks, x, xSums);
    }

    private static void q6_KRows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        for (int r = r0; r < r1; r++) out[r] = q6_KTile1(seg, r * rowBytes, cols / Q6_K_BLOCK, x);
    }

    private static void q4_KRows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        for (int r = r0; r < r1; r++) out[r] = q4_KTile1(seg, r * rowBytes, cols / Q4_K_BLOCK, x);
    }

    // Q8_0/Q4_0 with one vector (decode): rows in pairs, so each activation load serves two rows.

    private static void q8_0Rows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        int blocks = cols / Q8_0_BLOCK;
        for (int r = r0; r < r1; r++) out[r] = q8_0Tile1(seg, r * rowBytes, blocks, x, 0);
    }

    private static void q4_0Rows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        int blocks = cols / Q4_0_BLOCK, r = r0;
        float[] xSums = blockSums(x, blocks);
        for (; r + 1 < r1; r += 2) q4_0Rows2(seg, r * rowBytes, (r + 1) * rowBytes, blocks, x, xSums, out, r);
        if (r < r1) out[r] = q4_0Tile1(seg, r * rowBytes, blocks, x, xSums);
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

    private static FloatVector blockScale(MemorySegment seg, long block) {
        return FloatVector.broadcast(F, Float.float16ToFloat(seg.get(LE_SHORT, block)));
    }

    private static ByteVector quantBytes(MemorySegment seg, long offset) {
        return ByteVector.fromMemorySegment(BQ, seg, offset, LE);
    }

    /** Lanes {@code [part*L, part*L + L)} of the chunk, sign-extended to ints. */
    private static IntVector ints(ByteVector quants, int part) {
        return (IntVector) quants.convertShape(VectorOperators.B2I, I, part);
    }

    private static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convertShape(VectorOperators.I2F, F, 0);
    }

    /** Q8_0 quants as floats. */
    private static FloatVector q8(ByteVector quants, int part) {
        return toFloat(ints(quants, part));
    }

    /** Q4_0 bytes {@code [part*L, part*L + L)} of the chunk, zero-extended to ints. */
    private static IntVector nibblePairs(ByteVector quants, int part) {
        return (IntVector) quants.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
    }

    /** Q4_0 low-nibble values (nibble - 8) as floats, from zero-extended bytes. */
    private static FloatVector lowNibbles(IntVector q) {
        return toFloat(q.and(0x0F).sub(8));
    }

    /** Q4_0 high-nibble values (nibble - 8) as floats, from zero-extended bytes. */
    private static FloatVector highNibbles(IntVector q) {
        return toFloat(q.lanewise(VectorOperators.LSHR, 4).sub(8));
    }

    private static void q8_0Decode(MemorySegment seg, long row, int blocks, float[] dst, int dstOff) {
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q8_0_BLOCK_BYTES * blk;
            FloatVector d = blockScale(seg, block);
            int o = dstOff + Q8_0_BLOCK * blk;
            for (int k = 0; k < 32; k += QCHUNK) {
                ByteVector q = quantBytes(seg, block + 2 + k);
                for (int p = 0; p < QPARTS; p++) q8(q, p).mul(d).intoArray(dst, o + k + p * L);
            }
        }
    }

    private static void q4_0Decode(MemorySegment seg, long row, int blocks, float[] dst, int dstOff) {
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q4_0_BLOCK_BYTES * blk;
            FloatVector d = blockScale(seg, block);
            int o = dstOff + Q4_0_BLOCK * blk;
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector q = quantBytes(seg, block + 2 + k);
                for (int p = 0; p < QPARTS; p++) {
                    IntVector qi = nibblePairs(q, p);
                    lowNibbles(qi).mul(d).intoArray(dst, o + k + p * L);
                    highNibbles(qi).mul(d).intoArray(dst, o + k + p * L + 16);
                }
            }
        }
    }

    /**
     * One Q8_0 row against one vector. Unlike Q4_0, each weight vector is scaled by d before its
     * FMA (two accumulators, one per half block): Q8_0 decodes in so few instructions that a
     * per-block sum-then-scale chain became the critical path and measured 1.5x slower.
     */
    private static float q8_0Tile1(MemorySegment seg, long row, int blocks, float[] x, int x0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q8_0_BLOCK_BYTES * blk;
            FloatVector d = blockScale(seg, block);
            int xb = x0 + Q8_0_BLOCK * blk;
            for (int k = 0; k < 16; k += QCHUNK) { // first half of the block into a0, second into a1
                ByteVector q0 = quantBytes(seg, block + 2 + k);
                ByteVector q1 = quantBytes(seg, block + 18 + k);
                for (int p = 0; p < QPARTS; p++) {
                    int e = xb + k + p * L;
                    a0 = FloatVector.fromArray(F, x, e).fma(widen(q0, p).mul(d), a0);
                    a1 = FloatVector.fromArray(F, x, e + 16).fma(widen(q1, p).mul(d), a1);
                }
            }
        }
        return OPS.sum(a0.add(a1));
    }

    /** Bytes {@code [part*L, part*L + L)} of the chunk widened to floats in one conversion. */
    private static FloatVector widen(ByteVector quants, int part) {
        return (FloatVector) quants.convertShape(VectorOperators.B2F, F, part);
    }

    // The one-vector Q4_0 kernels sum x * nibble (0..15) per block, without the -8 bias, and take
    // the bias off once per row as -8 * sum over blocks of d * (sum of the block's x) (as Q5_0
    // does): two full-width subtractions fewer per block.

    private static float q4_0Tile1(MemorySegment seg, long row, int blocks, float[] x, float[] xSums) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        float bias = 0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q4_0_BLOCK_BYTES * blk;
            int xb = Q4_0_BLOCK * blk;
            FloatVector s = FloatVector.zero(F);
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector q = quantBytes(seg, block + 2 + k);
                for (int p = 0; p < QPARTS; p++) {
                    int e = xb + k + p * L;
                    IntVector qi = nibblePairs(q, p);
                    s = FloatVector.fromArray(F, x, e).fma(toFloat(qi.and(0x0F)), s);
                    s = FloatVector.fromArray(F, x, e + 16).fma(toFloat(qi.lanewise(VectorOperators.LSHR, 4)), s);
                }
            }
            float d = Float.float16ToFloat(seg.get(LE_SHORT, block));
            bias = Math.fma(d, xSums[blk], bias);
            FloatVector dv = FloatVector.broadcast(F, d);
            if ((blk & 1) == 0) a0 = s.fma(dv, a0);
            else a1 = s.fma(dv, a1);
        }
        return OPS.sum(a0.add(a1)) - 8 * bias;
    }

    /** Rows at {@code rowA} and {@code rowB} (out[r], out[r + 1]) against the single vector x. */
    private static void q4_0Rows2(MemorySegment seg, long rowA, long rowB, int blocks, float[] x, float[] xSums, float[] out, int r) {
        FloatVector aA = FloatVector.zero(F), aB = aA;
        float biasA = 0, biasB = 0;
        for (int blk = 0; blk < blocks; blk++) {
            long blockA = rowA + (long) Q4_0_BLOCK_BYTES * blk, blockB = rowB + (long) Q4_0_BLOCK_BYTES * blk;
            int xb = Q4_0_BLOCK * blk;
            FloatVector sA = FloatVector.zero(F), sB = sA;
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector qA = quantBytes(seg, blockA + 2 + k);
                ByteVector qB = quantBytes(seg, blockB + 2 + k);
                for (int p = 0; p < QPARTS; p++) {
                    int e = xb + k + p * L;
                    FloatVector xlo = FloatVector.fromArray(F, x, e), xhi = FloatVector.fromArray(F, x, e + 16);
                    IntVector iA = nibblePairs(qA, p), iB = nibblePairs(qB, p);
                    sA = xlo.fma(toFloat(iA.and(0x0F)), sA);
                    sB = xlo.fma(toFloat(iB.and(0x0F)), sB);
                    sA = xhi.fma(toFloat(iA.lanewise(VectorOperators.LSHR, 4)), sA);
                    sB = xhi.fma(toFloat(iB.lanewise(VectorOperators.LSHR, 4)), sB);
                }
            }
            float dA = Float.float16ToFloat(seg.get(LE_SHORT, blockA)), dB = Float.float16ToFloat(seg.get(LE_SHORT, blockB));
            biasA = Math.fma(dA, xSums[blk], biasA);
            biasB = Math.fma(dB, xSums[blk], biasB);
            aA = sA.fma(FloatVector.broadcast(F, dA), aA);
            aB = sB.fma(FloatVector.broadcast(F, dB), aB);
        }
        out[r] = OPS.sum(aA) - 8 * biasA;
        out[r + 1] = OPS.sum(aB) - 8 * biasB;
    }

    // Q4_0 and Q8_0 against exactly two vectors (two branches decoding together): each block
    // decoded in registers once for both. Through decodedRows, writing the decoded rows to the scratch cost as
    // much as a whole one-vector pass, so two branches took 1.8x the step time of one.

    private static void q4_0RowsFor2(MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int r0, int r1) {
        int blocks = cols / Q4_0_BLOCK;
        float[] xSums = blockSums(x, 2 * blocks); // the second vector's blocks follow the first's
        for (int r = r0; r < r1; r++) q4_0Tile2(seg, r * rowBytes, blocks, x, cols, xSums, out, r, rows + r);
    }

    private static void q8_0RowsFor2(MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int r0, int r1) {
        for (int r = r0; r < r1; r++) q8_0Tile2(seg, r * rowBytes, cols / Q8_0_BLOCK, x, cols, out, r, rows + r);
    }

    /** Row {@code row} against the vectors at x[0] and x[x1]: out[o0] and out[o1], as {@link #q8_0Tile1}. */
    private static void q8_0Tile2(MemorySegment seg, long row, int blocks, float[] x, int x1, float[] out, int o0, int o1) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q8_0_BLOCK_BYTES * blk;
            FloatVector d = blockScale(seg, block);
            int xb = Q8_0_BLOCK * blk;
            for (int k = 0; k < 32; k += QCHUNK) {
                ByteVector q = quantBytes(seg, block + 2 + k);
                for (int p = 0; p < QPARTS; p++) {
                    int e = xb + k + p * L;
                    FloatVector w = widen(q, p).mul(d);
                    a0 = FloatVector.fromArray(F, x, e).fma(w, a0);
                    a1 = FloatVector.fromArray(F, x, x1 + e).fma(w, a1);
                }
            }
        }
        out[o0] = OPS.sum(a0);
        out[o1] = OPS.sum(a1);
    }

    /** Row {@code row} against the vectors at x[0] and x[x1]: out[o0] and out[o1], as {@link #q4_0Tile1}. */
    private static void q4_0Tile2(MemorySegment seg, long row, int blocks, float[] x, int x1, float[] xSums, float[] out, int o0, int o1) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        float bias0 = 0, bias1 = 0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q4_0_BLOCK_BYTES * blk;
            int xb = Q4_0_BLOCK * blk;
            FloatVector s0 = FloatVector.zero(F), s1 = s0;
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector q = quantBytes(seg, block + 2 + k);
                for (int p = 0; p < QPARTS; p++) {
                    int e = xb + k + p * L;
                    IntVector qi = nibblePairs(q, p);
                    FloatVector lo = toFloat(qi.and(0x0F)), hi = toFloat(qi.lanewise(VectorOperators.LSHR, 4));
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
        out[o0] = OPS.sum(a0) - 8 * bias0;
        out[o1] = OPS.sum(a1) - 8 * bias1;
    }

    // ---------------------------------------------------------------------------------------------
    // SIMD decoders of Q5_0, Q4_K and Q6_K rows (Q4_K_M files mix these with Q8_0). Each writes
    // exactly the floats of quant's scalar Dequantize.row (ggml's dequantize_row_*): the same float
    // operations in the same order, on lanes. They feed the decoded-rows matmul at every batch.
    //   Q5_0 (22 bytes): d, 32-bit qh, 16 bytes qs; element j < 16 = (low nibble of qs[j] | bit j of
    //        qh << 4) - 16, element j + 16 = (high nibble | bit j + 16 of qh << 4) - 16; times d.
    //   Q4_K (144 bytes per 256): d, dmin, 12 bytes of packed 6-bit scales/mins, 128 bytes qs; four
    //        groups of 64: 32 low nibbles with (d*sc, dmin*m) of sub-block 2g, 32 high nibbles with
    //        sub-block 2g+1's; element = (d*sc) * q - dmin*m.
    //   Q6_K (210 bytes per 256): ql[128], qh[64], int8 scales[16], d; two halves of 128, each from 64
    //        ql bytes and 32 qh bytes: four 6-bit quants per (ql, ql+32, qh) lane; (d*sc) * (q - 32).

    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);

    /** 0, 1, .., L-1: element indices within a part, for Q5_0's per-element high-bit shifts. */
    private static IntVector laneIndices() {
        return IntVector.zero(I).addIndex(1);
    }

    private static void q5_0Decode(MemorySegment seg, long row, int blocks, float[] dst, int dstOff) {
        IntVector lanes = laneIndices();
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q5_0_BLOCK_BYTES * blk;
            float d = Float.float16ToFloat(seg.get(LE_SHORT, block));
            IntVector qh = IntVector.broadcast(I, seg.get(LE_INT, block + 2));
            int o = dstOff + Q5_0_BLOCK * blk;
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector q = quantBytes(seg, block + 6 + k);
                for (int p = 0; p < QPARTS; p++) {
                    int j = k + p * L;
                    IntVector qi = nibblePairs(q, p);
                    IntVector shift = lanes.add(j);
                    IntVector high0 = qh.lanewise(VectorOperators.LSHR, shift).lanewise(VectorOperators.LSHL, 4).and(0x10);
                    IntVector high1 = qh.lanewise(VectorOperators.LSHR, shift.add(12)).and(0x10);
                    toFloat(qi.and(0x0F).or(high0).sub(16)).mul(d).intoArray(dst, o + j);
                    toFloat(qi.lanewise(VectorOperators.LSHR, 4).or(high1).sub(16)).mul(d).intoArray(dst, o + j + 16);
                }
            }
        }
    }

    /** Per-thread sums of 32-element blocks of the activation, for the one-vector Q4_0 and Q5_0 kernels. */
    private static final ThreadLocal<float[]> BLOCK_SUMS = new ThreadLocal<>();

    /** {@code sums[b]} = x[32b] + .. + x[32b + 31] for each of {@code blocks} blocks, in a per-thread array. */
    private static float[] blockSums(float[] x, int blocks) {
        float[] sums = BLOCK_SUMS.get();
        if (sums == null || sums.length < blocks) {
            sums = new float[blocks];
            BLOCK_SUMS.set(sums);
        }
        for (int b = 0; b < blocks; b++) {
            FloatVector v = FloatVector.fromArray(F, x, 32 * b);
            for (int k = L; k < 32; k += L) v = v.add(FloatVector.fromArray(F, x, 32 * b + k));
            sums[b] = OPS.sum(v);
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
    private static float q5_0Tile1(MemorySegment seg, long row, int blocks, float[] x, float[] xSums) {
        IntVector lanes = laneIndices();
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        float bias = 0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q5_0_BLOCK_BYTES * blk;
            IntVector qh = IntVector.broadcast(I, seg.get(LE_INT, block + 2));
            int xb = Q5_0_BLOCK * blk;
            FloatVector s = FloatVector.zero(F);
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector q = quantBytes(seg, block + 6 + k);
                for (int p = 0; p < QPARTS; p++) {
                    int j = k + p * L;
                    IntVector qi = nibblePairs(q, p);
                    IntVector high0 = qh.lanewise(VectorOperators.ROR, lanes.add(j - 4).and(31)).and(0x10);
                    IntVector high1 = qh.lanewise(VectorOperators.ROR, lanes.add(j + 12)).and(0x10);
                    s = FloatVector.fromArray(F, x, xb + j).fma(toFloat(qi.and(0x0F).or(high0)), s);
                    s = FloatVector.fromArray(F, x, xb + j + 16).fma(toFloat(qi.lanewise(VectorOperators.LSHR, 4).or(high1)), s);
                }
            }
            float d = Float.float16ToFloat(seg.get(LE_SHORT, block));
            bias = Math.fma(d, xSums[blk], bias);
            FloatVector dv = FloatVector.broadcast(F, d);
            if ((blk & 1) == 0) a0 = s.fma(dv, a0);
            else a1 = s.fma(dv, a1);
        }
        return OPS.sum(a0.add(a1)) - 16 * bias;
    }

    private static int u8(MemorySegment seg, long offset) {
        return seg.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    /** ggml's get_scale_min_k4: the 6-bit scale (bits 8..13) and min (bits 0..5) of Q4_K sub-block j. */
    private static int q4kScaleMin(MemorySegment seg, long scales, int j) {
        int sc, m;
        if (j < 4) {
            sc = u8(seg, scales + j) & 63;
            m = u8(seg, scales + j + 4) & 63;
        } else {
            sc = (u8(seg, scales + j + 4) & 0xF) | ((u8(seg, scales + j - 4) >>> 6) << 4);
            m = (u8(seg, scales + j + 4) >>> 4) | ((u8(seg, scales + j) >>> 6) << 4);
        }
        return (sc << 8) | m;
    }

    // ggml's get_scale_min_k4 for all eight sub-blocks at once, bytewise in a long (byte j = the
    // 6-bit value of sub-block j), from the 12 scale bytes b[0..7] = {@code lo}, b[8..11] = {@code hi}:
    // j < 4: scale = b[j] & 63, min = b[j+4] & 63; j >= 4: scale = (b[j+4] & 15) | (b[j-4] >> 6) << 4,
    // min = (b[j+4] >> 4) | (b[j] >> 6) << 4. ((b >> 6) << 4 is (b >> 2) & 0x30 within a byte.)

    private static long q4kScales(long lo, int hi) {
        int first = (int) lo & 0x3F3F3F3F;
        int last = (hi & 0x0F0F0F0F) | (((int) lo >>> 2) & 0x30303030);
        return (first & 0xFFFFFFFFL) | ((long) last << 32);
    }

    private static long q4kMins(long lo, int hi) {
        int upper = (int) (lo >>> 32);
        int first = upper & 0x3F3F3F3F;
        int last = ((hi >>> 4) & 0x0F0F0F0F) | ((upper >>> 2) & 0x30303030);
        return (first & 0xFFFFFFFFL) | ((long) last << 32);
    }

    private static void q4_KDecode(MemorySegment seg, long row, int blocks, float[] dst, int dstOff) {
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q4_K_BLOCK_BYTES * blk;
            float d = Float.float16ToFloat(seg.get(LE_SHORT, block));
            float dmin = Float.float16ToFloat(seg.get(LE_SHORT, block + 2));
            long scales = block + 4;
            for (int g = 0; g < 4; g++) {
                int sm = q4kScaleMin(seg, scales, 2 * g);
                FloatVector d1 = FloatVector.broadcast(F, d * (sm >>> 8));
                FloatVector m1 = FloatVector.broadcast(F, dmin * (sm & 0xFF));
                sm = q4kScaleMin(seg, scales, 2 * g + 1);
                FloatVector d2 = FloatVector.broadcast(F, d * (sm >>> 8));
                FloatVector m2 = FloatVector.broadcast(F, dmin * (sm & 0xFF));
                long qs = block + 16 + 32L * g;
                int o = dstOff + Q4_K_BLOCK * blk + 64 * g;
                for (int l = 0; l < 32; l += QCHUNK) {
                    ByteVector q = quantBytes(seg, qs + l);
                    for (int p = 0; p < QPARTS; p++) {
                        IntVector qi = nibblePairs(q, p);
                        int e = o + l + p * L;
                        d1.mul(toFloat(qi.and(0x0F))).sub(m1).intoArray(dst, e);
                        d2.mul(toFloat(qi.lanewise(VectorOperators.LSHR, 4))).sub(m2).intoArray(dst, e + 32);
                    }
                }
            }
        }
    }

    private static void q6_KDecode(MemorySegment seg, long row, int blocks, float[] dst, int dstOff) {
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q6_K_BLOCK_BYTES * blk;
            float d = Float.float16ToFloat(seg.get(LE_SHORT, block + 208));
            for (int n = 0; n < 2; n++) {
                long ql = block + 64L * n, qh = block + 128 + 32L * n, sc = block + 192 + 8L * n;
                int o = dstOff + Q6_K_BLOCK * blk + 128 * n;
                // Quarter t (elements 32t..32t+31 of the half): nibble t>>1 of ql[l + 32*(t&1)], bits
                // 2t..2t+1 of qh[l], scale sc[is + 2t]. One loop body for the four quarters keeps the
                // method small enough for C2 to inline every vector operation.
                for (int t = 0; t < 4; t++) {
                    int nibbleShift = 4 * (t >> 1), highShift = 2 * t;
                    for (int l = 0; l < 32; l += QCHUNK) {
                        ByteVector q = quantBytes(seg, ql + l + 32 * (t & 1)), h = quantBytes(seg, qh + l);
                        for (int p = 0; p < QPARTS; p++) {
                            int j = l + p * L; // L divides 16: a part never straddles two scales
                            IntVector low4 = nibblePairs(q, p).lanewise(VectorOperators.LSHR, nibbleShift).and(0x0F);
                            IntVector high2 = nibblePairs(h, p).lanewise(VectorOperators.LSHR, highShift).and(3).lanewise(VectorOperators.LSHL, 4);
                            float scale = d * seg.get(ValueLayout.JAVA_BYTE, sc + j / 16 + 2 * t);
                            toFloat(low4.or(high2).sub(32)).mul(scale).intoArray(dst, o + 32 * t + j);
                        }
                    }
                }
            }
        }
    }

    /**
     * One Q4_K row against one vector: each weight vector decoded in registers exactly as
     * {@link #q4_KDecode} writes it ({@code (d*sc) * q - dmin*m}), then one FMA with x. Low
     * nibbles (sub-block 2g) and high nibbles (2g+1) feed separate accumulators.
     */
    private static float q4_KTile1(MemorySegment seg, long row, int blocks, float[] x) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q4_K_BLOCK_BYTES * blk;
            float d = Float.float16ToFloat(seg.get(LE_SHORT, block));
            float dmin = Float.float16ToFloat(seg.get(LE_SHORT, block + 2));
            long packed = seg.get(LE_LONG, block + 4);
            int packedHigh = seg.get(LE_INT, block + 12);
            long scales = q4kScales(packed, packedHigh), mins = q4kMins(packed, packedHigh);
            for (int g = 0; g < 4; g++) {
                FloatVector d1 = FloatVector.broadcast(F, d * ((int) (scales >>> (16 * g)) & 0xFF));
                FloatVector m1 = FloatVector.broadcast(F, dmin * ((int) (mins >>> (16 * g)) & 0xFF));
                FloatVector d2 = FloatVector.broadcast(F, d * ((int) (scales >>> (16 * g + 8)) & 0xFF));
                FloatVector m2 = FloatVector.broadcast(F, dmin * ((int) (mins >>> (16 * g + 8)) & 0xFF));
                long qs = block + 16 + 32L * g;
                int xb = Q4_K_BLOCK * blk + 64 * g;
                for (int l = 0; l < 32; l += QCHUNK) {
                    ByteVector q = quantBytes(seg, qs + l);
                    for (int p = 0; p < QPARTS; p++) {
                        IntVector qi = nibblePairs(q, p);
                        int e = xb + l + p * L;
                        a0 = FloatVector.fromArray(F, x, e).fma(d1.mul(toFloat(qi.and(0x0F))).sub(m1), a0);
                        a1 = FloatVector.fromArray(F, x, e + 32).fma(d2.mul(toFloat(qi.lanewise(VectorOperators.LSHR, 4))).sub(m2), a1);
                    }
                }
            }
        }
        return OPS.sum(a0.add(a1));
    }

    /**
     * One Q6_K row against one vector: each weight vector decoded in registers exactly as
     * {@link #q6_KDecode} writes it ({@code (d*sc) * (q - 32)}), then one FMA with x. A loop step
     * reads ql[l], ql[l + 32] and qh[l] once and makes two quarters of the half (nibble {@code tt}
     * of both ql bytes, qh bits {@code 4tt..4tt+3}), one per accumulator. (A step making all four
     * quarters from one load of each, into four accumulators, ran 3x slower: past C2's node budget.)
     */
    private static float q6_KTile1(MemorySegment seg, long row, int blocks, float[] x) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q6_K_BLOCK_BYTES * blk;
            float d = Float.float16ToFloat(seg.get(LE_SHORT, block + 208));
            for (int n = 0; n < 2; n++) {
                long ql = block + 64L * n, qh = block + 128 + 32L * n;
                long scales = seg.get(LE_LONG, block + 192 + 8L * n); // byte s + 2t: quarter t, sixteenth s
                int xb = Q6_K_BLOCK * blk + 128 * n;
                for (int tt = 0; tt < 2; tt++) { // quarters 2tt (ql[l]) and 2tt+1 (ql[l + 32])
                    int nibbleShift = 4 * tt, highShift = 4 * tt;
                    for (int l = 0; l < 32; l += QCHUNK) {
                        ByteVector qa = quantBytes(seg, ql + l), qb = quantBytes(seg, ql + l + 32), h = quantBytes(seg, qh + l);
                        for (int p = 0; p < QPARTS; p++) {
                            int j = l + p * L; // L divides 16: a part never straddles two scales
                            IntVector hi = nibblePairs(h, p).lanewise(VectorOperators.LSHR, highShift);
                            IntVector lowA = nibblePairs(qa, p).lanewise(VectorOperators.LSHR, nibbleShift).and(0x0F);
                            IntVector lowB = nibblePairs(qb, p).lanewise(VectorOperators.LSHR, nibbleShift).and(0x0F);
                            IntVector highA = hi.and(3).lanewise(VectorOperators.LSHL, 4);
                            IntVector highB = hi.and(0xC).lanewise(VectorOperators.LSHL, 2);
                            int shift = 8 * (j / 16 + 4 * tt);
                            float scaleA = d * (byte) (scales >>> shift), scaleB = d * (byte) (scales >>> (shift + 16));
                            int e = xb + 64 * tt + j;
                            a0 = FloatVector.fromArray(F, x, e).fma(toFloat(lowA.or(highA).sub(32)).mul(scaleA), a0);
                            a1 = FloatVector.fromArray(F, x, e + 32).fma(toFloat(lowB.or(highB).sub(32)).mul(scaleB), a1);
                        }
                    }
                }
            }
        }
        return OPS.sum(a0.add(a1));
    }
}
