package dev.edgewise.engine;

import dev.edgewise.kernels.WeightMatrix;

/** The tensors of one Qwen2 decoder block. Norm weights and biases are small and kept as float[]. */
public record LayerWeights(
        float[] attnNorm,
        WeightMatrix wq, float[] bq,
        WeightMatrix wk, float[] bk,
        WeightMatrix wv, float[] bv,
        WeightMatrix wo,
        float[] ffnNorm,
        WeightMatrix gate,
        WeightMatrix up,
        WeightMatrix down) {
}
