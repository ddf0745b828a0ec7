package dev.edgewise.engine;

import dev.edgewise.loader.json.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** One reference dump of the shared fixtures ({@code edgewise-ref/1}: JSON plus raw float32 rows). */
record ReferenceDump(Path root, String name, Map<String, Object> json) {

    static ReferenceDump read(Path root, Path jsonFile) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> j = (Map<String, Object>) Json.parse(Files.readString(jsonFile));
        return new ReferenceDump(root, String.valueOf(j.get("name")), j);
    }

    Path model() {
        return root.resolve((String) json.get("model"));
    }

    int vocab() {
        return ((Number) json.get("n_vocab")).intValue();
    }

    int[] ints(String key) {
        List<?> l = (List<?>) json.get(key);
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = ((Number) l.get(i)).intValue();
        return a;
    }

    float[] floats(String key) {
        List<?> l = (List<?>) json.get(key);
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = ((Number) l.get(i)).floatValue();
        return a;
    }

    /** prompt_tokens ++ generated_tokens: the sequence to teacher-force. */
    int[] sequence() {
        int[] p = ints("prompt_tokens"), g = ints("generated_tokens");
        int[] s = java.util.Arrays.copyOf(p, p.length + g.length);
        System.arraycopy(g, 0, s, p.length, g.length);
        return s;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> diff() {
        return (Map<String, Object>) json.get("diff_exact_vs_llama_cpp");
    }

    @SuppressWarnings("unchecked")
    List<List<Number>> topk(String key) {
        return (List<List<Number>>) ((Map<String, Object>) json.get("topk")).get(key);
    }

    /** Stored rows of a logits file ("logits_exact" or "logits_llama_cpp"): rows[k] = row stored_rows[k]. */
    float[][] rows(String key) throws IOException {
        byte[] bytes = Files.readAllBytes(root.resolve((String) json.get(key)));
        int n = vocab();
        int[] stored = ints("stored_rows");
        if (bytes.length != (long) stored.length * n * 4) throw new IOException(key + ": unexpected size " + bytes.length);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[][] rows = new float[stored.length][n];
        for (int k = 0; k < stored.length; k++) {
            b.position(k * n * 4);
            b.asFloatBuffer().get(rows[k]);
        }
        return rows;
    }
}
