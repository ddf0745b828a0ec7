package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;

import java.lang.foreign.MemorySegment;
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

    /**
     * @throws IllegalArgumentException if the shape is not positive, {@code cols} is not a whole
     *     number of {@code type} blocks, or {@code data} is too small for the matrix
     */
    public WeightMatrix(GGMLType type, MemorySegment data, int rows, int cols) {
        this.type = Objects.requireNonNull(type, "type");
        this.data = Objects.requireNonNull(data, "data");
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
        if (data.byteSize() < needed) {
            throw new IllegalArgumentException(type + " weight matrix [" + rows + " x " + cols + "] needs " + needed
                    + " bytes (" + rowBytes + " per row) but the segment holds only " + data.byteSize());
        }
    }

    public GGMLType type() { return type; }

    public MemorySegment data() { return data; }

    public int rows() { return rows; }

    public int cols() { return cols; }

    /** Bytes of one row: {@code type().rowBytes(cols())}. */
    public long rowBytes() { return rowBytes; }

    @Override
    public String toString() {
        return "WeightMatrix[" + type + " " + rows + " x " + cols + "]";
    }
}
