package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvType;
import dev.edgewise.engine.kv.PagedKvCache;

/**
 * How a model is run.
 *
 * @param threads       worker threads for the kernels (default: available processors)
 * @param contextSize   maximum positions per sequence (0 = the model's trained context)
 * @param batchSize     rows evaluated per forward pass (prompt chunks, and the most branches per step)
 * @param kvType        element type of the KV cache: F16 (default), F32, or Q8_0 (half of F16's memory;
 *                      needs a head dimension that is a multiple of 32, else loading fails)
 * @param kvBlockSize   positions per KV block
 * @param kvBudgetBytes bytes the KV block pool may use (0 = room for 8 full-context sequences,
 *                      capped at half the heap); storage is allocated as blocks are first used
 * @param int8Activations Q4_0 matmuls quantize their activations to 8 bits and run integer
 *                      products on weights repacked at load, as llama.cpp does (default, 2-3x
 *                      faster); false keeps float32 activations, exact to float rounding
 * @param maxSequences  most live sequences (branches and prompts being prefilled) the scheduler runs
 *                      at once; more requests wait for admission
 * @param maxWaiting    most requests waiting for admission; beyond it a request is refused with
 *                      {@link SchedulerFullException}
 * @param prefillChunk  most prompt tokens evaluated per scheduler step, so long prompts are prefilled
 *                      in chunks between decode steps of running sequences
 * @param prefixCache   reuse the KV blocks of earlier prompts that share a prefix (vLLM's automatic
 *                      prefix caching); cached blocks are evicted least-recently-used
 */
public record ModelOptions(int threads, int contextSize, int batchSize, KvType kvType, int kvBlockSize, long kvBudgetBytes,
                           boolean int8Activations, int maxSequences, int maxWaiting, int prefillChunk, boolean prefixCache) {
    public static final int DEFAULT_MAX_SEQUENCES = 64;
    public static final int DEFAULT_MAX_WAITING = 256;
    public static final int DEFAULT_PREFILL_CHUNK = 1024;

    public ModelOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (contextSize < 0) throw new IllegalArgumentException("context size must be >= 0, got " + contextSize);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (kvBlockSize < 1) throw new IllegalArgumentException("KV block size must be >= 1, got " + kvBlockSize);
        if (kvBudgetBytes < 0) throw new IllegalArgumentException("KV budget must be >= 0, got " + kvBudgetBytes);
        if (kvType == null) kvType = KvType.F16;
        if (maxSequences < 1) throw new IllegalArgumentException("max sequences must be >= 1, got " + maxSequences);
        if (maxWaiting < 0) throw new IllegalArgumentException("max waiting requests must be >= 0, got " + maxWaiting);
        if (prefillChunk < 1) throw new IllegalArgumentException("prefill chunk must be >= 1, got " + prefillChunk);
    }

    /** Options with the default scheduler limits and prefix caching on. */
    public ModelOptions(int threads, int contextSize, int batchSize, KvType kvType, int kvBlockSize, long kvBudgetBytes,
                        boolean int8Activations) {
        this(threads, contextSize, batchSize, kvType, kvBlockSize, kvBudgetBytes, int8Activations, DEFAULT_MAX_SEQUENCES,
                DEFAULT_MAX_WAITING, DEFAULT_PREFILL_CHUNK, true);
    }

    /** Options with 8-bit activations for Q4_0 (the default). */
    public ModelOptions(int threads, int contextSize, int batchSize, KvType kvType, int kvBlockSize, long kvBudgetBytes) {
        this(threads, contextSize, batchSize, kvType, kvBlockSize, kvBudgetBytes, true);
    }

    public static ModelOptions defaults() {
        return new ModelOptions(Runtime.getRuntime().availableProcessors(), 4096, 64, KvType.F16, PagedKvCache.DEFAULT_BLOCK_SIZE, 0, true);
    }

    public ModelOptions withThreads(int t) { return new ModelOptions(t, contextSize, batchSize, kvType, kvBlockSize, kvBudgetBytes, int8Activations, maxSequences, maxWaiting, prefillChunk, prefixCache); }
    public ModelOptions withContextSize(int n) { return new ModelOptions(threads, n, batchSize, kvType, kvBlockSize, kvBudgetBytes, int8Activations, maxSequences, maxWaiting, prefillChunk, prefixCache); }
    public ModelOptions withBatchSize(int n) { return new ModelOptions(threads, contextSize, n, kvType, kvBlockSize, kvBudgetBytes, int8Activations, maxSequences, maxWaiting, prefillChunk, prefixCache); }
    public ModelOptions withKvType(KvType t) { return new ModelOptions(threads, contextSize, batchSize, t, kvBlockSize, kvBudgetBytes, int8Activations, maxSequences, maxWaiting, prefillChunk, prefixCache); }
    public ModelOptions withKvBlockSize(int n) { return new ModelOptions(threads, contextSize, batchSize, kvType, n, kvBudgetBytes, int8Activations, maxSequences, maxWaiting, prefillChunk, prefixCache); }
    public ModelOptions withInt8Activations(boolean on) { return new ModelOptions(threads, contextSize, batchSize, kvType, kvBlockSize, kvBudgetBytes, on, maxSequences, maxWaiting, prefillChunk, prefixCache); }
    public ModelOptions withKvBudgetBytes(long b) { return new ModelOptions(threads, contextSize, batchSize, kvType, kvBlockSize, b, int8Activations, maxSequences, maxWaiting, prefillChunk, prefixCache); }
    public ModelOptions withMaxSequences(int n) { return new ModelOptions(threads, contextSize, batchSize, kvType, kvBlockSize, kvBudgetBytes, int8Activations, n, maxWaiting, prefillChunk, prefixCache); }
    public ModelOptions withMaxWaiting(int n) { return new ModelOptions(threads, contextSize, batchSize, kvType, kvBlockSize, kvBudgetBytes, int8Activations, maxSequences, n, prefillChunk, prefixCache); }
    public ModelOptions withPrefillChunk(int n) { return new ModelOptions(threads, contextSize, batchSize, kvType, kvBlockSize, kvBudgetBytes, int8Activations, maxSequences, maxWaiting, n, prefixCache); }
    public ModelOptions withPrefixCache(boolean on) { return new ModelOptions(threads, contextSize, batchSize, kvType, kvBlockSize, kvBudgetBytes, int8Activations, maxSequences, maxWaiting, prefillChunk, on); }
}
