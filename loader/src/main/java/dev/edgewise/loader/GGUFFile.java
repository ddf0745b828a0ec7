package dev.edgewise.loader;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3, little-endian), memory-mapped read-only. The header is parsed and fully
 * validated by {@link #open}; tensor data stays in the mapping and is exposed as slices of it.
 *
 * <p>The mapping lives in a shared arena, so slices may be read from any thread until {@link #close()}; after
 * that, touching them throws {@link IllegalStateException}.
 */
public final class GGUFFile implements AutoCloseable {
    private final Path path;
    private final String fileName;
    private final Arena arena;
    private final MemorySegment segment;
    private final GGUFHeaderReader.Header header;
    private final Map<String, GGUFTensor> tensorsByName;
    private boolean closed;

    private GGUFFile(Path path, Arena arena, MemorySegment segment, GGUFHeaderReader.Header header) {
        this.path = path;
        this.fileName = path.toString();
        this.arena = arena;
        this.segment = segment;
        this.header = header;
        this.tensorsByName = new HashMap<>();
        for (GGUFTensor t : header.tensors()) tensorsByName.put(t.name(), t);
    }

    /**
     * Maps and validates {@code path}. Files larger than 2 GiB are supported.
     *
     * @throws IOException          if the file cannot be read
     * @throws ModelFormatException if its content is not a valid, supported GGUF file
     */
    public static GGUFFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment segment = MappedFiles.map(path, "GGUF", arena);
            return new GGUFFile(path, arena, segment, GGUFHeaderReader.parse(path.toString(), segment));
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    /** Parses a GGUF image already in memory (tests, and files not on disk); {@code name} is used in messages. */
    static GGUFFile parse(Path name, MemorySegment image) {
        return new GGUFFile(name, null, image, GGUFHeaderReader.parse(name.toString(), image));
    }

    public Path path() { return path; }

    /** GGUF version: 2 or 3. */
    public int version() { return header.version(); }

    /** Alignment of tensor data ({@code general.alignment}, default 32). */
    public long alignment() { return header.alignment(); }

    /** Absolute byte offset of the data section, which tensor offsets are relative to. */
    public long dataOffset() { return header.dataOffset(); }

    /** The whole file. */
    public MemorySegment segment() { return segment; }

    /** All metadata in file order (unmodifiable). */
    public Map<String, GGUFValue> metadata() { return header.metadata(); }

    /** Tensors in file order (unmodifiable). */
    public List<GGUFTensor> tensors() { return header.tensors(); }

    /** The tensor named {@code name}, or null. */
    public GGUFTensor tensor(String name) { return tensorsByName.get(name); }

    /** The tensor named {@code name}; a {@link ModelFormatException} naming it if the file lacks it. */
    public GGUFTensor requireTensor(String name) {
        GGUFTensor t = tensorsByName.get(name);
        if (t == null) throw new ModelFormatException(fileName + ": required tensor '" + name + "' is missing");
        return t;
    }

    /** The data of {@code t} (a tensor of this file): a slice of the mapping. */
    public MemorySegment data(GGUFTensor t) {
        if (tensorsByName.get(t.name()) != t && !t.equals(tensorsByName.get(t.name()))) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' does not belong to " + fileName);
        }
        return segment.asSlice(header.dataOffset() + t.offset(), t.byteSize());
    }

    public boolean has(String key) { return header.metadata().containsKey(key); }

    // ---- typed metadata getters ----

    public String getString(String key) { return MetadataValues.asString(require(key), this, key); }
    public long getLong(String key) { return MetadataValues.asLong(require(key), this, key); }
    public int getInt(String key) { return MetadataValues.asInt(require(key), this, key); }
    public float getFloat(String key) { return MetadataValues.asFloat(require(key), this, key); }
    public boolean getBoolean(String key) { return MetadataValues.asBoolean(require(key), this, key); }
    public String[] getStringArray(String key) { return MetadataValues.asStringArray(require(key), this, key); }
    public int[] getIntArray(String key) { return MetadataValues.asIntArray(require(key), this, key); }
    public float[] getFloatArray(String key) { return MetadataValues.asFloatArray(require(key), this, key); }

    // Defaults apply only when the key is absent: a present key of the wrong type is still an error.
    public String getString(String key, String def) { return has(key) ? getString(key) : def; }
    public long getLong(String key, long def) { return has(key) ? getLong(key) : def; }
    public int getInt(String key, int def) { return has(key) ? getInt(key) : def; }
    public float getFloat(String key, float def) { return has(key) ? getFloat(key) : def; }
    public boolean getBoolean(String key, boolean def) { return has(key) ? getBoolean(key) : def; }

    private GGUFValue require(String key) {
        GGUFValue v = header.metadata().get(key);
        if (v == null) throw new ModelFormatException(fileName + ": metadata key '" + key + "' is missing");
        return v;
    }

    /** Error for a present key, naming the file, the key and where the entry starts. */
    ModelFormatException keyError(String key, String problem) {
        Long at = header.keyOffsets().get(key);
        return new ModelFormatException(fileName + ": metadata key '" + key + "'"
                + (at != null ? " (entry at byte offset " + at + ")" : "") + " " + problem);
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
        return "GGUFFile[" + path + ", v" + version() + ", " + metadata().size() + " keys, " + tensors().size() + " tensors]";
    }
}
