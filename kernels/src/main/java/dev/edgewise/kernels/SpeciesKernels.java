package dev.edgewise.kernels;

import dev.edgewise.quant.Dequantize;
import dev.edgewise.quant.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.constant.ConstantDescs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * All SIMD kernels for one float species {@link #F}, held in a {@code static final} field so that C2
 * compiles every vector operation to machine instructions. This class file is loaded once normally
 * (species = {@link FloatVector#SPECIES_PREFERRED}) and again as a hidden class per other species by
 * {@link KernelsBySpecies}, whose javadoc explains why.
 *
 * <p>Rules that keep the hidden copies sound: no nested or anonymous classes, no lambdas, no enum
 * switches (each would be a separate, normally loaded class that sees the normally loaded
 * {@code SpeciesKernels}, not this copy), and all width-dependent facts derived from {@link #F}.
 *
 * <p>Matmul structure: for each weight row, the batch is processed in tiles of four vectors (a tile
 * of two or three repeats its last vector, and the duplicate result lands on the same output) plus a
 * single-vector tile for a lone remainder. A tile walks the row once, decoding each block or vector of
 * weights into registers once and fusing it into one accumulator per batch vector. Rows are short
 * (a few KiB), so the second and later tiles of a row read it from cache: the weights are streamed
 * from memory once per call whatever the batch.
 */
final class SpeciesKernels implements SimdKernels, KernelInternals {

    static final VectorSpecies<Float> F = speciesFromClassData();
    private static final int L = F.length();
    private static final VectorSpecies<Double> D = F.withLanes(double.class);
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);

    /** F16/BF16 load {@code L} 16-bit values as one short vector; the narrowest short vector has 4 lanes. */
    private static final boolean HALF_SIMD = L >= 4 && L <= 32;
    private static final VectorSpecies<Short> S = HALF_SIMD ? VectorSpecies.of(short.class, VectorShape.forBitSize(16 * L)) : null;

    /**
     * Q8_0/Q4_0 decode 16 quant bytes (half a Q8_0 block, a whole Q4_0 block) in chunks of
     * {@link #QCHUNK} bytes, each widened to {@link #QPARTS} float vectors. A chunk is {@code L} bytes
     * when a byte vector that short exists (8 or 16 lanes), else 8 bytes split in two parts: the
     * layout needs {@code L} to divide 16.
     */
    private static final boolean BLOCK_SIMD = L >= 4 && L <= 16 && 16 % L == 0;
    private static final VectorSpecies<Byte> BQ = BLOCK_SIMD ? VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, 8 * L))) : null;
    private static final int QCHUNK = BLOCK_SIMD ? BQ.length() : 0;
    private static final int QPARTS = BLOCK_SIMD ? QCHUNK / L : 0;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int Q8_0_BLOCK_BYTES = 34;
    private static final int Q4_0_BLOCK_BYTES = 18;

    /** 2^112: rebiases a half's exponent (bias 15) to a float's (bias 127), normals and subnormals alike. */
    private static final float HALF_EXPONENT_REBIAS = 0x1p112f;

    /** Per-thread row buffer of the dequantizing fallback (allocated once per thread, grown on demand). */
    private static final ThreadLocal<float[]> ROW_SCRATCH = new ThreadLocal<>();

    SpeciesKernels() {}

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
    public VectorSpecies<Float> species() {
        return F;
    }

    @Override
    public String toString() {
        return "SimdKernels[" + F + "]";
    }

    // ---------------------------------------------------------------------------------------------
    // Matmul: dispatch

    @Override
    public boolean hasDirectKernel(GGMLType type) {
        if (type == GGMLType.F32) return true;
        if (type == GGMLType.F16 || type == GGMLType.BF16) return HALF_SIMD;
        if (type == GGMLType.Q8_0 || type == GGMLType.Q4_0) return BLOCK_SIMD;
        return false;
    }

    @Override
    public void matmulRows(WeightMatrix w, float[] x, float[] out, int batch, int rowStart, int rowEnd) {
        MatMul.checkArguments(w, x, out, batch, rowStart, rowEnd);
        if (batch == 0 || rowStart == rowEnd) return;
        GGMLType type = w.type();
        MemorySegment seg = w.data();
        long rowBytes = w.rowBytes();
        int rows = w.rows();
        int cols = w.cols();
        if (type == GGMLType.F32) {
            f32Rows(seg, rowBytes, rows, cols, x, out, batch, rowStart, rowEnd);
        } else if (type == GGMLType.F16 && HALF_SIMD) {
            f16Rows(seg, rowBytes, rows, cols, x, out, batch, rowStart, rowEnd);
        } else if (type == GGMLType.BF16 && HALF_SIMD) {
            bf16Rows(seg, rowBytes, rows, cols, x, out, batch, rowStart, rowEnd);
        } else if (type == GGMLType.Q8_0 && BLOCK_SIMD) {
            q8_0Rows(seg, rowBytes, rows, cols, x, out, batch, rowStart, rowEnd);
        } else if (type == GGMLType.Q4_0 && BLOCK_SIMD) {
            q4_0Rows(seg, rowBytes, rows, cols, x, out, batch, rowStart, rowEnd);
        } else {
            dequantizedRows(w, x, out, batch, rowStart, rowEnd);
        }
    }

    @Override
    public void matmulRowsDequantized(WeightMatrix w, float[] x, float[] out, int batch, int rowStart, int rowEnd) {
        MatMul.checkArguments(w, x, out, batch, rowStart, rowEnd);
        if (batch == 0 || rowStart == rowEnd) return;
        dequantizedRows(w, x, out, batch, rowStart, rowEnd);
    }

    // Each *Rows method below is the same row/tile loop around its format's tiles (kept per format so
    // the type dispatch happens once per call). For each row: tiles of 4 batch vectors while at least
    // 2 remain (indices past the end repeat the last vector), then a 1-vector tile if 1 remains.

    private static void f32Rows(MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int batch, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            int b = 0;
            for (; batch - b >= 2; b += 4) {
                int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                f32Tile4(seg, row, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                        out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
            }
            if (b < batch) out[b * rows + r] = f32Tile1(seg, row, cols, x, b * cols);
        }
    }

    private static void f16Rows(MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int batch, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            int b = 0;
            for (; batch - b >= 2; b += 4) {
                int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                f16Tile4(seg, row, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                        out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
            }
            if (b < batch) out[b * rows + r] = f16Tile1(seg, row, cols, x, b * cols);
        }
    }

    private static void bf16Rows(MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int batch, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            int b = 0;
            for (; batch - b >= 2; b += 4) {
                int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                bf16Tile4(seg, row, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                        out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
            }
            if (b < batch) out[b * rows + r] = bf16Tile1(seg, row, cols, x, b * cols);
        }
    }

    private static void q8_0Rows(MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int batch, int r0, int r1) {
        int blocks = cols / 32;
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            int b = 0;
            for (; batch - b >= 2; b += 4) {
                int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                q8_0Tile4(seg, row, blocks, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                        out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
            }
            if (b < batch) out[b * rows + r] = q8_0Tile1(seg, row, blocks, x, b * cols);
        }
    }

    private static void q4_0Rows(MemorySegment seg, long rowBytes, int rows, int cols, float[] x, float[] out, int batch, int r0, int r1) {
        int blocks = cols / 32;
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            int b = 0;
            for (; batch - b >= 2; b += 4) {
                int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                q4_0Tile4(seg, row, blocks, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                        out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
            }
            if (b < batch) out[b * rows + r] = q4_0Tile1(seg, row, blocks, x, b * cols);
        }
    }

    /** Formats without a direct kernel: dequantize each row once into scratch, then dot it with every batch vector. */
    private void dequantizedRows(WeightMatrix w, float[] x, float[] out, int batch, int r0, int r1) {
        GGMLType type = w.type();
        MemorySegment seg = w.data();
        long rowBytes = w.rowBytes();
        int rows = w.rows();
        int cols = w.cols();
        float[] row = ROW_SCRATCH.get();
        if (row == null || row.length < cols) {
            row = new float[cols];
            ROW_SCRATCH.set(row);
        }
        for (int r = r0; r < r1; r++) {
            Dequantize.row(type, seg, r * rowBytes, row, 0, cols);
            int b = 0;
            for (; batch - b >= 2; b += 4) {
                int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                arrayTile4(row, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                        out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
            }
            if (b < batch) out[b * rows + r] = dot(row, 0, x, b * cols, cols);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Matmul: element formats (F32, F16, BF16). Vector loop, then a scalar tail for cols % L.

    private static FloatVector f32At(MemorySegment seg, long offset) {
        return FloatVector.fromMemorySegment(F, seg, offset, LE);
    }

    private static FloatVector f16At(MemorySegment seg, long offset) {
        return halfToFloat(ShortVector.fromMemorySegment(S, seg, offset, LE));
    }

    private static FloatVector bf16At(MemorySegment seg, long offset) {
        return bf16ToFloat(ShortVector.fromMemorySegment(S, seg, offset, LE));
    }

    /**
     * IEEE half to float, exact, in lanes. The JDK 25 Vector API has no float16 conversion, so: put
     * the half's exponent and mantissa at the float's mantissa top (shift by 13) and multiply by
     * 2^112, which rebiases normals and turns subnormal halves into the right normal floats; Inf
     * and NaN (half exponent all ones) get the float exponent all ones instead; then restore the sign.
     */
    private static FloatVector halfToFloat(ShortVector halves) {
        IntVector h = (IntVector) halves.convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
        IntVector magnitude = h.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(HALF_EXPONENT_REBIAS).reinterpretAsInts();
        VectorMask<Integer> infOrNaN = magnitude.compare(VectorOperators.GE, 0x7C00);
        IntVector bits = finite.blend(shifted.or(0x7F80_0000), infOrNaN);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        return bits.or(sign).reinterpretAsFloats();
    }

    /** bfloat16 to float: the 16 bits are the float's upper half. */
    private static FloatVector bf16ToFloat(ShortVector bf16) {
        IntVector h = (IntVector) bf16.convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float f32Tile1(MemorySegment seg, long row, int cols, float[] x, int x0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int c = 0;
        for (; c <= cols - 2 * L; c += 2 * L) {
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(f32At(seg, row + 4L * c), a0);
            a1 = FloatVector.fromArray(F, x, x0 + c + L).fma(f32At(seg, row + 4L * (c + L)), a1);
        }
        if (c <= cols - L) {
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(f32At(seg, row + 4L * c), a0);
            c += L;
        }
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) s = Math.fma(seg.get(LE_FLOAT, row + 4L * c), x[x0 + c], s);
        return s;
    }

    private static void f32Tile4(MemorySegment seg, long row, int cols, float[] x, int x0, int x1, int x2, int x3,
                                 float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) {
            FloatVector w = f32At(seg, row + 4L * c);
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(w, a0);
            a1 = FloatVector.fromArray(F, x, x1 + c).fma(w, a1);
            a2 = FloatVector.fromArray(F, x, x2 + c).fma(w, a2);
            a3 = FloatVector.fromArray(F, x, x3 + c).fma(w, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
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

    private static float f16Tile1(MemorySegment seg, long row, int cols, float[] x, int x0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int c = 0;
        for (; c <= cols - 2 * L; c += 2 * L) {
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(f16At(seg, row + 2L * c), a0);
            a1 = FloatVector.fromArray(F, x, x0 + c + L).fma(f16At(seg, row + 2L * (c + L)), a1);
        }
        if (c <= cols - L) {
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(f16At(seg, row + 2L * c), a0);
            c += L;
        }
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) s = Math.fma(Float.float16ToFloat(seg.get(LE_SHORT, row + 2L * c)), x[x0 + c], s);
        return s;
    }

    private static void f16Tile4(MemorySegment seg, long row, int cols, float[] x, int x0, int x1, int x2, int x3,
                                 float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) {
            FloatVector w = f16At(seg, row + 2L * c);
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(w, a0);
            a1 = FloatVector.fromArray(F, x, x1 + c).fma(w, a1);
            a2 = FloatVector.fromArray(F, x, x2 + c).fma(w, a2);
            a3 = FloatVector.fromArray(F, x, x3 + c).fma(w, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            float w = Float.float16ToFloat(seg.get(LE_SHORT, row + 2L * c));
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

    private static float bf16Scalar(MemorySegment seg, long offset) {
        return Float.intBitsToFloat((seg.get(LE_SHORT, offset) & 0xFFFF) << 16);
    }

    private static float bf16Tile1(MemorySegment seg, long row, int cols, float[] x, int x0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int c = 0;
        for (; c <= cols - 2 * L; c += 2 * L) {
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(bf16At(seg, row + 2L * c), a0);
            a1 = FloatVector.fromArray(F, x, x0 + c + L).fma(bf16At(seg, row + 2L * (c + L)), a1);
        }
        if (c <= cols - L) {
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(bf16At(seg, row + 2L * c), a0);
            c += L;
        }
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) s = Math.fma(bf16Scalar(seg, row + 2L * c), x[x0 + c], s);
        return s;
    }

    private static void bf16Tile4(MemorySegment seg, long row, int cols, float[] x, int x0, int x1, int x2, int x3,
                                  float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) {
            FloatVector w = bf16At(seg, row + 2L * c);
            a0 = FloatVector.fromArray(F, x, x0 + c).fma(w, a0);
            a1 = FloatVector.fromArray(F, x, x1 + c).fma(w, a1);
            a2 = FloatVector.fromArray(F, x, x2 + c).fma(w, a2);
            a3 = FloatVector.fromArray(F, x, x3 + c).fma(w, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            float w = bf16Scalar(seg, row + 2L * c);
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

    /** Weights held in a float array (the fallback's dequantized row); the 1-vector tile is {@link #dot}. */
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
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
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
    // Matmul: 32-element blocks with an F16 scale d. Quants are widened to float in registers and
    // multiplied by d, giving exactly the floats ggml's dequantize_row_* would (q * d, one rounding),
    // and are never written to memory.
    //   Q8_0 (34 bytes): d, then 32 int8 quants, element j = qs[j].
    //   Q4_0 (18 bytes): d, then 16 bytes; element j < 16 is the low nibble of byte j minus 8,
    //                    element j + 16 the high nibble of byte j minus 8.

    private static FloatVector widen(ByteVector quants, int part) {
        return (FloatVector) quants.convertShape(VectorOperators.B2F, F, part);
    }

    private static FloatVector blockScale(MemorySegment seg, long block) {
        return FloatVector.broadcast(F, Float.float16ToFloat(seg.get(LE_SHORT, block)));
    }

    private static ByteVector quantBytes(MemorySegment seg, long offset) {
        return ByteVector.fromMemorySegment(BQ, seg, offset, LE);
    }

    private static ByteVector lowNibbles(ByteVector q) {
        return q.and((byte) 0x0F).sub((byte) 8);
    }

    private static ByteVector highNibbles(ByteVector q) {
        return q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
    }

    private static float q8_0Tile1(MemorySegment seg, long row, int blocks, float[] x, int x0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q8_0_BLOCK_BYTES * blk;
            FloatVector d = blockScale(seg, block);
            int xb = x0 + 32 * blk;
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
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    private static void q8_0Tile4(MemorySegment seg, long row, int blocks, float[] x, int x0, int x1, int x2, int x3,
                                  float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q8_0_BLOCK_BYTES * blk;
            FloatVector d = blockScale(seg, block);
            int xb = 32 * blk;
            for (int k = 0; k < 32; k += QCHUNK) {
                ByteVector q = quantBytes(seg, block + 2 + k);
                for (int p = 0; p < QPARTS; p++) {
                    FloatVector w = widen(q, p).mul(d);
                    int e = xb + k + p * L;
                    a0 = FloatVector.fromArray(F, x, x0 + e).fma(w, a0);
                    a1 = FloatVector.fromArray(F, x, x1 + e).fma(w, a1);
                    a2 = FloatVector.fromArray(F, x, x2 + e).fma(w, a2);
                    a3 = FloatVector.fromArray(F, x, x3 + e).fma(w, a3);
                }
            }
        }
        out[o0] = a0.reduceLanes(VectorOperators.ADD);
        out[o1] = a1.reduceLanes(VectorOperators.ADD);
        out[o2] = a2.reduceLanes(VectorOperators.ADD);
        out[o3] = a3.reduceLanes(VectorOperators.ADD);
    }

    private static float q4_0Tile1(MemorySegment seg, long row, int blocks, float[] x, int x0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q4_0_BLOCK_BYTES * blk;
            FloatVector d = blockScale(seg, block);
            int xb = x0 + 32 * blk;
            for (int k = 0; k < 16; k += QCHUNK) { // low nibbles (elements 0..15) into a0, high into a1
                ByteVector q = quantBytes(seg, block + 2 + k);
                ByteVector lo = lowNibbles(q);
                ByteVector hi = highNibbles(q);
                for (int p = 0; p < QPARTS; p++) {
                    int e = xb + k + p * L;
                    a0 = FloatVector.fromArray(F, x, e).fma(widen(lo, p).mul(d), a0);
                    a1 = FloatVector.fromArray(F, x, e + 16).fma(widen(hi, p).mul(d), a1);
                }
            }
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    private static void q4_0Tile4(MemorySegment seg, long row, int blocks, float[] x, int x0, int x1, int x2, int x3,
                                  float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long block = row + (long) Q4_0_BLOCK_BYTES * blk;
            FloatVector d = blockScale(seg, block);
            int xb = 32 * blk;
            for (int k = 0; k < 16; k += QCHUNK) {
                ByteVector q = quantBytes(seg, block + 2 + k);
                ByteVector lo = lowNibbles(q);
                ByteVector hi = highNibbles(q);
                for (int p = 0; p < QPARTS; p++) {
                    int e = xb + k + p * L;
                    FloatVector w = widen(lo, p).mul(d);
                    a0 = FloatVector.fromArray(F, x, x0 + e).fma(w, a0);
                    a1 = FloatVector.fromArray(F, x, x1 + e).fma(w, a1);
                    a2 = FloatVector.fromArray(F, x, x2 + e).fma(w, a2);
                    a3 = FloatVector.fromArray(F, x, x3 + e).fma(w, a3);
                    w = widen(hi, p).mul(d);
                    a0 = FloatVector.fromArray(F, x, x0 + e + 16).fma(w, a0);
                    a1 = FloatVector.fromArray(F, x, x1 + e + 16).fma(w, a1);
                    a2 = FloatVector.fromArray(F, x, x2 + e + 16).fma(w, a2);
                    a3 = FloatVector.fromArray(F, x, x3 + e + 16).fma(w, a3);
                }
            }
        }
        out[o0] = a0.reduceLanes(VectorOperators.ADD);
        out[o1] = a1.reduceLanes(VectorOperators.ADD);
        out[o2] = a2.reduceLanes(VectorOperators.ADD);
        out[o3] = a3.reduceLanes(VectorOperators.ADD);
    }

    // ---------------------------------------------------------------------------------------------
    // Conversion hooks for tests

    @Override
    public void halfToFloat(MemorySegment src, long offset, float[] dst, int n) {
        Objects.checkFromIndexSize(0, n, dst.length);
        int i = 0;
        if (HALF_SIMD) {
            for (int bound = F.loopBound(n); i < bound; i += L) f16At(src, offset + 2L * i).intoArray(dst, i);
        }
        for (; i < n; i++) dst[i] = Float.float16ToFloat(src.get(LE_SHORT, offset + 2L * i));
    }

    @Override
    public void bf16ToFloat(MemorySegment src, long offset, float[] dst, int n) {
        Objects.checkFromIndexSize(0, n, dst.length);
        int i = 0;
        if (HALF_SIMD) {
            for (int bound = F.loopBound(n); i < bound; i += L) bf16At(src, offset + 2L * i).intoArray(dst, i);
        }
        for (; i < n; i++) dst[i] = bf16Scalar(src, offset + 2L * i);
    }

    // ---------------------------------------------------------------------------------------------
    // Vector ops

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        Objects.checkFromIndexSize(aOff, n, a.length);
        Objects.checkFromIndexSize(bOff, n, b.length);
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
            s1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), s1);
            s2 = FloatVector.fromArray(F, a, aOff + i + 2 * L).fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), s2);
            s3 = FloatVector.fromArray(F, a, aOff + i + 3 * L).fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), s3);
        }
        for (; i <= n - L; i += L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
        }
        float s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s = Math.fma(a[aOff + i], b[bOff + i], s);
        return s;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(yOff, n, y.length);
        FloatVector av = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(av, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(x[xOff + i], alpha, y[yOff + i]);
    }

    @Override
    public void add(float[] x, int xOff, float[] y, int yOff, int n) {
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(yOff, n, y.length);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, y, yOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += x[xOff + i];
    }

    @Override
    public void scale(float[] x, int off, int n, float s) {
        Objects.checkFromIndexSize(off, n, x.length);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) x[off + i] *= s;
    }

    @Override
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        Objects.checkFromIndexSize(outOff, n, out.length);
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(0, n, weight.length);
        if (n == 0) return;
        // Squares of floats are exact in double, and a double sum keeps the mean within ~1e-15.
        DoubleVector lo = DoubleVector.zero(D), hi = lo;
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            DoubleVector v0 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector v1 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
            lo = v0.fma(v0, lo);
            hi = v1.fma(v1, hi);
        }
        double sumSquares = lo.add(hi).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            double v = x[xOff + i];
            sumSquares += v * v;
        }
        float inverseRms = (float) (1.0 / Math.sqrt(sumSquares / n + eps));
        for (i = 0; i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(inverseRms).mul(FloatVector.fromArray(F, weight, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) out[outOff + i] = x[xOff + i] * inverseRms * weight[i];
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        Objects.checkFromIndexSize(off, n, x.length);
        if (n == 0) return;
        FloatVector max = FloatVector.broadcast(F, max(x, off, n));
        float maxScalar = max.lane(0);
        DoubleVector lo = DoubleVector.zero(D), hi = lo;
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(F, x, off + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(x, off + i);
            lo = lo.add(e.convertShape(VectorOperators.F2D, D, 0));
            hi = hi.add(e.convertShape(VectorOperators.F2D, D, 1));
        }
        double sum = lo.add(hi).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - maxScalar);
            x[off + i] = e;
            sum += e;
        }
        scale(x, off, n, (float) (1.0 / sum));
    }

    @Override
    public void siluMul(float[] gate, int gOff, float[] up, int uOff, int n) {
        Objects.checkFromIndexSize(gOff, n, gate.length);
        Objects.checkFromIndexSize(uOff, n, up.length);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, gOff + i);
            FloatVector silu = g.div(g.neg().lanewise(VectorOperators.EXP).add(1f));
            silu.mul(FloatVector.fromArray(F, up, uOff + i)).intoArray(gate, gOff + i);
        }
        for (; i < n; i++) {
            float g = gate[gOff + i];
            gate[gOff + i] = g / (1f + (float) Math.exp(-g)) * up[uOff + i];
        }
    }

    @Override
    public float max(float[] x, int off, int n) {
        Objects.checkFromIndexSize(off, n, x.length);
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) m = m.max(FloatVector.fromArray(F, x, off + i));
        float result = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) result = Math.max(result, x[off + i]);
        return result;
    }

    @Override
    public void rotateHalves(float[] x, int off, int nHeads, int headDim, float[] cos, float[] sin) {
        if (headDim <= 0 || headDim % 2 != 0) throw new IllegalArgumentException("head dimension must be positive and even, got " + headDim);
        int half = headDim / 2;
        Objects.checkFromIndexSize(off, Math.multiplyExact(nHeads, headDim), x.length);
        Objects.checkFromIndexSize(0, half, cos.length);
        Objects.checkFromIndexSize(0, half, sin.length);
        int bound = F.loopBound(half);
        for (int h = 0; h < nHeads; h++) {
            int base = off + h * headDim;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector x0 = FloatVector.fromArray(F, x, base + i);
                FloatVector x1 = FloatVector.fromArray(F, x, base + half + i);
                FloatVector c = FloatVector.fromArray(F, cos, i);
                FloatVector s = FloatVector.fromArray(F, sin, i);
                x0.mul(c).sub(x1.mul(s)).intoArray(x, base + i);
                x0.mul(s).add(x1.mul(c)).intoArray(x, base + half + i);
            }
            for (; i < half; i++) {
                float x0 = x[base + i], x1 = x[base + half + i];
                x[base + i] = x0 * cos[i] - x1 * sin[i];
                x[base + half + i] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }
}
