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
 * The float kernels of the K-quants with SIMD kernels (Q4_K, Q6_K: 256-element super-blocks) for
 * one float species {@link #F}: one-vector fused kernels decoding each weight vector in registers
 * to exactly the decoder's floats, and row decoders for the float tiles. Quants are read in the
 * same chunks as {@link QuantKernels}' ({@link WeightFormat.Lanes#quantChunk}).
 * Loaded like {@code SpeciesKernels} (which holds this width's copy): once normally for the
 * preferred species and as a hidden class per other species ({@link KernelsBySpecies}), so that
 * {@link #F} is a constant; the same rules keep the copies sound.
 */
final class KQuantKernels implements FormatKernels {

    static final VectorSpecies<Float> F = KernelsBySpecies.speciesOf(MethodHandles.lookup());
    private static final int L = F.length();
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);

    /** Quants in chunks of {@link #QCHUNK} bytes, each {@link #QPARTS} float vectors ({@link WeightFormat.Lanes#BLOCKS}). */
    private static final boolean BLOCK_SIMD = WeightFormat.Lanes.BLOCKS.fits(L);
    private static final VectorSpecies<Byte> BQ = BLOCK_SIMD ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * WeightFormat.Lanes.quantChunk(L))) : null;
    private static final int QCHUNK = BLOCK_SIMD ? BQ.length() : 0;
    private static final int QPARTS = BLOCK_SIMD ? QCHUNK / L : 0;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    /** Super-block sizes (elements) and bytes, from the per-type table (and so from GGMLType). */
    private static final int Q4_K_BLOCK = WeightFormat.Q4_K.blockSize, Q4_K_BLOCK_BYTES = WeightFormat.Q4_K.blockBytes;
    private static final int Q6_K_BLOCK = WeightFormat.Q6_K.blockSize, Q6_K_BLOCK_BYTES = WeightFormat.Q6_K.blockBytes;

    /** This width's lane sums (VectorKernels). */
    private static final LaneOps OPS = KernelsBySpecies.kernels(VectorKernels.class, LaneOps.class, F);

    KQuantKernels() {}

    @Override
    public void fusedRows(WeightFormat f, MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int batch, int r0, int r1) {
        switch (f) {
            case Q4_K -> q4_KRows(seg, rowBytes, cols, x, out, r0, r1);
            case Q6_K -> q6_KRows(seg, rowBytes, cols, x, out, r0, r1);
            default -> throw new IllegalArgumentException(f + " is not a K-quant");
        }
    }

    @Override
    public void decodeRow(WeightFormat f, MemorySegment seg, long src, float[] dst, int dstOff, int cols) {
        switch (f) {
            case Q4_K -> q4_KDecode(seg, src, cols / Q4_K_BLOCK, dst, dstOff);
            case Q6_K -> q6_KDecode(seg, src, cols / Q6_K_BLOCK, dst, dstOff);
            default -> throw new IllegalArgumentException(f + " is not a K-quant");
        }
    }

    // One vector: one row at a time, each format's loop its own small method (see QuantKernels).

    private static void q6_KRows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        float[] acc = Scratch.LANE_SUMS.atLeast(L);
        for (int r = r0; r < r1; r++) out[r] = q6_KTile1(seg, r * rowBytes, cols / Q6_K_BLOCK, x, acc);
    }

    private static void q4_KRows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        float[] acc = Scratch.LANE_SUMS.atLeast(L);
        for (int r = r0; r < r1; r++) out[r] = q4_KTile1(seg, r * rowBytes, cols / Q4_K_BLOCK, x, acc);
    }

    // The chunk loads and conversions, as in QuantKernels (one Vector API call each).

    // SIMD decoders and fused kernels of Q4_K and Q6_K (Q4_K_M files mix these with Q5_0 and Q8_0).
    // Each decoder writes exactly the floats of quant's scalar Dequantize.row (ggml's
    // dequantize_row_*): the same float operations in the same order, on lanes.
    //   Q4_K (144 bytes per 256): d, dmin, 12 bytes of packed 6-bit scales/mins, 128 bytes qs; four
    //        groups of 64: 32 low nibbles with (d*sc, dmin*m) of sub-block 2g, 32 high nibbles with
    //        sub-block 2g+1's; element = (d*sc) * q - dmin*m.
    //   Q6_K (210 bytes per 256): ql[128], qh[64], int8 scales[16], d; two halves of 128, each from 64
    //        ql bytes and 32 qh bytes: four 6-bit quants per (ql, ql+32, qh) lane; (d*sc) * (q - 32).

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
                    ByteVector q = ByteVector.fromMemorySegment(BQ, seg, qs + l, LE);
                    for (int p = 0; p < QPARTS; p++) {
                        IntVector qi = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                        int e = o + l + p * L;
                        d1.mul((FloatVector) qi.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).sub(m1).intoArray(dst, e);
                        d2.mul((FloatVector) qi.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0)).sub(m2).intoArray(dst, e + 32);
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
                        ByteVector q = ByteVector.fromMemorySegment(BQ, seg, ql + l + 32 * (t & 1), LE), h = ByteVector.fromMemorySegment(BQ, seg, qh + l, LE);
                        for (int p = 0; p < QPARTS; p++) {
                            int j = l + p * L; // L divides 16: a part never straddles two scales
                            IntVector low4 = ((IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p)).lanewise(VectorOperators.LSHR, nibbleShift).and(0x0F);
                            IntVector high2 = ((IntVector) h.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p)).lanewise(VectorOperators.LSHR, highShift).and(3).lanewise(VectorOperators.LSHL, 4);
                            float scale = d * seg.get(ValueLayout.JAVA_BYTE, sc + j / 16 + 2 * t);
                            ((FloatVector) low4.or(high2).sub(32).convertShape(VectorOperators.I2F, F, 0)).mul(scale).intoArray(dst, o + 32 * t + j);
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
    private static float q4_KTile1(MemorySegment seg, long row, int blocks, float[] x, float[] acc) {
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
                    ByteVector q = ByteVector.fromMemorySegment(BQ, seg, qs + l, LE);
                    for (int p = 0; p < QPARTS; p++) {
                        IntVector qi = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                        int e = xb + l + p * L;
                        a0 = FloatVector.fromArray(F, x, e).fma(d1.mul((FloatVector) qi.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).sub(m1), a0);
                        a1 = FloatVector.fromArray(F, x, e + 32).fma(d2.mul((FloatVector) qi.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0)).sub(m2), a1);
                    }
                }
            }
        }
        a0.add(a1).intoArray(acc, 0);
        return OPS.sumAt(acc, 0);
    }

    /**
     * One Q6_K row against one vector: each weight vector decoded in registers exactly as
     * {@link #q6_KDecode} writes it ({@code (d*sc) * (q - 32)}), then one FMA with x. A loop step
     * reads ql[l], ql[l + 32] and qh[l] once and makes two quarters of the half (nibble {@code tt}
     * of both ql bytes, qh bits {@code 4tt..4tt+3}), one per accumulator. (A step making all four
     * quarters from one load of each, into four accumulators, ran 3x slower: past C2's node budget.)
     */
    private static float q6_KTile1(MemorySegment seg, long row, int blocks, float[] x, float[] acc) {
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
                        ByteVector qa = ByteVector.fromMemorySegment(BQ, seg, ql + l, LE), qb = ByteVector.fromMemorySegment(BQ, seg, ql + l + 32, LE),
                                h = ByteVector.fromMemorySegment(BQ, seg, qh + l, LE);
                        for (int p = 0; p < QPARTS; p++) {
                            int j = l + p * L; // L divides 16: a part never straddles two scales
                            IntVector hi = ((IntVector) h.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p)).lanewise(VectorOperators.LSHR, highShift);
                            IntVector lowA = ((IntVector) qa.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p)).lanewise(VectorOperators.LSHR, nibbleShift).and(0x0F);
                            IntVector lowB = ((IntVector) qb.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p)).lanewise(VectorOperators.LSHR, nibbleShift).and(0x0F);
                            IntVector highA = hi.and(3).lanewise(VectorOperators.LSHL, 4);
                            IntVector highB = hi.and(0xC).lanewise(VectorOperators.LSHL, 2);
                            int shift = 8 * (j / 16 + 4 * tt);
                            float scaleA = d * (byte) (scales >>> shift), scaleB = d * (byte) (scales >>> (shift + 16));
                            int e = xb + 64 * tt + j;
                            a0 = FloatVector.fromArray(F, x, e).fma(((FloatVector) lowA.or(highA).sub(32).convertShape(VectorOperators.I2F, F, 0)).mul(scaleA), a0);
                            a1 = FloatVector.fromArray(F, x, e + 32).fma(((FloatVector) lowB.or(highB).sub(32).convertShape(VectorOperators.I2F, F, 0)).mul(scaleB), a1);
                        }
                    }
                }
            }
        }
        a0.add(a1).intoArray(acc, 0);
        return OPS.sumAt(acc, 0);
    }
}
