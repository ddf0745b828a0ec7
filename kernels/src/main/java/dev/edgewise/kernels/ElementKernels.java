package dev.edgewise.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * The float kernels of the element formats (F32, F16, BF16) for one float species {@link #F}:
 * one-vector fused kernels reading the weights in place, and row decoders for the float tiles.
 * Loaded like {@code SpeciesKernels} (which holds this width's copy): once normally for the
 * preferred species and as a hidden class per other species ({@link KernelsBySpecies}), so that
 * {@link #F} is a constant; the same rules keep the copies sound.
 */
final class ElementKernels implements FormatKernels {

    static final VectorSpecies<Float> F = KernelsBySpecies.speciesOf(MethodHandles.lookup());
    private static final int L = F.length();
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);

    /** F16/BF16 load {@code L} 16-bit values as one short vector ({@link WeightFormat.Lanes#HALVES}). */
    private static final boolean HALF_SIMD = WeightFormat.Lanes.HALVES.fits(L);
    private static final VectorSpecies<Short> S = HALF_SIMD ? VectorSpecies.of(short.class, VectorShape.forBitSize(16 * L)) : null;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);


    /** 2^112: rebiases a half's exponent (bias 15) to a float's (bias 127), normals and subnormals alike. */
    private static final float HALF_EXPONENT_REBIAS = 0x1p112f;

    /** This width's lane sums (VectorKernels). */
    private static final LaneOps OPS = KernelsBySpecies.kernels(VectorKernels.class, LaneOps.class, F);

    ElementKernels() {}

    @Override
    public void fusedRows(WeightFormat f, MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int batch, int r0, int r1) {
        switch (f) {
            case F32 -> f32Rows(seg, rowBytes, rows, cols, x, out, batch, r0, r1);
            case F16 -> f16Rows(seg, rowBytes, cols, x, out, r0, r1);
            case BF16 -> bf16Rows(seg, rowBytes, cols, x, out, r0, r1);
            default -> throw new IllegalArgumentException(f + " is not an element format");
        }
    }

    /** F16 and BF16 decode in SIMD only where {@code HALF_SIMD}; elsewhere their scalar tails convert every value, exactly. */
    @Override
    public void decodeRow(WeightFormat f, MemorySegment seg, long src, float[] dst, int dstOff, int cols) {
        switch (f) {
            case F32 -> MemorySegment.copy(seg, LE_FLOAT, src, dst, dstOff, cols);
            case F16 -> halvesToFloats(seg, src, dst, dstOff, cols);
            case BF16 -> bf16Decode(seg, src, dst, dstOff, cols);
            default -> throw new IllegalArgumentException(f + " is not an element format");
        }
    }

    // F32, one vector: reads the weights in place. (The tile-of-4 loop below also serves batches
    // when called directly; matmulRows sends F32 batches through decodedRows, whose "decoder" is
    // a copy, because the 4 x 4 tiles there measured 1.5-2x faster than these 1 x 4 tiles.)

    private static void f32Rows(MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int batch, int r0, int r1) {
        float[] acc = Scratch.LANE_SUMS.atLeast(4 * L);
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            int b = 0;
            for (; batch - b >= 2; b += 4) {
                int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                f32Tile4(seg, row, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                        out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r, acc);
            }
            if (b < batch) out[b * rows + r] = f32Tile1(seg, row, cols, x, b * cols, acc);
        }
    }

    // One vector, F16/BF16: one row at a time. Each format's loop is its own small method so
    // that matmulRows stays small: C2 inlines callees into one compilation unit up to a node
    // budget, and a kernel inlined past it keeps its vector operations as boxed calls (BF16 ran
    // 18x slower when these loops sat in matmulRows).

    private static void f16Rows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        float[] acc = Scratch.LANE_SUMS.atLeast(L);
        for (int r = r0; r < r1; r++) out[r] = f16Tile1(seg, r * rowBytes, cols, x, 0, acc);
    }

    private static void bf16Rows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        float[] acc = Scratch.LANE_SUMS.atLeast(L);
        for (int r = r0; r < r1; r++) out[r] = bf16Tile1(seg, r * rowBytes, cols, x, 0, acc);
    }

    // Each decoder is its own method: inlined into decodeRow together, they overflowed C2's node
    // budget and left the F16 conversion as boxed calls (batch 8 ran 2.3x slower than before).
    // For the same reason no method here takes or returns a vector: a call C2 leaves out of line
    // exchanges arrays, never boxed vectors.

    /**
     * {@code n} IEEE halves at {@code src} to floats at {@code dst}, exact. The JDK 25 Vector API has
     * no float16 conversion, so: put the half's exponent and mantissa at the float's mantissa top
     * (shift by 13) and multiply by 2^112, which rebiases normals and turns subnormal halves into the
     * right normal floats; Inf and NaN (half exponent all ones) get the float exponent all ones
     * instead; then restore the sign. Lanes where {@code HALF_SIMD}, the scalar conversion for the rest.
     */
    private static void halvesToFloats(MemorySegment seg, long src, float[] dst, int dstOff, int n) {
        int c = 0;
        for (int bound = HALF_SIMD ? F.loopBound(n) : 0; c < bound; c += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, seg, src + 2L * c, LE).convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            IntVector magnitude = h.and(0x7FFF);
            IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
            IntVector finite = shifted.reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS).reinterpretAsInts();
            VectorMask<Integer> infOrNaN = magnitude.compare(VectorOperators.GE, 0x7C00);
            IntVector bits = finite.blend(shifted.or(0x7F80_0000), infOrNaN);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            bits.or(sign).reinterpretAsFloats().intoArray(dst, dstOff + c);
        }
        for (; c < n; c++) dst[dstOff + c] = Float.float16ToFloat(seg.get(LE_SHORT, src + 2L * c));
    }

    /** bfloat16 to float: the 16 bits are the float's upper half. */
    private static void bf16Decode(MemorySegment seg, long src, float[] dst, int dstOff, int cols) {
        int c = 0;
        for (int bound = HALF_SIMD ? F.loopBound(cols) : 0; c < bound; c += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, seg, src + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0);
            h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + c);
        }
        for (; c < cols; c++) dst[dstOff + c] = bf16Scalar(seg, src + 2L * c);
    }

    // ---------------------------------------------------------------------------------------------
    // Matmul: element formats (F32, F16, BF16). Vector loop, then a scalar tail for cols % L.

    private static float f32Tile1(MemorySegment seg, long row, int cols, float[] x, int x0, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int c = 0;
        for (; c <= cols - 2 * L; c += 2 * L) {
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(FloatVector.fromMemorySegment(F, seg, row + 4L * c, LE), a0);
            a1 = FloatVector.fromArray(F, x, x0 + c + L).fma(FloatVector.fromMemorySegment(F, seg, row + 4L * (c + L), LE), a1);
        }
        if (c <= cols - L) {
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(FloatVector.fromMemorySegment(F, seg, row + 4L * c, LE), a0);
            c += L;
        }
        a0.add(a1).intoArray(acc, 0);
        float s = OPS.sumAt(acc, 0);
        for (; c < cols; c++) s = Math.fma(seg.get(LE_FLOAT, row + 4L * c), x[x0 + c], s);
        return s;
    }

    private static void f32Tile4(MemorySegment seg, long row, int cols, float[] x, int x0, int x1, int x2, int x3,
                                 float[] out, int o0, int o1, int o2, int o3, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) {
            FloatVector w = FloatVector.fromMemorySegment(F, seg, row + 4L * c, LE);
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(w, a0);
            a1 = FloatVector.fromArray(F, x, x1 + c).fma(w, a1);
            a2 = FloatVector.fromArray(F, x, x2 + c).fma(w, a2);
            a3 = FloatVector.fromArray(F, x, x3 + c).fma(w, a3);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, L);
        a2.intoArray(acc, 2 * L);
        a3.intoArray(acc, 3 * L);
        float s0 = OPS.sumAt(acc, 0), s1 = OPS.sumAt(acc, L);
        float s2 = OPS.sumAt(acc, 2 * L), s3 = OPS.sumAt(acc, 3 * L);
        for (; c < cols; c++) {
            float w = seg.get(LE_FLOAT, row + 4L * c);
            s0 = Math.fma(w, x[x0 + c], s0);
            s1 = Math.fma(w, x[x1 + c], s1);
            s2 = Math.fma(w, x[x2 + c], s2);
            s3 = Math.fma(w, x[x3 + c], s3);
        }
        out[o0] = s0;
        out[o1] = s1;
        out[o2] = s2;
        out[o3] = s3;
    }

    /**
     * One F16 row against one vector, the halves converted in registers: finite halves only (the
     * caller sends a matrix with Inf or NaN to the exact decoder, {@link WeightMatrix#finiteHalves}),
     * so without {@link #halvesToFloats}' Inf/NaN blend and separate sign: the sign-extended half
     * shifted to the float's mantissa top keeps its sign in bit 31, its copies in bits 28-30 are
     * cleared, and 2^112 rebiases (5 operations per L weights with the multiply-add, against 11; JMH
     * 4864x896 two threads 72-77 against 51-53 GB/s). Four accumulators, then one vector at a time.
     * Over C2's FreqInlineSize, a compilation of its own (KernelRootsTest).
     * Converting a chunk into scratch first and multiplying from there (to call halvesToFloats) had
     * cost F16 decode 15-20% (0.5B: 25-30 against 31-34 tok/s).
     */
    private static float f16Tile1(MemorySegment seg, long row, int cols, float[] x, int x0, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (int bound = HALF_SIMD ? cols - 4 * L : -1; c <= bound; c += 4 * L) {
            FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(S, seg, row + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFF_E000).reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS);
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(w0, a0);
            FloatVector w1 = ((IntVector) ShortVector.fromMemorySegment(S, seg, row + 2L * (c + L), LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFF_E000).reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS);
            a1 = FloatVector.fromArray(F, x, x0 + c + L).fma(w1, a1);
            FloatVector w2 = ((IntVector) ShortVector.fromMemorySegment(S, seg, row + 2L * (c + 2 * L), LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFF_E000).reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS);
            a2 = FloatVector.fromArray(F, x, x0 + c + 2 * L).fma(w2, a2);
            FloatVector w3 = ((IntVector) ShortVector.fromMemorySegment(S, seg, row + 2L * (c + 3 * L), LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFF_E000).reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS);
            a3 = FloatVector.fromArray(F, x, x0 + c + 3 * L).fma(w3, a3);
        }
        for (int bound = HALF_SIMD ? cols - L : -1; c <= bound; c += L) {
            FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(S, seg, row + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFF_E000).reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS);
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(w0, a0);
        }
        a0.add(a1).add(a2.add(a3)).intoArray(acc, 0);
        float s = OPS.sumAt(acc, 0);
        for (; c < cols; c++) s = Math.fma(Float.float16ToFloat(seg.get(LE_SHORT, row + 2L * c)), x[x0 + c], s);
        return s;
    }

    private static float bf16Scalar(MemorySegment seg, long offset) {
        return Float.intBitsToFloat((seg.get(LE_SHORT, offset) & 0xFFFF) << 16);
    }

    private static float bf16Tile1(MemorySegment seg, long row, int cols, float[] x, int x0, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int c = 0;
        for (; c <= cols - 2 * L; c += 2 * L) {
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(((IntVector) ShortVector.fromMemorySegment(S, seg, row + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a0);
            a1 = FloatVector.fromArray(F, x, x0 + c + L).fma(((IntVector) ShortVector.fromMemorySegment(S, seg, row + 2L * (c + L), LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a1);
        }
        if (c <= cols - L) {
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(((IntVector) ShortVector.fromMemorySegment(S, seg, row + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a0);
            c += L;
        }
        a0.add(a1).intoArray(acc, 0);
        float s = OPS.sumAt(acc, 0);
        for (; c < cols; c++) s = Math.fma(bf16Scalar(seg, row + 2L * c), x[x0 + c], s);
        return s;
    }
}
