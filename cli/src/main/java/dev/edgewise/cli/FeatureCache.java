package dev.edgewise.cli;

import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.loader.json.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;

/**
 * Resumable, append-only JSONL record of finished work items (features of training examples, cells of an
 * eval sweep): a header line names the settings that produced it, then one JSON object per finished item,
 * written and flushed as soon as the item is done. Reopening with the same settings returns what was
 * finished, so a stopped run goes on where it stopped; a truncated last line (the process died while
 * writing it) is dropped; other settings are refused, naming the file. Feature vectors are stored as
 * base64 of little-endian float32, so they read back bit for bit.
 */
final class FeatureCache implements AutoCloseable {
    private static final String HEADER = "edgewise_cache";
    private final Path file;
    private final Map<String, Map<String, Object>> done = new LinkedHashMap<>();
    private final BufferedWriter out;

    private FeatureCache(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    /**
     * Opens {@code file} for items made with {@code settings} (any string that changes when a result would),
     * creating it if absent.
     */
    static FeatureCache open(Path file, String kind, String settings) throws IOException {
        String header = "{\"" + HEADER + "\": " + Json.quote(new StringBuilder(), kind) + ", \"settings\": "
                + Json.quote(new StringBuilder(), settings) + "}";
        Map<String, Map<String, Object>> items = new LinkedHashMap<>();
        if (Files.exists(file)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (!lines.isEmpty()) {
                Object h = parse(file, 1, lines.getFirst());
                if (!(h instanceof Map<?, ?> hm) || !kind.equals(hm.get(HEADER))) {
                    throw new ModelFormatException(file + ":1: not an edgewise " + kind + " cache");
                }
                if (!settings.equals(hm.get("settings"))) {
                    throw new ModelFormatException(file + ": was made with other settings (" + hm.get("settings")
                            + "); delete it or pass another cache file");
                }
                for (int i = 1; i < lines.size(); i++) {
                    Object o;
                    try {
                        o = Json.parse(lines.get(i));
                    } catch (RuntimeException e) {
                        if (i == lines.size() - 1) break; // cut short by a stop: that item is redone
                        throw new ModelFormatException(file + ":" + (i + 1) + ": not JSON: " + e.getMessage());
                    }
                    if (!(o instanceof Map<?, ?> m) || !(m.get("key") instanceof String key)) {
                        throw new ModelFormatException(file + ":" + (i + 1) + ": expected an object with a string \"key\"");
                    }
                    @SuppressWarnings("unchecked") Map<String, Object> item = (Map<String, Object>) m;
                    items.put(key, item);
                }
            }
            // rewrite without a truncated tail, so appended lines start on a line of their own
            StringBuilder sb = new StringBuilder(header).append('\n');
            for (Map<String, Object> item : items.values()) sb.append(line(item)).append('\n');
            dev.edgewise.loader.AtomicFile.writeString(file, sb);
        } else {
            Files.writeString(file, header + "\n", StandardCharsets.UTF_8);
        }
        FeatureCache c = new FeatureCache(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
        c.done.putAll(items);
        return c;
    }

    private static Object parse(Path file, int lineNo, String line) {
        try {
            return Json.parse(line);
        } catch (RuntimeException e) {
            throw new ModelFormatException(file + ":" + lineNo + ": not JSON: " + e.getMessage());
        }
    }

    Path file() { return file; }

    /** The finished item with this key, or null. */
    Map<String, Object> get(String key) {
        return done.get(key);
    }

    int size() { return done.size(); }

    /** Records a finished item (its fields plus {@code key}) and flushes it to disk. */
    void put(String key, Map<String, Object> fields) throws IOException {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("key", key);
        item.putAll(fields);
        out.write(line(item));
        out.newLine();
        out.flush();
        done.put(key, item);
    }

    private static String line(Map<String, Object> item) {
        return JsonWriter.compact(item);
    }

    /** A float vector as base64 of its little-endian float32 bytes (exact). */
    static String encode(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return Base64.getEncoder().encodeToString(b.array());
    }

    /** The inverse of {@link #encode}. */
    static float[] decode(Object text, String where) {
        if (!(text instanceof String s)) throw new ModelFormatException(where + ": expected a base64 feature string");
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + ": bad base64 features: " + e.getMessage());
        }
        if (bytes.length % 4 != 0) throw new ModelFormatException(where + ": feature bytes not a multiple of 4");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bytes.length / 4];
        for (int i = 0; i < v.length; i++) v[i] = b.getFloat();
        return v;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
