package dev.edgewise.loader;

import dev.edgewise.quant.GGMLType;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a GGUF v3 file: metadata in insertion order, then tensor infos, then tensor data, each tensor padded
 * to the alignment (as ggml and gguf-py do, including after the last tensor).
 *
 * <p>{@link #write} writes to a temporary file beside the output and moves it into place, so a failed or
 * interrupted write never leaves a half-written output. Tensor data is streamed from the arrays or segments
 * given to {@link #addTensor}, which must stay valid until {@code write} returns.
 */
public final class GGUFWriter {
    private final LinkedHashMap<String, GGUFValue> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    private record Pending(String name, GGMLType type, long[] ne, long byteSize, byte[] bytes, MemorySegment segment) {}

    public GGUFWriter() {}

    /** Sets {@code general.alignment} (a power of two; 32 when never set). */
    public GGUFWriter alignment(int a) {
        if (a <= 0 || Integer.bitCount(a) != 1) throw new IllegalArgumentException("alignment " + a + " is not a power of two");
        return putUInt32(GGUFHeaderReader.ALIGNMENT_KEY, a);
    }

    /** Adds or replaces (keeping its original position) a metadata entry. */
    public GGUFWriter put(String key, GGUFValue v) {
        Objects.requireNonNull(v, "value");
        Utf8.require(key, "key");
        if (key.equals(GGUFHeaderReader.ALIGNMENT_KEY)) alignmentOf(v);
        metadata.put(key, v);
        return this;
    }

    public GGUFWriter putString(String key, String v) { return put(key, GGUFValue.string(v)); }
    public GGUFWriter putUInt8(String key, int v) { return put(key, GGUFValue.uint8(v)); }
    public GGUFWriter putUInt32(String key, long v) { return put(key, GGUFValue.uint32(v)); }
    public GGUFWriter putInt32(String key, int v) { return put(key, GGUFValue.int32(v)); }
    public GGUFWriter putUInt64(String key, long v) { return put(key, GGUFValue.uint64(v)); }
    public GGUFWriter putInt64(String key, long v) { return put(key, GGUFValue.int64(v)); }
    public GGUFWriter putFloat32(String key, float v) { return put(key, GGUFValue.float32(v)); }
    public GGUFWriter putFloat64(String key, double v) { return put(key, GGUFValue.float64(v)); }
    public GGUFWriter putBool(String key, boolean v) { return put(key, GGUFValue.bool(v)); }
    public GGUFWriter putStringArray(String key, String[] v) { return put(key, GGUFValue.stringArray(v)); }
    public GGUFWriter putInt32Array(String key, int[] v) { return put(key, GGUFValue.int32Array(v)); }
    public GGUFWriter putFloat32Array(String key, float[] v) { return put(key, GGUFValue.float32Array(v)); }

    /** Adds a tensor; {@code ne} in ggml order ({@code ne[0]} = row length), {@code data} exactly its bytes. */
    public GGUFWriter addTensor(String name, GGMLType type, long[] ne, byte[] data) {
        long size = checkTensor(name, type, ne, data.length);
        tensors.add(new Pending(name, type, ne.clone(), size, data, null));
        tensorNames.add(name);
        return this;
    }

    /** As {@link #addTensor(String, GGMLType, long[], byte[])}, with the data in a segment (e.g. another file's mapping). */
    public GGUFWriter addTensor(String name, GGMLType type, long[] ne, MemorySegment data) {
        long size = checkTensor(name, type, ne, data.byteSize());
        tensors.add(new Pending(name, type, ne.clone(), size, null, data));
        tensorNames.add(name);
        return this;
    }

    private long checkTensor(String name, GGMLType type, long[] ne, long dataBytes) {
        Objects.requireNonNull(type, "type");
        Utf8.require(name, "tensor name");
        if (tensorNames.contains(name)) throw new IllegalArgumentException("duplicate tensor '" + name + "'");
        if (ne.length < 1 || ne.length > GGUFHeaderReader.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "': " + ne.length + " dimensions, expected 1 to 4");
        }
        long rows = 1;
        for (int i = 0; i < ne.length; i++) {
            if (ne[i] < 1) throw new IllegalArgumentException("tensor '" + name + "': ne[" + i + "] = " + ne[i] + " < 1");
            if (i > 0) rows = Math.multiplyExact(rows, ne[i]);
        }
        long size = Math.multiplyExact(type.rowBytes(ne[0]), rows);
        if (size != dataBytes) {
            throw new IllegalArgumentException("tensor '" + name + "': " + type + " " + Arrays.toString(ne) + " takes "
                    + size + " bytes, but " + dataBytes + " were given");
        }
        return size;
    }

    /** Writes the file (GGUF v3), replacing {@code out} atomically. */
    public void write(Path out) throws IOException {
        long alignment = metadata.containsKey(GGUFHeaderReader.ALIGNMENT_KEY)
                ? alignmentOf(metadata.get(GGUFHeaderReader.ALIGNMENT_KEY)) : GGUFHeaderReader.DEFAULT_ALIGNMENT;
        AtomicFile.write(out, stream -> {
            Out o = new Out(stream);
            writeHeader(o, alignment);
            o.pad(alignment);
            for (Pending t : tensors) {
                if (t.bytes != null) {
                    o.bytes(t.bytes);
                } else {
                    o.segment(t.segment);
                }
                o.pad(alignment);
            }
            o.flush();
        });
    }

    private void writeHeader(Out o, long alignment) throws IOException {
        o.u32(GGUFHeaderReader.MAGIC);
        o.u32(3);
        o.u64(tensors.size());
        o.u64(metadata.size());
        for (var e : metadata.entrySet()) {
            o.string(e.getKey());
            o.u32(e.getValue().type().id);
            value(o, e.getValue());
        }
        long offset = 0;
        for (Pending t : tensors) {
            o.string(t.name);
            o.u32(t.ne.length);
            for (long d : t.ne) o.u64(d);
            o.u32(t.type.id);
            o.u64(offset);
            offset = Math.addExact(offset, t.byteSize);
            offset = Math.addExact(offset, (alignment - offset % alignment) % alignment);
        }
    }

    private static void value(Out o, GGUFValue v) throws IOException {
        Object x = v.value();
        switch (v.type()) {
            case UINT8, INT16 -> { if (v.type() == GGUFValueType.UINT8) o.u8((Short) x); else o.u16((Short) x); }
            case INT8 -> o.u8((Byte) x);
            case UINT16 -> o.u16((Integer) x);
            case INT32 -> o.u32((Integer) x);
            case UINT32 -> o.u32((int) (long) (Long) x);
            case UINT64, INT64 -> o.u64((Long) x);
            case FLOAT32 -> o.u32(Float.floatToRawIntBits((Float) x));
            case FLOAT64 -> o.u64(Double.doubleToRawLongBits((Double) x));
            case BOOL -> o.u8((Boolean) x ? 1 : 0);
            case STRING -> o.string((String) x);
            case ARRAY -> array(o, v);
        }
    }

    /** An array body: element type, count, elements (nested arrays repeat this without their own type tag). */
    private static void array(Out o, GGUFValue v) throws IOException {
        o.u32(v.elementType().id);
        o.u64(v.length());
        switch (v.value()) {
            case byte[] a -> o.bytes(a);
            case short[] a -> { for (short s : a) { if (v.elementType() == GGUFValueType.UINT8) o.u8(s); else o.u16(s); } }
            case int[] a -> { for (int i : a) { if (v.elementType() == GGUFValueType.UINT16) o.u16(i); else o.u32(i); } }
            case long[] a -> { for (long l : a) { if (v.elementType() == GGUFValueType.UINT32) o.u32((int) l); else o.u64(l); } }
            case float[] a -> { for (float f : a) o.u32(Float.floatToRawIntBits(f)); }
            case double[] a -> { for (double d : a) o.u64(Double.doubleToRawLongBits(d)); }
            case boolean[] a -> { for (boolean b : a) o.u8(b ? 1 : 0); }
            case String[] a -> { for (String s : a) o.string(s); }
            case GGUFValue[] a -> { for (GGUFValue inner : a) array(o, inner); }
            default -> throw new AssertionError(v.value().getClass());
        }
    }

    private static long alignmentOf(GGUFValue v) {
        if (!v.type().isInteger()) throw new IllegalArgumentException("general.alignment must be an integer, not " + v.type());
        long a = ((Number) v.value()).longValue();
        if (a <= 0 || Long.bitCount(a) != 1 || a > GGUFHeaderReader.MAX_ALIGNMENT) {
            throw new IllegalArgumentException("general.alignment " + a + " is not a power of two up to 2^31");
        }
        return a;
    }

    /** Little-endian output that counts bytes written, for padding. */
    private static final class Out {
        private final OutputStream os;
        private final byte[] scratch = new byte[8];
        private long written;

        Out(OutputStream os) {
            this.os = os;
        }

        void u8(int v) throws IOException {
            os.write(v);
            written++;
        }

        void u16(int v) throws IOException {
            scratch[0] = (byte) v;
            scratch[1] = (byte) (v >>> 8);
            os.write(scratch, 0, 2);
            written += 2;
        }

        void u32(int v) throws IOException {
            for (int i = 0; i < 4; i++) scratch[i] = (byte) (v >>> (8 * i));
            os.write(scratch, 0, 4);
            written += 4;
        }

        void u64(long v) throws IOException {
            for (int i = 0; i < 8; i++) scratch[i] = (byte) (v >>> (8 * i));
            os.write(scratch, 0, 8);
            written += 8;
        }

        void string(String s) throws IOException {
            // Strings from Java are re-encoded; lone surrogates become '?', which only GGUFValue strings could hold
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes(b);
        }

        void bytes(byte[] b) throws IOException {
            os.write(b);
            written += b.length;
        }

        void segment(MemorySegment seg) throws IOException {
            byte[] buf = new byte[(int) Math.min(seg.byteSize(), 1 << 20)];
            for (long off = 0; off < seg.byteSize(); off += buf.length) {
                int n = (int) Math.min(buf.length, seg.byteSize() - off);
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, buf, 0, n);
                os.write(buf, 0, n);
                written += n;
            }
        }

        void pad(long alignment) throws IOException {
            long r = written % alignment;
            if (r != 0) {
                for (long i = r; i < alignment; i++) os.write(0);
                written += alignment - r;
            }
        }

        void flush() throws IOException {
            os.flush();
        }
    }
}
