package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvType;
import dev.edgewise.engine.kv.PagedKvCache;

/**
 * How a model is run.
 *
 * @param threads       worker threads for the kernels (default: available processors)
 * @param contextSize   maximum positions per sequence (0 = the model's trained context)
 * @param batchSize     rows evaluated per forward pass (prompt chunks, and the most branches per step)
 * @param kvType        element type of the KV cache
 * @param kvBlockSize   positions per KV block
 * @param kvBudgetBytes bytes the KV block pool may use (0 = room for 8 full-context sequences,
 *                      capped at half the heap); storage is allocated as blocks are first used
 */
public record ModelOptions(int threads, int contextSize, int batchSize, KvType kvType, int kvBlockSize, long kvBudgetBytes) {
    public ModelOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (contextSize < 0) throw new IllegalArgumentException("context size must be >= 0, got " + contextSize);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (kvBlockSize < 1) throw new IllegalArgumentException("KV block size must be >= 1, got " + kvBlockSize);
        if (kvBudgetBytes < 0) throw new IllegalArgumentException("KV budget must be >= 0, got " + kvBudgetBytes);
        if (kvType == null) kvType = KvType.F16;
    }

    public static ModelOptions defaults() {
        return new ModelOptions(Runtime.getRuntime().availableProcessors(), 4096, 64, KvType.F16, PagedKvCache.DEFAULT_BLOCK_SIZE, 0);
    }

    public ModelOptions withThreads(int t) { return new ModelOptions(t, contextSize, batchSize, kvType, kvBlockSize, kvBudgetBytes); }
    public ModelOptions withContextSize(int n) { return new ModelOptions(threads, n, batchSize, kvType, kvBlockSize, kvBudgetBytes); }
    public ModelOptions withBatchSize(int n) { return new ModelOptions(threads, contextSize, n, kvType, kvBlockSize, kvBudgetBytes); }
    public ModelOptions withKvType(KvType t) { return new ModelOptions(threads, contextSize, batchSize, t, kvBlockSize, kvBudgetBytes); }
    public ModelOptions withKvBlockSize(int n) { return new ModelOptions(threads, contextSize, batchSize, kvType, n, kvBudgetBytes); }
    public ModelOptions withKvBudgetBytes(long b) { return new ModelOptions(threads, contextSize, batchSize, kvType, kvBlockSize, b); }
}
