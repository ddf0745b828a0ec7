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
public record ReferenceDump(Path root, String name, Map<String, Object> json) {

    /** One adapter a LoRA dump applied: GGUF and PEFT paths, the user scale, and the s the reference used. */
    public record Applied(Path gguf, Path peft, float userScale, int rank, float alpha, float s) {}

    public static ReferenceDump read(Path root, Path jsonFile) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> j = (Map<String, Object>) Json.parse(Files.readString(jsonFile));
        return new ReferenceDump(root, String.valueOf(j.get("name")), j);
    }

    /** Every dump in {@code root/dir}, sorted by name. */
    public static java.util.List<ReferenceDump> all(Path root, String dir) throws IOException {
        java.util.List<ReferenceDump> out = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(root.resolve(dir))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) out.add(read(root, p));
        }
        if (out.isEmpty()) throw new AssertionError("no dumps in " + root.resolve(dir));
        return out;
    }

    /** The adapters of a LoRA dump (empty for a base-model dump). */
    @SuppressWarnings("unchecked")
    public java.util.List<Applied> lora() {
        java.util.List<Applied> out = new java.util.ArrayList<>();
        for (Object o : (java.util.List<Object>) json.get("lora")) {
            Map<String, Object> m = (Map<String, Object>) o;
            out.add(new Applied(root.resolve((String) m.get("adapter")), root.resolve((String) m.get("peft")),
                    num(m, "user_scale"), (int) num(m, "rank"), num(m, "alpha"), num(m, "s")));
        }
        return out;
    }

    /** Whether this dump applied an activated LoRA (its lora entries carry invocation tokens, README §10). */
    @SuppressWarnings("unchecked")
    public boolean alora() {
        for (Object o : (java.util.List<Object>) json.get("lora")) {
            if (((Map<String, Object>) o).get("alora_invocation_tokens") != null) return true;
        }
        return false;
    }

    private static float num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).floatValue();
    }

    public double logitStd() {
        return ((Number) json.get("logit_std_exact_mean")).doubleValue();
    }

    public Path model() {
        return root.resolve((String) json.get("model"));
    }

    public int vocab() {
        return ((Number) json.get("n_vocab")).intValue();
    }

    public int[] ints(String key) {
        List<?> l = (List<?>) json.get(key);
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = ((Number) l.get(i)).intValue();
        return a;
    }

    public float[] floats(String key) {
        List<?> l = (List<?>) json.get(key);
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = ((Number) l.get(i)).floatValue();
        return a;
    }

    /** prompt_tokens ++ generated_tokens: the sequence to teacher-force. */
    public int[] sequence() {
        int[] p = ints("prompt_tokens"), g = ints("generated_tokens");
        int[] s = java.util.Arrays.copyOf(p, p.length + g.length);
        System.arraycopy(g, 0, s, p.length, g.length);
        return s;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> diff() {
        return (Map<String, Object>) json.get("diff_exact_vs_llama_cpp");
    }

    @SuppressWarnings("unchecked")
    public List<List<Number>> topk(String key) {
        return (List<List<Number>>) ((Map<String, Object>) json.get("topk")).get(key);
    }

    /** Stored rows of a logits file ("logits_exact" or "logits_llama_cpp"): rows[k] = row stored_rows[k]. */
    public float[][] rows(String key) throws IOException {
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
