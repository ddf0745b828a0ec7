package dev.edgewise.loader;

import dev.edgewise.loader.json.Json;

import dev.edgewise.quant.Float16;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a safetensors file from float arrays, each stored as F32, F16 or BF16.
 *
 * <p>The header is compact JSON: {@code "__metadata__"} first (only if an entry was set), then the tensors in
 * the order they were added, each {@code {"dtype", "shape", "data_offsets"}}. As the reference implementation
 * does, the header is padded with spaces to a multiple of 8 bytes and the data section holds the tensors
 * packed without gaps, largest element size first (ties in insertion order), so every tensor starts at a file
 * offset that is a multiple of its element size. Everything {@link SafeTensorsFile} rejects is refused here
 * up front with an {@link IllegalArgumentException}: duplicate or reserved names, negative dimensions, a
 * shape that does not match the number of values, text that is not encodable as UTF-8.
 *
 * <p>{@link #write} writes a temporary file beside the output and moves it into place (atomically where the
 * file system can), so a failed write never leaves a half-written output. The float arrays given to
 * {@link #add} are converted when {@code add} is called; later changes to them are not seen.
 */
public final class SafeTensorsWriter {
    private final LinkedHashMap<String, String> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    private record Pending(String name, String dtype, int elementSize, long[] shape, byte[] data) {}

    public SafeTensorsWriter() {}

    /** Adds or replaces (keeping its original position) a {@code __metadata__} entry. */
    public SafeTensorsWriter metadata(String key, String value) {
        Utf8.require(key, "metadata key");
        Utf8.require(value, "metadata value for '" + key + "'");
        metadata.put(key, value);
        return this;
    }

    /**
     * Adds a tensor.
     *
     * @param dtype  {@code F32}, {@code F16} or {@code BF16}; values are rounded to nearest even for the
     *               16-bit types (as {@link Float16} does)
     * @param shape  row-major (numpy) shape, empty for a scalar; dimensions may be 0
     * @param values exactly {@code product(shape)} values in row-major order
     */
    public SafeTensorsWriter add(String name, String dtype, long[] shape, float[] values) {
        Utf8.require(name, "tensor name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(values, "values");
        if (name.equals(SafeTensorsFile.METADATA_KEY)) {
            throw new IllegalArgumentException("tensor name '" + name + "' is reserved for the metadata map");
        }
        if (names.contains(name)) throw new IllegalArgumentException("duplicate tensor '" + name + "'");
        int size = switch (dtype) {
            case "F32", "F16", "BF16" -> SafeTensorsFile.dtypeSize(dtype);
            default -> throw new IllegalArgumentException("tensor '" + name + "': dtype \"" + dtype
                    + "\" is not writable from floats (expected F32, F16 or BF16)");
        };
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) throw new IllegalArgumentException("tensor '" + name + "': shape[" + i + "] = " + shape[i] + " < 0");
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " overflows 64 bits");
            }
        }
        if (elements != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " holds "
                    + elements + " elements, but " + values.length + " values were given");
        }
        tensors.add(new Pending(name, dtype, size, shape.clone(), encode(dtype, size, values)));
        names.add(name);
        return this;
    }

    /** Little-endian bytes of {@code values} in {@code dtype}. */
    private static byte[] encode(String dtype, int size, float[] values) {
        byte[] out = new byte[Math.multiplyExact(values.length, size)];
        for (int i = 0; i < values.length; i++) {
            int bits = switch (dtype) {
                case "F32" -> Float.floatToRawIntBits(values[i]);
                case "F16" -> Float16.fromFloat(values[i]);
                default -> Float16.floatToBf16(values[i]);
            };
            for (int b = 0; b < size; b++) out[i * size + b] = (byte) (bits >>> (8 * b));
        }
        return out;
    }

    /** Writes the file, replacing {@code out} atomically. */
    public void write(Path out) throws IOException {
        List<Pending> layout = new ArrayList<>(tensors);
        layout.sort(Comparator.comparingInt((Pending p) -> -p.elementSize)); // stable: ties keep insertion order
        byte[] header = header(layout);
        if (header.length > SafeTensorsFile.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("header of " + header.length + " bytes exceeds the limit of "
                    + SafeTensorsFile.MAX_HEADER_BYTES + " bytes that readers accept");
        }
        AtomicFile.write(out, o -> {
            long n = header.length;
            for (int i = 0; i < 8; i++) o.write((int) (n >>> (8 * i)));
            o.write(header);
            for (Pending p : layout) o.write(p.data);
        });
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes; offsets follow {@code layout}. */
    private byte[] header(List<Pending> layout) {
        LinkedHashMap<String, long[]> offsets = new LinkedHashMap<>();
        long at = 0;
        for (Pending p : layout) {
            offsets.put(p.name, new long[] {at, at + p.data.length});
            at += p.data.length;
        }
        StringBuilder j = new StringBuilder(64 + 96 * tensors.size());
        j.append('{');
        boolean first = true;
        if (!metadata.isEmpty()) {
            Json.quote(j, SafeTensorsFile.METADATA_KEY).append(":{");
            boolean firstEntry = true;
            for (var e : metadata.entrySet()) {
                if (!firstEntry) j.append(',');
                firstEntry = false;
                Json.quote(j, e.getKey()).append(':');
                Json.quote(j, e.getValue());
            }
            j.append('}');
            first = false;
        }
        for (Pending p : tensors) { // header in insertion order, independent of the data layout
            if (!first) j.append(',');
            first = false;
            Json.quote(j, p.name).append(":{\"dtype\":");
            Json.quote(j, p.dtype).append(",\"shape\":[");
            for (int i = 0; i < p.shape.length; i++) {
                if (i > 0) j.append(',');
                j.append(p.shape[i]);
            }
            long[] off = offsets.get(p.name);
            j.append("],\"data_offsets\":[").append(off[0]).append(',').append(off[1]).append("]}");
        }
        j.append('}');
        byte[] text = j.toString().getBytes(StandardCharsets.UTF_8);
        int padded = Math.toIntExact((text.length + 7L) / 8 * 8);
        byte[] out = Arrays.copyOf(text, padded);
        Arrays.fill(out, text.length, padded, (byte) ' ');
        return out;
    }
}
