package dev.edgewise.spark;

import dev.edgewise.engine.ModelOptions;

import java.io.Serializable;

/**
 * Which model an executor loads, and how: the key of {@link ExecutorModels}. Plain values, shipped
 * to executors with the task.
 *
 * @param path            model file: a path every executor sees, or the name of a shipped file
 * @param threads         kernel worker threads (0 = the executor's available processors)
 * @param contextSize     positions per sequence
 * @param batchSize       rows per forward pass (rows of a partition decoded together, times branches)
 * @param int8Activations Q4_0 on the integer kernel (the engine's default)
 */
record ModelSpec(String path, int threads, int contextSize, int batchSize, boolean int8Activations) implements Serializable {

    ModelSpec {
        if (path == null || path.isBlank()) throw new IllegalArgumentException("modelPath is not set");
    }

    ModelOptions options() {
        ModelOptions o = ModelOptions.defaults().withContextSize(contextSize).withBatchSize(batchSize).withInt8Activations(int8Activations);
        return threads > 0 ? o.withThreads(threads) : o;
    }
}
