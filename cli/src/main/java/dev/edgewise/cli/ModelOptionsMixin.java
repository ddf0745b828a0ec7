package dev.edgewise.cli;

import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.kv.KvType;
import dev.edgewise.engine.synthetic.SyntheticModels;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/** Options shared by every command that loads a model. */
final class ModelOptionsMixin {
    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "GGUF model file (default: the embedded synthetic model, random weights)")
    Path model;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "worker threads (default: all cores)")
    Integer threads;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", defaultValue = "4096",
            description = "maximum positions per sequence, 0 = the model's trained context (default: ${DEFAULT-VALUE})")
    int contextSize;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N", defaultValue = "64",
            description = "prompt tokens evaluated per pass (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--kv-type", paramLabel = "TYPE", description = "KV cache element type: f16, f32 or q8_0 (ggml's 8-bit blocks along the head dimension, "
            + "53%% of f16's memory; head dimensions that are multiples of 32) (default: f16; logits: f32)")
    String kvType;

    @Option(names = "--kv-block-size", paramLabel = "N", defaultValue = "16", description = "positions per KV block (default: ${DEFAULT-VALUE})")
    int kvBlockSize;

    @Option(names = "--kv-budget", paramLabel = "MB", defaultValue = "0",
            description = "memory for KV blocks in MB (default 0: 8 full contexts, at most half the heap)")
    long kvBudgetMb;

    @Option(names = "--exact-activations",
            description = "keep quantized matmuls (Q4_0, Q8_0, Q5_0, K-quants) on float32 activations (exact to float "
                    + "rounding, 1.5-3x slower) instead of llama.cpp's 8-bit integer products")
    boolean exactActivations;

    @Option(names = "--prefill-chunk", paramLabel = "N", defaultValue = "" + ModelOptions.DEFAULT_PREFILL_CHUNK,
            description = "most prompt tokens evaluated per scheduler step beside the running sequences' decode rows: smaller keeps "
                    + "inter-token latency low while prompts arrive, larger prefills waiting prompts sooner (default: ${DEFAULT-VALUE})")
    int prefillChunk;

    @Option(names = {"-q", "--quiet"}, description = "no progress display on the terminal")
    boolean quiet;

    ModelOptions options() {
        return options(KvType.F16);
    }

    ModelOptions options(KvType defaultKvType) {
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (t < 1) throw new UsageException("--threads must be at least 1, got " + t);
        if (contextSize < 0) throw new UsageException("--ctx-size must be >= 0, got " + contextSize);
        if (batchSize < 1) throw new UsageException("--batch-size must be at least 1, got " + batchSize);
        if (kvBlockSize < 1) throw new UsageException("--kv-block-size must be at least 1, got " + kvBlockSize);
        if (kvBudgetMb < 0) throw new UsageException("--kv-budget must be >= 0, got " + kvBudgetMb);
        if (prefillChunk < 1) throw new UsageException("--prefill-chunk must be at least 1, got " + prefillChunk);
        KvType type;
        try {
            type = kvType == null ? defaultKvType : KvType.parse(kvType);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--kv-type: " + e.getMessage());
        }
        return new ModelOptions(t, contextSize, batchSize, type, kvBlockSize, kvBudgetMb << 20, !exactActivations)
                .withPrefillChunk(prefillChunk);
    }

    /** The file to load: the given one, or the embedded synthetic model (written on first use). */
    Path modelPath(PrintWriter err) throws IOException {
        if (model != null) return model;
        Path p;
        try (ProgressBar progress = ProgressBar.start(err, quiet)) {
            p = SyntheticModels.cached(SyntheticModels.DEFAULT_SHAPE, SyntheticModels.DEFAULT_PRESET, SyntheticModels.DEFAULT_SEED, progress);
        }
        err.println("edgewise: no --model given: using the embedded synthetic model (random weights, output is gibberish): " + p);
        err.println("edgewise: for real text pass a Qwen2.5 GGUF, e.g. --model qwen2.5-0.5b-instruct-q4_0.gguf");
        return p;
    }

    Model load(PrintWriter err) throws IOException {
        return load(err, options());
    }

    Model load(PrintWriter err, ModelOptions options) throws IOException {
        return load(modelPath(err), options, err);
    }

    /** Loads {@code file}, with a progress display while it maps, reads and packs. */
    Model load(Path file, ModelOptions options, PrintWriter err) throws IOException {
        try (ProgressBar progress = ProgressBar.start(err, quiet)) {
            return Model.load(file, options, progress);
        }
    }
}
