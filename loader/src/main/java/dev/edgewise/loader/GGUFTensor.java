package dev.edgewise.loader;

import dev.edgewise.quant.GGMLType;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor described in a GGUF header.
 *
 * @param name     tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param type     element type
 * @param ne       dimensions in ggml order: {@code ne[0]} is the row length (contiguous), {@code ne[1]} the number
 *                 of rows, and so on. Equals numpy's shape reversed. Copied on the way in and out.
 * @param offset   start of the data relative to the file's data section; a multiple of the file's alignment
 * @param byteSize bytes of data
 */
public record GGUFTensor(String name, GGMLType type, long[] ne, long offset, long byteSize) {

    public GGUFTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    /** Number of dimensions (1 to 4). */
    public int nDims() {
        return ne.length;
    }

    /** Dimension {@code i} in ggml order, 1 beyond the stored dimensions (as ggml pads them). */
    public long ne(int i) {
        return i < ne.length ? ne[i] : 1;
    }

    /** Total number of elements. */
    public long elements() {
        long n = 1;
        for (long d : ne) n = Math.multiplyExact(n, d);
        return n;
    }

    /** The row length {@code ne[0]} as an int. */
    public int cols() {
        if (ne[0] > Integer.MAX_VALUE) {
            throw new ModelFormatException("tensor '" + name + "': row length " + ne[0] + " does not fit in an int");
        }
        return (int) ne[0];
    }

    /** Number of rows: the product of {@code ne[1..]} (1 for a vector). */
    public long rows() {
        long n = 1;
        for (int i = 1; i < ne.length; i++) n = Math.multiplyExact(n, ne[i]);
        return n;
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type.rowBytes(ne[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GGUFTensor t && name.equals(t.name) && type == t.type && Arrays.equals(ne, t.ne)
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(ne), offset, byteSize);
    }

    @Override
    public String toString() {
        return name + " " + type + " ne=" + Arrays.toString(ne) + " @" + offset + " (" + byteSize + " B)";
    }
}
