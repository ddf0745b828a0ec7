package dev.edgewise.engine;

/**
 * How a model is run.
 *
 * @param threads     worker threads for the kernels (default: available processors)
 * @param contextSize maximum positions per sequence (0 = the model's trained context)
 * @param batchSize   tokens evaluated together during prompt processing
 */
public record ModelOptions(int threads, int contextSize, int batchSize) {
    public ModelOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (contextSize < 0) throw new IllegalArgumentException("context size must be >= 0, got " + contextSize);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }

    public static ModelOptions defaults() {
        return new ModelOptions(Runtime.getRuntime().availableProcessors(), 4096, 64);
    }

    public ModelOptions withThreads(int t) { return new ModelOptions(t, contextSize, batchSize); }
    public ModelOptions withContextSize(int n) { return new ModelOptions(threads, n, batchSize); }
    public ModelOptions withBatchSize(int n) { return new ModelOptions(threads, contextSize, n); }
}
