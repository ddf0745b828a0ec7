package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A row-major {@code [rows][cols]} weight matrix stored in a ggml format, read in place from a
 * {@link MemorySegment} (typically a read-only mapping of a model file). Each row is a whole number
 * of the format's blocks, so row {@code r} starts at byte {@code r * rowBytes()}.
 */
public final class WeightMatrix {
    private final GGMLType type;
    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final long rowBytes;
    private final PackedQ4_0 packed;
    private final PackedBlocks packedBlocks;
    /** F16 only: 0 until {@link #finiteHalves} has scanned the matrix, then 1 (all finite) or -1. */
    private volatile int finiteHalves;

    /**
     * @throws IllegalArgumentException if the shape is not positive, {@code cols} is not a whole
     *     number of {@code type} blocks, or {@code data} is too small for the matrix
     */
    public WeightMatrix(GGMLType type, MemorySegment data, int rows, int cols) {
        this(type, data, rows, cols, null, null);
    }

    private WeightMatrix(GGMLType type, MemorySegment data, int rows, int cols, PackedQ4_0 packed, PackedBlocks packedBlocks) {
        this.packed = packed;
        this.packedBlocks = packedBlocks;
        this.type = Objects.requireNonNull(type, "type");
        this.data = packed == null ? Objects.requireNonNull(data, "data") : data;
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException(type + " weight matrix shape [" + rows + " x " + cols + "] must be positive");
        }
        if (cols % type.blockSize != 0) {
            throw new IllegalArgumentException(type + " weight matrix [" + rows + " x " + cols + "]: row length " + cols
                    + " is not a multiple of the block size " + type.blockSize);
        }
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = type.rowBytes(cols);
        long needed = Math.multiplyExact(rowBytes, (long) rows);
        if (data != null && data.byteSize() < needed) {
            throw new IllegalArgumentException(type + " weight matrix [" + rows + " x " + cols + "] needs " + needed
                    + " bytes (" + rowBytes + " per row) but the segment holds only " + data.byteSize());
        }
    }

    /**
     * The same matrix carrying a packing of its Q4_0 quants: {@link MatMul#matmul} then runs the
     * integer kernel on 8-bit activations (llama.cpp's arithmetic, not exact float32; see
     * {@link PackedQ4_0}).
     */
    public WeightMatrix withPacked(PackedQ4_0 p) {
        Objects.requireNonNull(p, "p");
        if (p.rows() != rows || p.cols() != cols || type != GGMLType.Q4_0) throw new IllegalArgumentException(p + " is not a packing of " + this);
        return new WeightMatrix(type, data, rows, cols, p, null);
    }

    /**
     * The same matrix carrying a packing of its Q8_0, Q5_0, Q4_K, Q5_K or Q6_K quants: {@link MatMul#matmul} then
     * runs the integer kernel on 8-bit activations, at every batch (one vector at a time).
     */
    public WeightMatrix withPacked(PackedBlocks p) {
        Objects.requireNonNull(p, "p");
        if (p.rows() != rows || p.cols() != cols || p.type() != type || data == null) throw new IllegalArgumentException(p + " is not a packing of " + this);
        return new WeightMatrix(type, data, rows, cols, null, p);
    }

    /**
     * A Q4_0 matrix held only as its packing, with no copy in the file's layout (fused LoRA weights:
     * the packing is made from them, so keeping both would hold the matrix twice). It multiplies
     * through the integer kernel; {@link #data()} is unavailable, and {@link PackedQ4_0#dequantizeRow}
     * gives its rows exactly.
     */
    public static WeightMatrix packedOnly(PackedQ4_0 p) {
        Objects.requireNonNull(p, "p");
        return new WeightMatrix(GGMLType.Q4_0, null, p.rows(), p.cols(), p, null);
    }

    /** The integer kernel's packing of this matrix, or null (float kernels). */
    public PackedQ4_0 packed() { return packed; }

    /** The integer kernels' packing of this Q8_0, Q5_0, Q4_K, Q5_K or Q6_K matrix, or null. */
    public PackedBlocks packedBlocks() { return packedBlocks; }

    /** Whether the matrix has an integer packing ({@link #packed} or {@link #packedBlocks}), a copy in memory its kernels read instead of the data. */
    public boolean isPacked() { return packed != null || packedBlocks != null; }

    /** The memory of this matrix's packing for the integer kernels, or null when it has none. */
    public MemorySegment packedData() { return packed != null ? packed.data() : packedBlocks != null ? packedBlocks.data() : null; }

    public GGMLType type() { return type; }

    /**
     * F16 only: whether no value is Inf or NaN (none has a half exponent of all ones), so the one-vector
     * kernel may convert halves without that case. Found by one scan of the matrix on first call (a
     * sound file is finite; a matrix that is not goes through the exact decoder instead).
     *
     * @throws IllegalStateException if the matrix is not F16 in the file's layout
     */
    public boolean finiteHalves() {
        if (type != GGMLType.F16 || data == null) throw new IllegalStateException(this + " is not an F16 matrix in the file's layout");
        int known = finiteHalves;
        if (known == 0) finiteHalves = known = noInfOrNaN(data, rows * rowBytes) ? 1 : -1;
        return known > 0;
    }

    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long EXPONENTS = 0x7C00_7C00_7C00_7C00L, ONES = 0x0001_0001_0001_0001L, TOPS = 0x8000_8000_8000_8000L;

    /**
     * Whether none of the halves in the first {@code bytes} (even) bytes of seg has an exponent of all
     * ones: four at a time in a long, where a half's exponent bits xor 0x7C00 is zero exactly for Inf
     * and NaN, and a zero 16-bit field is found by the exact borrow test (t - 1) & ~t & 0x8000.
     */
    static boolean noInfOrNaN(MemorySegment seg, long bytes) {
        long i = 0;
        for (; i + 8 <= bytes; i += 8) {
            long t = (seg.get(LE_LONG, i) & EXPONENTS) ^ EXPONENTS;
            if (((t - ONES) & ~t & TOPS) != 0) return false;
        }
        for (; i < bytes; i += 2) if ((seg.get(LE_SHORT, i) & 0x7C00) == 0x7C00) return false;
        return true;
    }

    /** Whether the matrix has its bytes in the file's layout ({@link #data()}): all but {@link #packedOnly} ones. */
    public boolean hasData() { return data != null; }

    /** The matrix in the file's layout. @throws IllegalStateException for a {@link #packedOnly} matrix */
    public MemorySegment data() {
        if (data == null) throw new IllegalStateException(this + " is held only as its integer packing; it has no bytes in the file's layout");
        return data;
    }

    public int rows() { return rows; }

    public int cols() { return cols; }

    /** Bytes of one row: {@code type().rowBytes(cols())}. */
    public long rowBytes() { return rowBytes; }

    @Override
    public String toString() {
        return "WeightMatrix[" + type + " " + rows + " x " + cols + "]";
    }
}
