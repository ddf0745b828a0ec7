package dev.edgewise.loader;

import dev.edgewise.quant.GGMLType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a GGUF header held in a memory segment. Nothing read from the file is trusted: every
 * count and length is checked against the bytes that remain before anything is allocated or looped over,
 * and every size computation is overflow-checked. Errors are {@link ModelFormatException}s naming the file,
 * the field or tensor, and the byte offset.
 */
final class GGUFHeaderReader {
    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    /** Longest key or tensor name accepted (ggml's own limit for tensor names is 63 bytes). */
    static final long MAX_NAME_BYTES = 1 << 16;
    /** Longest string value accepted: far above any real one (chat templates are kilobytes). */
    static final long MAX_STRING_BYTES = 1L << 28;
    /** Deepest nesting of arrays within arrays. */
    static final int MAX_ARRAY_DEPTH = 8;
    /** Java arrays cannot be longer than this. */
    static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
    /** Fewest bytes of one key/value pair: key length (8), empty key, value type (4), a one-byte value. */
    static final long MIN_KV_BYTES = 8 + 4 + 1;
    /** Fewest bytes of one tensor info: name length (8), n_dims (4), one dimension (8), type (4), offset (8). */
    static final long MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;
    static final int MAX_DIMS = 4;
    static final long MAX_ALIGNMENT = 1L << 31;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What a parse produced. */
    record Header(int version, long alignment, long dataOffset, Map<String, GGUFValue> metadata,
                  Map<String, Long> keyOffsets, List<GGUFTensor> tensors) {}

    private final String file;
    private final MemorySegment seg;
    private final long size;
    private long pos;
    /** The field being read, for error messages. */
    private String where = "header";

    private GGUFHeaderReader(String file, MemorySegment seg) {
        this.file = file;
        this.seg = seg;
        this.size = seg.byteSize();
    }

    static Header parse(String file, MemorySegment seg) {
        return new GGUFHeaderReader(file, seg).parse();
    }

    private Header parse() {
        if (size < 4) throw fail(0, "file is " + size + " bytes long, too short to be a GGUF file");
        int magic = seg.get(U32, 0);
        if (magic != MAGIC) {
            throw fail(0, String.format("not a GGUF file: it starts with bytes %s, expected 47 47 55 46 (\"GGUF\")",
                    hexBytes(0, 4)));
        }
        pos = 4;
        where = "version";
        int version = u32();
        checkVersion(version);
        where = "tensor count";
        long tensorCount = u64();
        where = "metadata count";
        long kvCount = u64();
        checkCount(tensorCount, MIN_TENSOR_INFO_BYTES, "tensor count", 8);
        checkCount(kvCount, MIN_KV_BYTES, "metadata key/value count", 16);
        if (kvCount * MIN_KV_BYTES + tensorCount * MIN_TENSOR_INFO_BYTES > remaining()) { // no overflow: each term <= remaining
            throw fail(8, tensorCount + " tensors and " + kvCount + " metadata entries cannot fit in the "
                    + remaining() + " bytes after the header");
        }

        LinkedHashMap<String, GGUFValue> metadata = new LinkedHashMap<>();
        HashMap<String, Long> keyOffsets = new HashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long entryStart = pos;
            where = "metadata entry #" + i;
            String key = name("key");
            where = "metadata key '" + key + "'";
            if (metadata.containsKey(key)) {
                throw fail(entryStart, "duplicate key (first at byte offset " + keyOffsets.get(key) + ")");
            }
            long typeAt = pos;
            int typeId = u32();
            GGUFValueType type = GGUFValueType.fromId(typeId);
            if (type == null) throw fail(typeAt, "unknown value type id " + Integer.toUnsignedString(typeId));
            metadata.put(key, value(type, 0));
            keyOffsets.put(key, entryStart);
        }

        long alignment = alignment(metadata, keyOffsets);

        List<GGUFTensor> tensors = new ArrayList<>((int) Math.min(tensorCount, 4096));
        HashMap<String, Long> tensorInfoOffsets = new HashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            long infoStart = pos;
            where = "tensor info #" + i;
            String name = name("name");
            where = "tensor '" + name + "'";
            if (tensorInfoOffsets.containsKey(name)) {
                throw fail(infoStart, "duplicate tensor name (first at byte offset " + tensorInfoOffsets.get(name) + ")");
            }
            tensorInfoOffsets.put(name, infoStart);
            tensors.add(tensorInfo(name, alignment));
        }

        long dataOffset = alignUp(pos, alignment);
        if (!tensors.isEmpty()) checkTensorPlacement(tensors, tensorInfoOffsets, dataOffset);
        return new Header(version, alignment, dataOffset, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(keyOffsets), Collections.unmodifiableList(tensors));
    }

    private void checkVersion(int version) {
        if (version == 2 || version == 3) return;
        int swapped = Integer.reverseBytes(version);
        if (swapped >= 1 && swapped <= 3) {
            throw fail(4, "version field reads 0x" + Integer.toHexString(version) + ", which is version " + swapped
                    + " byte-swapped: this is a big-endian GGUF file, and Edgewise reads little-endian files only");
        }
        if (version == 1) {
            throw fail(4, "unsupported version 1 (GGUF v1 is obsolete; Edgewise reads versions 2 and 3; "
                    + "re-convert the model with a current llama.cpp)");
        }
        throw fail(4, "unsupported version " + Integer.toUnsignedString(version) + " (Edgewise reads versions 2 and 3)");
    }

    private void checkCount(long count, long minBytesEach, String what, long fieldOffset) {
        if (count < 0 || count > remaining() / minBytesEach) {
            throw fail(fieldOffset, what + " " + Long.toUnsignedString(count) + " is impossible: each needs at least "
                    + minBytesEach + " bytes and only " + remaining() + " bytes follow the header");
        }
    }

    private long alignment(Map<String, GGUFValue> metadata, Map<String, Long> keyOffsets) {
        GGUFValue v = metadata.get(ALIGNMENT_KEY);
        if (v == null) return DEFAULT_ALIGNMENT;
        where = "metadata key '" + ALIGNMENT_KEY + "'";
        long at = keyOffsets.get(ALIGNMENT_KEY);
        if (!v.type().isInteger()) throw fail(at, "has type " + v.type() + ", expected an integer (UINT32)");
        long a = ((Number) v.value()).longValue();
        if (a <= 0 || Long.bitCount(a) != 1) {
            throw fail(at, "alignment " + Long.toUnsignedString(a) + " is not a nonzero power of two");
        }
        if (a > MAX_ALIGNMENT) throw fail(at, "alignment " + a + " exceeds the largest UINT32 power of two");
        return a;
    }

    private GGUFTensor tensorInfo(String name, long alignment) {
        long dimsAt = pos;
        int nDims = u32();
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw fail(dimsAt, "n_dims is " + Integer.toUnsignedString(nDims) + ", expected 1 to " + MAX_DIMS);
        }
        long[] ne = new long[nDims];
        for (int d = 0; d < nDims; d++) {
            long at = pos;
            ne[d] = u64();
            // ggml tolerates empty (0-element) tensors in principle; no model has them and they would make
            // row/element arithmetic degenerate, so they are rejected here.
            if (ne[d] < 1) {
                throw fail(at, "dimension " + d + " is " + Long.toUnsignedString(ne[d]) + ", expected at least 1");
            }
        }
        long typeAt = pos;
        int typeId = u32();
        GGMLType type = GGMLType.fromId(typeId);
        if (type == null) throw fail(typeAt, "unknown ggml type id " + Integer.toUnsignedString(typeId));
        if (!type.supported()) throw fail(typeAt, "has type " + type + ", which Edgewise cannot read");
        long offsetAt = pos;
        long offset = u64();

        long elements = 1;
        for (long d : ne) {
            elements = multiply(elements, d, dimsAt, ne);
        }
        if (ne[0] % type.blockSize != 0) {
            throw fail(dimsAt, "row length ne[0] = " + ne[0] + " is not a multiple of " + type + "'s block size "
                    + type.blockSize);
        }
        long rowBytes = multiply(ne[0] / type.blockSize, type.typeSize, dimsAt, ne);
        long byteSize = multiply(rowBytes, elements / ne[0], dimsAt, ne);
        if (offset < 0 || offset % alignment != 0) {
            throw fail(offsetAt, "data offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment "
                    + alignment);
        }
        return new GGUFTensor(name, type, ne, offset, byteSize);
    }

    private long multiply(long a, long b, long at, long[] ne) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw fail(at, "size of shape " + java.util.Arrays.toString(ne) + " overflows 64 bits");
        }
    }

    private void checkTensorPlacement(List<GGUFTensor> tensors, Map<String, Long> infoOffsets, long dataOffset) {
        if (dataOffset > size) {
            where = "data section";
            throw fail(pos, "starts at byte offset " + dataOffset + ", beyond the end of the file (" + size + " bytes)");
        }
        long dataBytes = size - dataOffset;
        for (GGUFTensor t : tensors) {
            // offset >= 0 and byteSize >= 0 were checked; offset + byteSize may still overflow
            if (t.offset() > dataBytes || t.byteSize() > dataBytes - t.offset()) {
                where = "tensor '" + t.name() + "'";
                throw fail(infoOffsets.get(t.name()), "data [" + (dataOffset + t.offset()) + ", "
                        + (t.offset() > Long.MAX_VALUE - dataOffset - t.byteSize() ? "overflow"
                        : String.valueOf(dataOffset + t.offset() + t.byteSize()))
                        + ") extends beyond the end of the file (" + size + " bytes)");
            }
        }
        List<GGUFTensor> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(GGUFTensor::offset));
        for (int i = 1; i < byOffset.size(); i++) {
            GGUFTensor a = byOffset.get(i - 1), b = byOffset.get(i);
            if (a.offset() + a.byteSize() > b.offset()) {
                where = "tensor '" + b.name() + "'";
                throw fail(infoOffsets.get(b.name()), "data at data-section offset " + b.offset()
                        + " overlaps tensor '" + a.name() + "' [" + a.offset() + ", " + (a.offset() + a.byteSize()) + ")");
            }
        }
    }

    // ---- values ----

    private GGUFValue value(GGUFValueType type, int depth) {
        return switch (type) {
            case UINT8 -> new GGUFValue(type, null, (short) (u8() & 0xFF));
            case INT8 -> new GGUFValue(type, null, (byte) u8());
            case UINT16 -> new GGUFValue(type, null, u16() & 0xFFFF);
            case INT16 -> new GGUFValue(type, null, (short) u16());
            case UINT32 -> new GGUFValue(type, null, u32() & 0xFFFF_FFFFL);
            case INT32 -> new GGUFValue(type, null, u32());
            case UINT64, INT64 -> new GGUFValue(type, null, u64());
            case FLOAT32 -> { need(4); float f = seg.get(F32, pos); pos += 4; yield new GGUFValue(type, null, f); }
            case FLOAT64 -> { need(8); double d = seg.get(F64, pos); pos += 8; yield new GGUFValue(type, null, d); }
            case BOOL -> new GGUFValue(type, null, bool());
            case STRING -> new GGUFValue(type, null, string(MAX_STRING_BYTES, "string"));
            case ARRAY -> array(depth);
        };
    }

    private GGUFValue array(int depth) {
        long typeAt = pos;
        int typeId = u32();
        GGUFValueType et = GGUFValueType.fromId(typeId);
        if (et == null) throw fail(typeAt, "unknown array element type id " + Integer.toUnsignedString(typeId));
        long countAt = pos;
        long count = u64();
        long minEach = et.minEncodedSize();
        if (count < 0 || count > remaining() / minEach) {
            throw fail(countAt, "array of " + Long.toUnsignedString(count) + " " + et + " elements cannot fit in the "
                    + remaining() + " bytes that remain (each needs at least " + minEach + ")");
        }
        if (count > MAX_ARRAY_LENGTH) throw fail(countAt, "array of " + count + " elements is too long");
        if (et == GGUFValueType.ARRAY && depth + 1 >= MAX_ARRAY_DEPTH) {
            throw fail(typeAt, "arrays nested more than " + MAX_ARRAY_DEPTH + " deep");
        }
        int n = (int) count;
        Object values = switch (et) {
            case UINT8 -> { short[] a = new short[n]; for (int i = 0; i < n; i++) a[i] = (short) (seg.get(ValueLayout.JAVA_BYTE, pos + i) & 0xFF); pos += n; yield a; }
            case INT8 -> { byte[] a = new byte[n]; MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, a, 0, n); pos += n; yield a; }
            case UINT16 -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = seg.get(U16, pos + 2L * i) & 0xFFFF; pos += 2L * n; yield a; }
            case INT16 -> { short[] a = new short[n]; MemorySegment.copy(seg, U16, pos, a, 0, n); pos += 2L * n; yield a; }
            case UINT32 -> { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = seg.get(U32, pos + 4L * i) & 0xFFFF_FFFFL; pos += 4L * n; yield a; }
            case INT32 -> { int[] a = new int[n]; MemorySegment.copy(seg, U32, pos, a, 0, n); pos += 4L * n; yield a; }
            case UINT64, INT64 -> { long[] a = new long[n]; MemorySegment.copy(seg, U64, pos, a, 0, n); pos += 8L * n; yield a; }
            case FLOAT32 -> { float[] a = new float[n]; MemorySegment.copy(seg, F32, pos, a, 0, n); pos += 4L * n; yield a; }
            case FLOAT64 -> { double[] a = new double[n]; MemorySegment.copy(seg, F64, pos, a, 0, n); pos += 8L * n; yield a; }
            case BOOL -> { boolean[] a = new boolean[n]; for (int i = 0; i < n; i++) a[i] = bool(); yield a; }
            case STRING -> { String[] a = new String[n]; for (int i = 0; i < n; i++) a[i] = string(MAX_STRING_BYTES, "string #" + i); yield a; }
            case ARRAY -> {
                GGUFValue[] a = new GGUFValue[n];
                // each element is an array without its own ARRAY tag: element type, count, elements
                for (int i = 0; i < n; i++) a[i] = array(depth + 1);
                yield a;
            }
        };
        return new GGUFValue(GGUFValueType.ARRAY, et, values);
    }

    private boolean bool() {
        long at = pos;
        int b = u8();
        if (b != 0 && b != 1) throw fail(at, "boolean byte is " + b + ", expected 0 or 1");
        return b == 1;
    }

    /** A key or tensor name: must be valid UTF-8 because lookups by name would silently miss otherwise. */
    private String name(String what) {
        long at = pos;
        long len = u64();
        checkStringLength(len, MAX_NAME_BYTES, at, what);
        byte[] bytes = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw fail(at + 8, what + " is not valid UTF-8 (bytes " + hexBytes(at + 8, (int) Math.min(len, 32)) + ")");
        }
    }

    /** A string value: invalid UTF-8 is decoded with U+FFFD replacements (token pieces may be partial bytes). */
    private String string(long cap, String what) {
        long at = pos;
        long len = u64();
        checkStringLength(len, cap, at, what);
        String s = len == 0 ? "" : new String(seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    private void checkStringLength(long len, long cap, long at, String what) {
        if (len < 0 || len > remaining()) {
            throw fail(at, what + " length " + Long.toUnsignedString(len) + " exceeds the " + remaining()
                    + " bytes that remain");
        }
        if (len > cap) throw fail(at, what + " length " + len + " exceeds the limit of " + cap + " bytes");
    }

    // ---- primitive reads, bounds-checked ----

    private long remaining() {
        return size - pos;
    }

    private void need(long n) {
        if (n > remaining()) {
            throw fail(pos, "file ends after " + remaining() + " of the " + n + " bytes needed (file is truncated)");
        }
    }

    private int u8() {
        need(1);
        return seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
    }

    private short u16() {
        need(2);
        short v = seg.get(U16, pos);
        pos += 2;
        return v;
    }

    private int u32() {
        need(4);
        int v = seg.get(U32, pos);
        pos += 4;
        return v;
    }

    private long u64() {
        need(8);
        long v = seg.get(U64, pos);
        pos += 8;
        return v;
    }

    private long alignUp(long offset, long alignment) {
        long r = offset % alignment;
        return r == 0 ? offset : offset + (alignment - r);
    }

    private String hexBytes(long at, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n && at + i < size; i++) {
            if (i > 0) sb.append(' ');
            sb.append(String.format("%02x", seg.get(ValueLayout.JAVA_BYTE, at + i) & 0xFF));
        }
        return sb.toString();
    }

    private ModelFormatException fail(long offset, String message) {
        return new ModelFormatException(file + ": " + where + " at byte offset " + offset + ": " + message);
    }
}
