package dev.edgewise.engine.synthetic;

import dev.edgewise.engine.Architecture;
import dev.edgewise.loader.GGUFWriter;
import dev.edgewise.loader.Progress;
import dev.edgewise.quant.GGMLType;
import dev.edgewise.quant.QuantPreset;
import dev.edgewise.quant.Quantize;
import dev.edgewise.quant.ScratchFile;
import dev.edgewise.quant.TensorConversion;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * Writes seeded random models (Qwen2 or Qwen3 layout, see {@link SyntheticShape}) with Edgewise's own GGUF writer. No weights can be bundled,
 * so these stand in wherever a model file is needed without one: the default of {@code run}, the
 * demo, and benchmarks of real shapes. Their output is meaningless text, and the files say so in
 * {@code general.name} and {@code general.description}.
 *
 * <p>Weight scales follow the conformance fixtures so greedy output does not collapse onto one
 * token: embeddings std 0.25, attention-output and down projections std 12/√fan_in, other matrices
 * 1/√fan_in, biases std 0.1 (Qwen2), norm weights (Qwen3's q/k norms too) 1 + 0.1·N(0,1).
 *
 * <p>Each tensor gets the type llama-quantize would give it under the chosen {@link QuantPreset}.
 * Quantized matrices go to a memory-mapped scratch file beside the output, not the heap, and are
 * streamed from there into the file, so the heap holds only a batch of float rows at a time: the
 * real Qwen2.5 shapes, 7B included, write with a small heap, needing about the output's size in
 * free disk twice over (scratch plus output) until the write completes.
 */
public final class SyntheticModels {
    private static final float RESIDUAL_MULTIPLIER = 12f;
    /** Keeps the logit spread near 4 at width 256, so sampling wanders instead of locking onto one token. */
    private static final float EMBEDDING_STD = 0.25f;
    /** 4: per-tensor types follow llama-quantize's presets; general.file_type is set. */
    private static final int FORMAT_VERSION = 4;
    /** Floats generated per batch before quantizing them in parallel (16 MB). */
    private static final int BATCH_FLOATS = 1 << 22;

    private SyntheticModels() {}

    /** Shape, preset and seed of the embedded default model. */
    public static final SyntheticShape DEFAULT_SHAPE = SyntheticShape.DEFAULT;
    public static final QuantPreset DEFAULT_PRESET = QuantPreset.Q8_0;
    public static final long DEFAULT_SEED = 42;

    /** The embedded default model, written once into the user's cache directory. */
    public static Path defaultModel() throws IOException {
        return cached(DEFAULT_SHAPE, DEFAULT_PRESET, DEFAULT_SEED);
    }

    /** A cached synthetic model of the given shape, type and seed, written on first use; see {@link #write(SyntheticShape, GGMLType, long, Path)}. */
    public static Path cached(SyntheticShape shape, GGMLType type, long seed) throws IOException {
        return cached(shape, presetFor(type), seed);
    }

    /** A cached synthetic model of the given shape, preset and seed, written on first use. */
    public static Path cached(SyntheticShape shape, QuantPreset preset, long seed) throws IOException {
        return cached(shape, preset, seed, Progress.NONE);
    }

    /** {@link #cached(SyntheticShape, QuantPreset, long)}, reporting the writing of a new file to {@code progress}. */
    public static Path cached(SyntheticShape shape, QuantPreset preset, long seed, Progress progress) throws IOException {
        Path dir = cacheDirectory();
        Files.createDirectories(dir);
        Path file = dir.resolve(String.format(Locale.ROOT, "synthetic-%s-%s-seed%d-v%d.gguf",
                shape.name(), preset.name().toLowerCase(Locale.ROOT), seed, FORMAT_VERSION));
        if (!Files.exists(file)) write(shape, preset, seed, file, progress);
        return file;
    }

    /**
     * The preset named like {@code type} (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q6_K).
     *
     * @throws IllegalArgumentException for types no preset is named after (use a {@link QuantPreset})
     */
    static QuantPreset presetFor(GGMLType type) {
        for (QuantPreset p : QuantPreset.values()) {
            if (p.name().equals(type.name())) return p;
        }
        throw new IllegalArgumentException("no quantization preset is named " + type + " (known: "
                + QuantPreset.knownNames() + ")");
    }

    static Path cacheDirectory() {
        String configured = System.getProperty("edgewise.cache", System.getenv("EDGEWISE_CACHE"));
        if (configured != null && !configured.isBlank()) return Path.of(configured);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("edgewise");
    }

    /**
     * Writes a model with the preset named like {@code type} (see {@link #presetFor}): matrices are
     * {@code type} where llama-quantize would keep them so, the tied output/embedding Q6_K or Q8_0
     * for the quantized presets, fallbacks where rows are not whole blocks; norms and biases F32.
     */
    public static void write(SyntheticShape s, GGMLType type, long seed, Path out) throws IOException {
        write(s, presetFor(type), seed, out);
    }

    /** Writes a model whose tensors have the types llama-quantize gives them under {@code preset}. */
    public static void write(SyntheticShape s, QuantPreset preset, long seed, Path out) throws IOException {
        write(s, preset, seed, out, Progress.NONE);
    }

    /** {@link #write(SyntheticShape, QuantPreset, long, Path)}, reporting the weights drawn so far to {@code progress}. */
    public static void write(SyntheticShape s, QuantPreset preset, long seed, Path out, Progress progress) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        try (ScratchFile scratch = ScratchFile.create(dir)) {
            write(s, preset, seed, out, scratch, progress);
        }
    }

    private static void write(SyntheticShape s, QuantPreset preset, long seed, Path out, ScratchFile scratch, Progress progress) throws IOException {
        GGUFWriter w = new GGUFWriter();
        Architecture a = s.architecture();
        w.putString("general.architecture", a.key());
        w.putString("general.type", "model");
        w.putString("general.name", "synthetic " + s.name() + " (random weights)");
        w.putString("general.description", "Seeded random weights written by Edgewise; output is meaningless.");
        w.putUInt32("general.quantization_version", 2);
        w.putUInt32(a.metadataKey("context_length"), 32768);
        w.putUInt32(a.metadataKey("embedding_length"), s.dim());
        w.putUInt32(a.metadataKey("block_count"), s.nLayers());
        w.putUInt32(a.metadataKey("feed_forward_length"), s.ffnDim());
        w.putUInt32(a.metadataKey("attention.head_count"), s.nHeads());
        w.putUInt32(a.metadataKey("attention.head_count_kv"), s.nKvHeads());
        if (a == Architecture.QWEN3) { // convert_hf_to_gguf writes config.json's head_dim for Qwen3
            w.putUInt32(a.metadataKey("attention.key_length"), s.headDim());
            w.putUInt32(a.metadataKey("attention.value_length"), s.headDim());
        }
        w.putFloat32(a.metadataKey("rope.freq_base"), 1_000_000f);
        w.putFloat32(a.metadataKey("attention.layer_norm_rms_epsilon"), 1e-6f);
        w.putUInt32("general.file_type", preset.fileType);
        w.putUInt32("synthetic.seed", (int) seed);
        SyntheticVocabulary.addTo(w, s.vocabSize());

        long weights = (long) s.vocabSize() * s.dim() * (s.tied() ? 1 : 2)
                + (long) s.nLayers() * (2L * s.dim() * s.dim() + 2L * s.kvDim() * s.dim() + 3L * s.ffnDim() * s.dim());
        Generator g = new Generator(seed, preset, s.nLayers(), s.tied(), scratch,
                new long[1], drawn -> progress.update("writing synthetic " + s.name() + " " + preset.name(), drawn, weights));
        g.matrix(w, "token_embd.weight", s.vocabSize(), s.dim(), EMBEDDING_STD);
        for (int l = 0; l < s.nLayers(); l++) {
            String b = "blk." + l + ".";
            float in = (float) (1 / Math.sqrt(s.dim()));
            g.norm(w, b + "attn_norm.weight", s.dim());
            g.matrix(w, b + "attn_q.weight", s.qDim(), s.dim(), in);
            if (a.qkvBias()) g.vector(w, b + "attn_q.bias", s.qDim(), 0.1f);
            g.matrix(w, b + "attn_k.weight", s.kvDim(), s.dim(), in);
            if (a.qkvBias()) g.vector(w, b + "attn_k.bias", s.kvDim(), 0.1f);
            g.matrix(w, b + "attn_v.weight", s.kvDim(), s.dim(), in);
            if (a.qkvBias()) g.vector(w, b + "attn_v.bias", s.kvDim(), 0.1f);
            if (a.qkNorm()) {
                g.norm(w, b + "attn_q_norm.weight", s.headDim());
                g.norm(w, b + "attn_k_norm.weight", s.headDim());
            }
            g.matrix(w, b + "attn_output.weight", s.dim(), s.qDim(), RESIDUAL_MULTIPLIER * (float) (1 / Math.sqrt(s.qDim())));
            g.norm(w, b + "ffn_norm.weight", s.dim());
            g.matrix(w, b + "ffn_gate.weight", s.ffnDim(), s.dim(), in);
            g.matrix(w, b + "ffn_up.weight", s.ffnDim(), s.dim(), in);
            g.matrix(w, b + "ffn_down.weight", s.dim(), s.ffnDim(), (float) (RESIDUAL_MULTIPLIER / Math.sqrt(s.ffnDim())));
        }
        g.norm(w, "output_norm.weight", s.dim());
        if (!s.tied()) g.matrix(w, "output.weight", s.vocabSize(), s.dim(), EMBEDDING_STD);
        progress.update("writing " + out.getFileName(), 0, 0);
        w.write(out);
    }

    /** Draws each tensor from its own stream, seeded by (seed, crc32(name)), so tensors are independent of order. */
    private record Generator(long seed, QuantPreset preset, int nLayers, boolean tied, ScratchFile scratch,
                             long[] drawn, java.util.function.LongConsumer report) {
        /** Rows drawn in order from the tensor's stream, a batch at a time, quantized in parallel into scratch space. */
        void matrix(GGUFWriter w, String name, int rows, int cols, float std) {
            long[] ne = {cols, rows};
            GGMLType t = preset.typeFor(name, ne, nLayers, tied);
            SplittableRandom r = random(name);
            long rowBytes = t.rowBytes(cols);
            MemorySegment data = scratch.allocate(rowBytes * rows);
            int batchRows = Math.max(1, Math.min(rows, BATCH_FLOATS / cols));
            float[] batch = new float[batchRows * cols];
            int threads = Runtime.getRuntime().availableProcessors();
            for (int first = 0; first < rows; first += batchRows) {
                int n = Math.min(batchRows, rows - first);
                for (int k = 0; k < n * cols; k++) batch[k] = (float) (r.nextGaussian() * std);
                TensorConversion.quantizeRows(t, batch, n, cols, data, first * rowBytes, threads);
                drawn[0] += (long) n * cols;
                report.accept(drawn[0]);
            }
            w.addTensor(name, t, ne, data);
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

        private SplittableRandom random(String name) {
            CRC32 crc = new CRC32();
            crc.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ crc.getValue());
        }
    }
}
