package dev.edgewise.engine.synthetic;

import dev.edgewise.loader.GGUFWriter;
import dev.edgewise.quant.GGMLType;
import dev.edgewise.quant.Quantize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * Writes seeded random Qwen2 models with Edgewise's own GGUF writer. No weights can be bundled,
 * so these stand in wherever a model file is needed without one: the default of {@code run}, the
 * demo, and benchmarks of real shapes. Their output is meaningless text, and the files say so in
 * {@code general.name} and {@code general.description}.
 *
 * <p>Weight scales follow the conformance fixtures so greedy output does not collapse onto one
 * token: embeddings std 0.25, attention-output and down projections std 12/√fan_in, other matrices
 * 1/√fan_in, biases std 0.1, norm weights 1 + 0.1·N(0,1).
 */
public final class SyntheticModels {
    private static final float RESIDUAL_MULTIPLIER = 12f;
    /** Keeps the logit spread near 4 at width 256, so sampling wanders instead of locking onto one token. */
    private static final float EMBEDDING_STD = 0.25f;
    private static final int FORMAT_VERSION = 3;

    private SyntheticModels() {}

    /** The embedded default model, written once into the user's cache directory. */
    public static Path defaultModel() throws IOException {
        return cached(SyntheticShape.DEFAULT, GGMLType.Q8_0, 42);
    }

    /** A cached synthetic model of the given shape, type and seed, written on first use. */
    public static Path cached(SyntheticShape shape, GGMLType type, long seed) throws IOException {
        Path dir = cacheDirectory();
        Files.createDirectories(dir);
        Path file = dir.resolve(String.format(Locale.ROOT, "synthetic-%s-%s-seed%d-v%d.gguf",
                shape.name(), type.name().toLowerCase(Locale.ROOT), seed, FORMAT_VERSION));
        if (!Files.exists(file)) write(shape, type, seed, file);
        return file;
    }

    static Path cacheDirectory() {
        String configured = System.getenv("EDGEWISE_CACHE");
        if (configured != null && !configured.isBlank()) return Path.of(configured);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("edgewise");
    }

    /**
     * Writes a model. Matrices are stored as {@code type} where their rows are whole blocks of it,
     * otherwise as Q8_0 or F16 (as llama-quantize falls back); norms and biases are F32.
     */
    public static void write(SyntheticShape s, GGMLType type, long seed, Path out) throws IOException {
        GGUFWriter w = new GGUFWriter();
        w.putString("general.architecture", "qwen2");
        w.putString("general.type", "model");
        w.putString("general.name", "synthetic " + s.name() + " (random weights)");
        w.putString("general.description", "Seeded random weights written by Edgewise; output is meaningless.");
        w.putUInt32("general.quantization_version", 2);
        w.putUInt32("qwen2.context_length", 32768);
        w.putUInt32("qwen2.embedding_length", s.dim());
        w.putUInt32("qwen2.block_count", s.nLayers());
        w.putUInt32("qwen2.feed_forward_length", s.ffnDim());
        w.putUInt32("qwen2.attention.head_count", s.nHeads());
        w.putUInt32("qwen2.attention.head_count_kv", s.nKvHeads());
        w.putFloat32("qwen2.rope.freq_base", 1_000_000f);
        w.putFloat32("qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
        w.putUInt32("synthetic.seed", (int) seed);
        SyntheticVocabulary.addTo(w, s.vocabSize());

        Generator g = new Generator(seed, type);
        g.matrix(w, "token_embd.weight", s.vocabSize(), s.dim(), EMBEDDING_STD);
        for (int l = 0; l < s.nLayers(); l++) {
            String b = "blk." + l + ".";
            float in = (float) (1 / Math.sqrt(s.dim()));
            g.norm(w, b + "attn_norm.weight", s.dim());
            g.matrix(w, b + "attn_q.weight", s.dim(), s.dim(), in);
            g.vector(w, b + "attn_q.bias", s.dim(), 0.1f);
            g.matrix(w, b + "attn_k.weight", s.kvDim(), s.dim(), in);
            g.vector(w, b + "attn_k.bias", s.kvDim(), 0.1f);
            g.matrix(w, b + "attn_v.weight", s.kvDim(), s.dim(), in);
            g.vector(w, b + "attn_v.bias", s.kvDim(), 0.1f);
            g.matrix(w, b + "attn_output.weight", s.dim(), s.dim(), RESIDUAL_MULTIPLIER * in);
            g.norm(w, b + "ffn_norm.weight", s.dim());
            g.matrix(w, b + "ffn_gate.weight", s.ffnDim(), s.dim(), in);
            g.matrix(w, b + "ffn_up.weight", s.ffnDim(), s.dim(), in);
            g.matrix(w, b + "ffn_down.weight", s.dim(), s.ffnDim(), (float) (RESIDUAL_MULTIPLIER / Math.sqrt(s.ffnDim())));
        }
        g.norm(w, "output_norm.weight", s.dim());
        if (!s.tied()) g.matrix(w, "output.weight", s.vocabSize(), s.dim(), EMBEDDING_STD);
        w.write(out);
    }

    /** Draws each tensor from its own stream, seeded by (seed, crc32(name)), so tensors are independent of order. */
    private record Generator(long seed, GGMLType type) {
        void matrix(GGUFWriter w, String name, int rows, int cols, float std) {
            GGMLType t = storageType(cols);
            SplittableRandom r = random(name);
            float[] row = new float[cols];
            byte[] data = new byte[Math.toIntExact(rows * t.rowBytes(cols))];
            int rowBytes = (int) t.rowBytes(cols);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) row[j] = (float) (r.nextGaussian() * std);
                System.arraycopy(Quantize.quantize(t, row), 0, data, i * rowBytes, rowBytes);
            }
            w.addTensor(name, t, new long[]{cols, rows}, data);
        }

        void vector(GGUFWriter w, String name, int n, float std) {
            SplittableRandom r = random(name);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * std);
            w.addTensor(name, GGMLType.F32, new long[]{n}, Quantize.quantize(GGMLType.F32, v));
        }

        void norm(GGUFWriter w, String name, int n) {
            SplittableRandom r = random(name);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float) (1 + 0.1 * r.nextGaussian());
            w.addTensor(name, GGMLType.F32, new long[]{n}, Quantize.quantize(GGMLType.F32, v));
        }

        private GGMLType storageType(int cols) {
            if (cols % type.blockSize == 0 && Quantize.canQuantize(type)) return type;
            return cols % GGMLType.Q8_0.blockSize == 0 ? GGMLType.Q8_0 : GGMLType.F16;
        }

        private SplittableRandom random(String name) {
            CRC32 crc = new CRC32();
            crc.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ crc.getValue());
        }
    }
}
