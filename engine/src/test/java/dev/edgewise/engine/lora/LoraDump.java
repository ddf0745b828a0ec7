package dev.edgewise.engine.lora;

import dev.edgewise.loader.json.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** A reference dump of the shared fixtures (schema {@code edgewise-ref/1}), with its {@code lora} list. */
record LoraDump(Path root, String name, Map<String, Object> json) {

    /** One applied adapter: GGUF and PEFT paths, the user scale, and the s the reference used. */
    record Applied(Path gguf, Path peft, float userScale, int rank, float alpha, float s) {}

    @SuppressWarnings("unchecked")
    static LoraDump read(Path root, Path jsonFile) throws IOException {
        Map<String, Object> j = (Map<String, Object>) Json.parse(Files.readString(jsonFile));
        return new LoraDump(root, String.valueOf(j.get("name")), j);
    }

    static List<LoraDump> all(Path root, String dir) throws IOException {
        List<LoraDump> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(root.resolve(dir))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) out.add(read(root, p));
        }
        if (out.isEmpty()) throw new AssertionError("no dumps in " + root.resolve(dir));
        return out;
    }

    Path model() {
        return root.resolve((String) json.get("model"));
    }

    @SuppressWarnings("unchecked")
    List<Applied> lora() {
        List<Applied> out = new ArrayList<>();
        for (Object o : (List<Object>) json.get("lora")) {
            Map<String, Object> m = (Map<String, Object>) o;
            out.add(new Applied(root.resolve((String) m.get("adapter")), root.resolve((String) m.get("peft")),
                    num(m, "user_scale"), (int) num(m, "rank"), num(m, "alpha"), num(m, "s")));
        }
        return out;
    }

    private static float num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).floatValue();
    }

    int vocab() {
        return ((Number) json.get("n_vocab")).intValue();
    }

    double logitStd() {
        return ((Number) json.get("logit_std_exact_mean")).doubleValue();
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

    /** prompt_tokens ++ generated_tokens. */
    int[] sequence() {
        int[] p = ints("prompt_tokens"), g = ints("generated_tokens");
        int[] s = Arrays.copyOf(p, p.length + g.length);
        System.arraycopy(g, 0, s, p.length, g.length);
        return s;
    }

    @SuppressWarnings("unchecked")
    List<List<Number>> topk(String key) {
        return (List<List<Number>>) ((Map<String, Object>) json.get("topk")).get(key);
    }

    /** Stored rows of "logits_exact" or "logits_llama_cpp": rows[k] = row stored_rows[k]. */
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
