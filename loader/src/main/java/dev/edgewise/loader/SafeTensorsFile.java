package dev.edgewise.loader;

import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.json.JsonParseException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file (the format of Hugging Face weights and PEFT adapters), memory-mapped read-only.
 *
 * <p>Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data section. The JSON
 * maps each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the
 * data section), plus an optional {@code "__metadata__"} object of string to string. {@link #open} validates
 * all of it: header length against the file and a {@value #MAX_HEADER_BYTES}-byte cap, known dtypes,
 * non-negative integer shapes, {@code end - begin == elements * dtype size}, offsets within the file, and no
 * two tensors overlapping. (Gaps between tensors are tolerated; the reference implementation rejects them,
 * but they are harmless to a reader.)
 */
public final class SafeTensorsFile implements AutoCloseable {
    /** Largest header accepted; real headers are kilobytes to a few megabytes. */
    public static final long MAX_HEADER_BYTES = 100L << 20;
    static final String METADATA_KEY = "__metadata__";

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final long dataOffset;
    private final Map<String, String> metadata;
    private final List<SafeTensor> tensors;
    private final Map<String, SafeTensor> byName;
    private boolean closed;

    private SafeTensorsFile(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        HeaderParser p = new HeaderParser(path.toString(), segment);
        this.dataOffset = p.dataOffset;
        this.metadata = p.metadata;
        this.tensors = p.tensors;
        this.byName = p.byName;
    }

    /**
     * Maps and validates {@code path}.
     *
     * @throws IOException          if the file cannot be read
     * @throws ModelFormatException if it is not a valid safetensors file
     */
    public static SafeTensorsFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment segment = MappedFiles.map(path, "safetensors", arena);
            return new SafeTensorsFile(path, arena, segment);
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    /** Parses a safetensors image already in memory; {@code name} is used in messages. */
    static SafeTensorsFile parse(Path name, MemorySegment image) {
        return new SafeTensorsFile(name, null, image);
    }

    public Path path() { return path; }

    /** The {@code __metadata__} entries (empty if absent), in file order, unmodifiable. */
    public Map<String, String> metadata() { return metadata; }

    /** Tensors in header order, unmodifiable. */
    public List<SafeTensor> tensors() { return tensors; }

    /** The tensor named {@code name}, or null. */
    public SafeTensor tensor(String name) { return byName.get(name); }

    /** The tensor named {@code name}; a {@link ModelFormatException} naming it if absent. */
    public SafeTensor requireTensor(String name) {
        SafeTensor t = byName.get(name);
        if (t == null) throw new ModelFormatException(path + ": required tensor '" + name + "' is missing");
        return t;
    }

    /** Absolute byte offset of the data section (8 + header length). */
    public long dataOffset() { return dataOffset; }

    /** The whole file. */
    public MemorySegment segment() { return segment; }

    /** The data of {@code t} (a tensor of this file): a slice of the mapping. Values are little-endian. */
    public MemorySegment data(SafeTensor t) {
        if (!t.equals(byName.get(t.name()))) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' does not belong to " + path);
        }
        return segment.asSlice(dataOffset + t.begin(), t.byteSize());
    }

    /** Unmaps the file. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (arena != null) arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafeTensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }

    /** Bytes per element of a safetensors dtype, or -1 if unknown. */
    static int dtypeSize(String dtype) {
        return switch (dtype) {
            case "BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2", "F8_E8M0" -> 1;
            case "I16", "U16", "F16", "BF16" -> 2;
            case "I32", "U32", "F32" -> 4;
            case "I64", "U64", "F64" -> 8;
            default -> -1;
        };
    }

    /** Reads and validates the header; errors name the file, the tensor or field, and a byte offset. */
    private static final class HeaderParser {
        final String file;
        final long dataOffset;
        final Map<String, String> metadata;
        final List<SafeTensor> tensors;
        final Map<String, SafeTensor> byName = new LinkedHashMap<>();

        HeaderParser(String file, MemorySegment seg) {
            this.file = file;
            long size = seg.byteSize();
            if (size < 8) throw fail("header length at byte offset 0: file is " + size + " bytes, too short for the 8-byte header length");
            long n = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (n < 0 || n > size - 8) {
                throw fail("header length at byte offset 0: " + Long.toUnsignedString(n) + " exceeds the " + (size - 8)
                        + " bytes after it (truncated file, or not a safetensors file)");
            }
            if (n > MAX_HEADER_BYTES) {
                throw fail("header length at byte offset 0: " + n + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
            }
            if (n < 2) throw fail("header at byte offset 8: " + n + " bytes cannot hold a JSON object");
            this.dataOffset = 8 + n;
            byte[] bytes = seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            if (bytes[0] != '{') {
                throw fail("header at byte offset 8: starts with byte 0x" + String.format("%02x", bytes[0] & 0xFF)
                        + ", expected '{' (not a safetensors file?)");
            }
            String json;
            try {
                json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw fail("header at byte offset 8: not valid UTF-8");
            }
            Object root;
            try {
                root = Json.parse(json);
            } catch (JsonParseException e) {
                throw new ModelFormatException(file + ": header at byte offset 8 (" + n + " bytes) is not valid JSON: "
                        + e.getMessage(), e);
            }
            if (!(root instanceof Map<?, ?> entries)) throw fail("header at byte offset 8: JSON is not an object");

            Map<String, String> meta = new LinkedHashMap<>();
            List<SafeTensor> list = new ArrayList<>();
            long dataBytes = size - dataOffset;
            for (var e : entries.entrySet()) {
                String name = (String) e.getKey();
                if (name.equals(METADATA_KEY)) {
                    if (!(e.getValue() instanceof Map<?, ?> m)) throw fail("JSON header at byte offset 8: \"__metadata__\" is not an object");
                    for (var me : m.entrySet()) {
                        if (!(me.getValue() instanceof String s)) {
                            throw fail("JSON header at byte offset 8: \"__metadata__\" entry \"" + me.getKey() + "\" is not a string");
                        }
                        meta.put((String) me.getKey(), s);
                    }
                    continue;
                }
                SafeTensor t = tensor(name, e.getValue(), dataBytes);
                list.add(t);
                byName.put(name, t);
            }
            List<SafeTensor> sorted = new ArrayList<>(list);
            sorted.sort(Comparator.comparingLong(SafeTensor::begin).thenComparingLong(SafeTensor::end));
            for (int i = 1; i < sorted.size(); i++) {
                SafeTensor a = sorted.get(i - 1), b = sorted.get(i);
                if (b.begin() < a.end() && b.byteSize() > 0 && a.byteSize() > 0) {
                    throw fail("tensor '" + b.name() + "' data [" + b.begin() + ", " + b.end() + ") at byte offset "
                            + (dataOffset + b.begin()) + " overlaps tensor '" + a.name() + "' [" + a.begin() + ", " + a.end() + ")");
                }
            }
            this.metadata = Collections.unmodifiableMap(meta);
            this.tensors = Collections.unmodifiableList(list);
        }

        private SafeTensor tensor(String name, Object value, long dataBytes) {
            String where = "tensor '" + name + "'";
            if (!(value instanceof Map<?, ?> info)) throw fail("JSON header at byte offset 8: " + where + " is not an object");
            if (!(info.get("dtype") instanceof String dtype)) throw fail("JSON header at byte offset 8: " + where + " has no string \"dtype\"");
            int elemSize = dtypeSize(dtype);
            if (elemSize < 0) throw fail("JSON header at byte offset 8: " + where + " has dtype \"" + dtype + "\", which Edgewise does not know");
            if (!(info.get("shape") instanceof List<?> shapeList)) throw fail("JSON header at byte offset 8: " + where + " has no \"shape\" array");
            long[] shape = new long[shapeList.size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                if (!(shapeList.get(i) instanceof Long d) || d < 0) {
                    throw fail("JSON header at byte offset 8: " + where + " shape[" + i + "] = " + shapeList.get(i) + " is not a non-negative integer");
                }
                shape[i] = d;
                try {
                    elements = Math.multiplyExact(elements, d);
                } catch (ArithmeticException ex) {
                    throw fail("JSON header at byte offset 8: " + where + " shape " + shapeList + " overflows 64 bits");
                }
            }
            if (!(info.get("data_offsets") instanceof List<?> offs) || offs.size() != 2
                    || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end)) {
                throw fail("JSON header at byte offset 8: " + where + " \"data_offsets\" is not an array of two integers: " + info.get("data_offsets"));
            }
            if (begin < 0 || end < begin) {
                throw fail("JSON header at byte offset 8: " + where + " data_offsets [" + begin + ", " + end + "] are not an ascending pair of non-negative offsets");
            }
            if (end > dataBytes) {
                throw fail(where + " data [" + begin + ", " + end + ") at byte offset " + (dataOffset + begin)
                        + " extends beyond the end of the file (data section is " + dataBytes + " bytes)");
            }
            long expected;
            try {
                expected = Math.multiplyExact(elements, elemSize);
            } catch (ArithmeticException ex) {
                throw fail("JSON header at byte offset 8: " + where + " shape " + shapeList + " overflows 64 bits");
            }
            if (end - begin != expected) {
                throw fail(where + " at byte offset " + (dataOffset + begin) + ": data_offsets [" + begin + ", " + end
                        + ") hold " + (end - begin) + " bytes, but " + dtype + " " + shapeList + " needs " + expected);
            }
            return new SafeTensor(name, dtype, shape, begin, end);
        }

        private ModelFormatException fail(String message) {
            return new ModelFormatException(file + ": " + message);
        }
    }
}
