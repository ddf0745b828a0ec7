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
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.constant.ConstantDescs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The float SIMD kernels, decoders and vector ops for one float species {@link #F} (the integer
 * kernels of packed weights are {@link IntegerKernels}, whose copy for this width it holds and
 * forwards to), the species held in a {@code static final} field so that C2
 * compiles every vector operation to machine instructions. This class file is loaded once normally
 * (species = {@link FloatVector#SPECIES_PREFERRED}) and again as a hidden class per other species by
 * {@link KernelsBySpecies}, whose javadoc explains why.
 *
 * <p>Rules that keep the hidden copies sound: no nested or anonymous classes and no lambdas
 * holding code (each would be a separate, normally loaded class that sees the normally loaded
 * {@code SpeciesKernels}, not this copy; an enum switch's synthetic class holds only a map of
 * ordinals, which is width-independent), and all width-dependent facts derived from {@link #F}.
 *
 * <p>Matmul structure: a matrix carrying a packing runs the integer kernels at every batch (a
 * kernel chosen by batch size would make a branch's tokens depend on how many run beside it).
 * Otherwise the type's row of the {@link WeightFormat} table, looked up once per call, decides: a
 * single vector runs the format's fused kernel where this width runs its SIMD kernels (weights
 * read and decoded in registers, never written), and so does a batch of exactly two for formats
 * with a pair kernel (Q4_0, Q8_0); any other batch, or a format without a fused kernel, goes
 * through {@code decodedRows}: four rows decoded into a per-thread float scratch (SIMD decoders, a
 * copy for F32, or quant's scalar Dequantize.row), then 4 x 4 register tiles over the batch.
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

    /** This width's integer kernels (IntegerKernels), and their panel rows: L, or 0 below 4 float lanes. */
    private static final Int8Kernels INT = KernelsBySpecies.integerKernels(F);
    private static final int PANEL = L >= 4 ? L : 0;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /** Block sizes (elements) and bytes, from the per-type table (and so from GGMLType). */
    private static final int Q8_0_BLOCK = WeightFormat.Q8_0.blockSize, Q8_0_BLOCK_BYTES = WeightFormat.Q8_0.blockBytes;
    private static final int Q4_0_BLOCK = WeightFormat.Q4_0.blockSize, Q4_0_BLOCK_BYTES = WeightFormat.Q4_0.blockBytes;
    private static final int Q5_0_BLOCK = WeightFormat.Q5_0.blockSize, Q5_0_BLOCK_BYTES = WeightFormat.Q5_0.blockBytes;
    private static final int Q4_K_BLOCK = WeightFormat.Q4_K.blockSize, Q4_K_BLOCK_BYTES = WeightFormat.Q4_K.blockBytes;
    private static final int Q6_K_BLOCK = WeightFormat.Q6_K.blockSize, Q6_K_BLOCK_BYTES = WeightFormat.Q6_K.blockBytes;

    /** 2^112: rebiases a half's exponent (bias 15) to a float's (bias 127), normals and subnormals alike. */
    private static final float HALF_EXPONENT_REBIAS = 0x1p112f;

    /** Per-thread decoded rows of {@code decodedRows} (allocated once per thread, grown on demand). */
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

    /**
     * The sum of the lanes, added in one fixed order (a tree: lanes half a vector apart, then a quarter,
     * ... one apart) whatever runs the code. {@code reduceLanes(ADD)} adds floats in another order when
     * interpreted or compiled by C1 than when compiled by C2, so a request's logits, and now and then a
     * sampled token, depended on how far the JIT had warmed up; rotations and lane-wise adds round the
     * same everywhere, and cost C2 what its own reduction costs (log2 of the lanes shuffles and adds).
     * The rotations are constants ({@code static final}): a shuffle built inside the method is not
     * intrinsified where the method is not inlined, and then costs an allocation and a scalar loop per
     * call (batched decode ran 19x slower than one sequence on such calls).
     */
    static float sum(FloatVector v) {
        for (int step = L / 2; step >= 16; step /= 2) v = v.add(v.rearrange(VectorShuffle.iota(F, step, 1, true))); // wider than 512 bits only
        if (L >= 16) v = v.add(v.rearrange(F_ROT8));
        if (L >= 8) v = v.add(v.rearrange(F_ROT4));
        if (L >= 4) v = v.add(v.rearrange(F_ROT2));
        if (L >= 2) v = v.add(v.rearrange(F_ROT1));
        return v.lane(0);
    }

    /** {@link #sum(FloatVector)} for doubles. */
    static double sum(DoubleVector v) {
        int lanes = D.length();
        for (int step = lanes / 2; step >= 16; step /= 2) v = v.add(v.rearrange(VectorShuffle.iota(D, step, 1, true)));
        if (lanes >= 16) v = v.add(v.rearrange(D_ROT8));
        if (lanes >= 8) v = v.add(v.rearrange(D_ROT4));
        if (lanes >= 4) v = v.add(v.rearrange(D_ROT2));
        if (lanes >= 2) v = v.add(v.rearrange(D_ROT1));
        return v.lane(0);
    }

    /** Rotation of a vector's lanes by {@code step} (lane i takes lane i + step), or null where it has no meaning. */
    private static <E> VectorShuffle<E> rotation(VectorSpecies<E> species, int step) {
        return step < species.length() ? VectorShuffle.iota(species, step, 1, true) : null;
    }

    private static final VectorShuffle<Float> F_ROT8 = rotation(F, 8), F_ROT4 = rotation(F, 4), F_ROT2 = rotation(F, 2), F_ROT1 = rotation(F, 1);
    private static final VectorShuffle<Double> D_ROT8 = rotation(D, 8), D_ROT4 = rotation(D, 4), D_ROT2 = rotation(D, 2), D_ROT1 = rotation(D, 1);

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

    /** Whether format {@code f}'s SIMD kernels (fused and decoder) run at this width: a table lookup, not a chain of tests. */
    private static boolean simd(WeightFormat f) {
        return f.lanes.fits(L);
    }

    @Override
    public boolean hasDirectKernel(GGMLType type) {
        return simd(WeightFormat.of(type));
    }

    @Override
    public boolean hasSimdDecoder(GGMLType type) {
        return simd(WeightFormat.of(type));
    }

    @Override
    public void matmulRows(WeightMatrix w, float[] x, float[] out, int batch, int rowStart, int rowEnd) {
        MatMul.checkArguments(w, x, out, batch, rowStart, rowEnd);
        if (batch == 0 || rowStart == rowEnd) return;
        PackedQ4_0 packed = w.packed();
        if (packed != null && packed.panelRows() == PANEL && rowStart % PANEL == 0 && rowEnd % PANEL == 0) {
            matmulRowsInt8(packed, Int8Activations.forThisThread().quantize(x, batch, w.cols()), out, rowStart, rowEnd);
            return;
        }
        PackedBlocks blocks = w.packedBlocks();
        if (blocks != null && blocks.panelRows() == PANEL && rowStart % PANEL == 0 && rowEnd % PANEL == 0) {
            matmulRowsInt8(blocks, Int8Activations.forThisThread().quantize(x, batch, w.cols()), out, rowStart, rowEnd);
            return;
        }
        WeightFormat f = WeightFormat.of(w.type());
        MemorySegment seg = w.data();
        long rowBytes = w.rowBytes();
        int rows = w.rows();
        int cols = w.cols();
        // one vector: the format's fused kernel; two: its pair kernel if it has one; else decoded rows
        boolean fused = simd(f) && (batch == 1 || batch == 2 && f.pairKernel);
        if (!fused) {
            decodedRows(w.type(), simd(f) ? f : WeightFormat.OTHER, seg, rowBytes, rows, cols, x, out, batch, rowStart, rowEnd);
            return;
        }
        switch (f) {
            case F32 -> f32Rows(seg, rowBytes, rows, cols, x, out, batch, rowStart, rowEnd);
            case F16 -> f16Rows(seg, rowBytes, cols, x, out, rowStart, rowEnd);
            case BF16 -> bf16Rows(seg, rowBytes, cols, x, out, rowStart, rowEnd);
            case Q8_0 -> {
                if (batch == 1) q8_0Rows(seg, rowBytes, cols, x, out, rowStart, rowEnd);
                else q8_0RowsFor2(seg, rowBytes, rows, cols, x, out, rowStart, rowEnd);
            }
            case Q4_0 -> {
                if (batch == 1) q4_0Rows(seg, rowBytes, cols, x, out, rowStart, rowEnd);
                else q4_0RowsFor2(seg, rowBytes, rows, cols, x, out, rowStart, rowEnd);
            }
            case Q5_0 -> q5_0Rows(seg, rowBytes, cols, x, out, rowStart, rowEnd);
            case Q4_K -> q4_KRows(seg, rowBytes, cols, x, out, rowStart, rowEnd);
            case Q6_K -> q6_KRows(seg, rowBytes, cols, x, out, rowStart, rowEnd);
            case OTHER -> throw new AssertionError("no fused kernel for " + w);
        }
    }

    @Override
    public void decodeRow(GGMLType type, MemorySegment src, long offset, float[] dst, int dstOff, int cols) {
        Objects.checkFromIndexSize(dstOff, cols, dst.length);
        if (cols % type.blockSize != 0) throw new IllegalArgumentException(cols + " is not a whole number of " + type + " blocks");
        WeightFormat f = WeightFormat.of(type);
        decodeRow(type, simd(f) ? f : WeightFormat.OTHER, src, offset, dst, dstOff, cols);
    }

    @Override
    public void matmulRowsDequantized(WeightMatrix w, float[] x, float[] out, int batch, int rowStart, int rowEnd) {
        MatMul.checkArguments(w, x, out, batch, rowStart, rowEnd);
        if (batch == 0 || rowStart == rowEnd) return;
        decodedRows(w.type(), WeightFormat.OTHER, w.data(), w.rowBytes(), w.rows(), w.cols(), x, out, batch, rowStart, rowEnd);
    }

    // F32, one vector: reads the weights in place. (The tile-of-4 loop below also serves batches
    // when called directly; matmulRows sends F32 batches through decodedRows, whose "decoder" is
    // a copy, because the 4 x 4 tiles there measured 1.5-2x faster than these 1 x 4 tiles.)

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

    // One vector, F16/BF16/Q5_0: one row at a time. Each format's loop is its own small method so
    // that matmulRows stays small: C2 inlines callees into one compilation unit up to a node
    // budget, and a kernel inlined past it keeps its vector operations as boxed calls (BF16 ran
    // 18x slower when these loops sat in matmulRows).

    private static void f16Rows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        for (int r = r0; r < r1; r++) out[r] = f16Tile1(seg, r * rowBytes, cols, x, 0);
    }

    private static void bf16Rows(MemorySegment seg, long rowBytes, int cols, float[] x, float[] out, int r0, int r1) {
        for (int r = r0; r < r1; r++) out[r] = bf16Tile1(seg, r * rowBytes, cols, x, 0);
    }

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
    // Matmul: packed weights against 8-bit activations, in IntegerKernels (this width's copy)

    @Override
    public int int8PanelRows() {
        return PANEL;
    }

    @Override
    public void matmulRowsInt8(PackedQ4_0 w, Int8Activations x, float[] out, int rowStart, int rowEnd) {
        INT.matmulRowsInt8(w, x, out, rowStart, rowEnd);
    }

    @Override
    public void matmulRowsInt8(PackedBlocks w, Int8Activations x, float[] out, int rowStart, int rowEnd) {
        INT.matmulRowsInt8(w, x, out, rowStart, rowEnd);
    }

    @Override
    public void quantizeBlocks(float[] x, int blocks, int[] pairs, float[] scales, int[] zeroPoints, int[] q) {
        INT.quantizeBlocks(x, blocks, pairs, scales, zeroPoints, q);
    }

    // ---------------------------------------------------------------------------------------------
    // Matmul: batches of two or more vectors, every format but F32 (except two vectors of Q4_0 and
    // Q8_0, below; and one vector for formats without a fused kernel). Each thread decodes four rows at a time into a per-thread float
    // scratch (SIMD decoders for F16/BF16/Q8_0/Q4_0/Q5_0/Q4_K/Q6_K, quant's scalar dequantization
    // for the rest; the values are exactly ggml's dequantized weights), then runs register tiles
    // of 4 rows x 4 vectors over the batch: per step 4 weight loads and 4 activation loads feed
    // 16 FMAs (C2 keeps the 16 accumulators in registers on AVX-512 and AVX2 alike). Leftover rows
    // go in pairs (2 x 4 tiles), then singly. Decoding is paid once per row whatever the batch,
    // so a batch costs little more than its FMAs and prompt chunks become compute-bound.

    private static float[] scratch(int n) {
        float[] s = ROW_SCRATCH.get();
        if (s == null || s.length < n) {
            s = new float[n];
            ROW_SCRATCH.set(s);
        }
        return s;
    }

    /** Rows {@code [r0, r1)} decoded by {@code decoder} ({@link WeightFormat#OTHER}: quant's scalar decoding of {@code type}), then float tiles. */
    private static void decodedRows(GGMLType type, WeightFormat decoder, MemorySegment seg, long rowBytes, int rows, int cols,
                                    float[] x, float[] out, int batch, int r0, int r1) {
        float[] w = scratch(4 * cols + 16 * L); // four decoded rows, then a 4 x 4 tile's accumulators
        int r = r0;
        if (batch >= 2) {
            for (; r + 3 < r1; r += 4) {
                for (int i = 0; i < 4; i++) decodeRow(type, decoder, seg, (r + i) * rowBytes, w, i * cols, cols);
                int b = 0;
                for (; batch - b >= 3; b += 4) {
                    int b1 = b + 1, b2 = b + 2, b3 = Math.min(b + 3, batch - 1);
                    quadTile4(w, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                            out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
                }
                if (batch - b == 2) { // two vectors (two branches, or a batch's last two): half the FMAs of a 4 x 4 tile
                    quadTile2(w, cols, x, b * cols, (b + 1) * cols, out, b * rows + r, (b + 1) * rows + r);
                    b += 2;
                }
                if (b < batch) {
                    for (int i = 0; i < 4; i++) out[b * rows + r + i] = arrayDot(w, i * cols, x, b * cols, cols);
                }
            }
        }
        for (; r + 1 < r1; r += 2) {
            decodeRow(type, decoder, seg, r * rowBytes, w, 0, cols);
            decodeRow(type, decoder, seg, (r + 1) * rowBytes, w, cols, cols);
            int b = 0;
            for (; batch - b >= 2; b += 4) {
                int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                pairTile4(w, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                        out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
            }
            if (b < batch) {
                out[b * rows + r] = arrayDot(w, 0, x, b * cols, cols);
                out[b * rows + r + 1] = arrayDot(w, cols, x, b * cols, cols);
            }
        }
        if (r < r1) {
            decodeRow(type, decoder, seg, r * rowBytes, w, 0, cols);
            int b = 0;
            for (; batch - b >= 2; b += 4) {
                int b1 = b + 1, b2 = Math.min(b + 2, batch - 1), b3 = Math.min(b + 3, batch - 1);
                arrayTile4(w, cols, x, b * cols, b1 * cols, b2 * cols, b3 * cols,
                        out, b * rows + r, b1 * rows + r, b2 * rows + r, b3 * rows + r);
            }
            if (b < batch) out[b * rows + r] = arrayDot(w, 0, x, b * cols, cols);
        }
    }

    /**
     * Writes row {@code src} as {@code cols} floats at {@code dst[dstOff]}, exactly as
     * {@link Dequantize#row} would: with {@code decoder}'s SIMD decoder, or quant's scalar one for
     * {@link WeightFormat#OTHER}.
     */
    private static void decodeRow(GGMLType type, WeightFormat decoder, MemorySegment seg, long src, float[] dst, int dstOff, int cols) {
        switch (decoder) {
            case F32 -> MemorySegment.copy(seg, LE_FLOAT, src, dst, dstOff, cols);
            case F16 -> f16Decode(seg, src, dst, dstOff, cols);
            case BF16 -> bf16Decode(seg, src, dst, dstOff, cols);
            case Q8_0 -> q8_0Decode(seg, src, cols / Q8_0_BLOCK, dst, dstOff);
            case Q4_0 -> q4_0Decode(seg, src, cols / Q4_0_BLOCK, dst, dstOff);
            case Q5_0 -> q5_0Decode(seg, src, cols / Q5_0_BLOCK, dst, dstOff);
            case Q4_K -> q4_KDecode(seg, src, cols / Q4_K_BLOCK, dst, dstOff);
            case Q6_K -> q6_KDecode(seg, src, cols / Q6_K_BLOCK, dst, dstOff);
            case OTHER -> Dequantize.row(type, seg, src, dst, dstOff, cols);
        }
    }

    // Each decoder is its own method: inlined into decodeRow together, they overflowed C2's node
    // budget and left the F16 conversion as boxed calls (batch 8 ran 2.3x slower than before).

    private static void f16Decode(MemorySegment seg, long src, float[] dst, int dstOff, int cols) {
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) f16At(seg, src + 2L * c).intoArray(dst, dstOff + c);
        for (; c < cols; c++) dst[dstOff + c] = Float.float16ToFloat(seg.get(LE_SHORT, src + 2L * c));
    }

    private static void bf16Decode(MemorySegment seg, long src, float[] dst, int dstOff, int cols) {
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) bf16At(seg, src + 2L * c).intoArray(dst, dstOff + c);
        for (; c < cols; c++) dst[dstOff + c] = bf16Scalar(seg, src + 2L * c);
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
     * boxed, which made 4-vector tiles (prompts, 3+ branches) 5x slower than their FMAs.
     */
    private static void storeQuad(float[] w, int wOff, int cols, int c, float[] x, int x0, int x1, int x2, int x3,
                                  float[] out, int o0, int o1, int o2, int o3, int a0, int a1, int a2, int a3) {
        float s0 = sum(FloatVector.fromArray(F, w, a0)), s1 = sum(FloatVector.fromArray(F, w, a1));
        float s2 = sum(FloatVector.fromArray(F, w, a2)), s3 = sum(FloatVector.fromArray(F, w, a3));
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
        float s0 = sum(a0), s1 = sum(a1);
        float s2 = sum(a2), s3 = sum(a3);
        float t0 = sum(c0), t1 = sum(c1);
        float t2 = sum(c2), t3 = sum(c3);
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
        float s = sum(a0.add(a1));
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
        float s0 = sum(a0), s1 = sum(a1);
        float s2 = sum(a2), s3 = sum(a3);
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
        float s = sum(a0.add(a1));
        for (; c < cols; c++) s = Math.fma(Float.float16ToFloat(seg.get(LE_SHORT, row + 2L * c)), x[x0 + c], s);
        return s;
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
        float s = sum(a0.add(a1));
        for (; c < cols; c++) s = Math.fma(bf16Scalar(seg, row + 2L * c), x[x0 + c], s);
        return s;
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
        float s0 = sum(a0), s1 = sum(a1);
        float s2 = sum(a2), s3 = sum(a3);
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
        return sum(a0.add(a1));
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
        return sum(a0.add(a1)) - 8 * bias;
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
        out[r] = sum(aA) - 8 * biasA;
        out[r + 1] = sum(aB) - 8 * biasB;
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
        out[o0] = sum(a0);
        out[o1] = sum(a1);
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
        out[o0] = sum(a0) - 8 * bias0;
        out[o1] = sum(a1) - 8 * bias1;
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
            sums[b] = sum(v);
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
        return sum(a0.add(a1)) - 16 * bias;
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
        return sum(a0.add(a1));
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
        return sum(a0.add(a1));
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
        return arrayDot(a, aOff, b, bOff, n);
    }

    private static float arrayDot(float[] a, int aOff, float[] b, int bOff, int n) {
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
        float s = sum(s0.add(s1).add(s2.add(s3)));
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
        double sumSquares = sum(lo.add(hi));
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
        double sum = sum(lo.add(hi));
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
    public double sumExp(float[] x, int off, int n, float shift) {
        Objects.checkFromIndexSize(off, n, x.length);
        FloatVector s = FloatVector.broadcast(F, shift);
        DoubleVector lo = DoubleVector.zero(D), hi = lo;
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(F, x, off + i).sub(s).lanewise(VectorOperators.EXP);
            lo = lo.add(e.convertShape(VectorOperators.F2D, D, 0));
            hi = hi.add(e.convertShape(VectorOperators.F2D, D, 1));
        }
        double sum = sum(lo.add(hi));
        for (; i < n; i++) sum += (float) Math.exp(x[off + i] - shift);
        return sum;
    }

    @Override
    public int firstAtLeast(float[] x, int from, int to, float threshold) {
        Objects.checkFromToIndex(from, to, x.length);
        FloatVector t = FloatVector.broadcast(F, threshold);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            VectorMask<Float> hit = FloatVector.fromArray(F, x, i).compare(VectorOperators.GE, t);
            if (hit.anyTrue()) return i + hit.firstTrue();
        }
        for (; i < to; i++) if (x[i] >= threshold) return i;
        return to;
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
