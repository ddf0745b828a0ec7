package dev.edgewise.engine;

import dev.edgewise.kernels.WeightMatrix;

/**
 * The tensors of one decoder block. Norm weights and biases are small and kept as float[]; the
 * optional ones are null where the {@link Architecture} has none: q/k/v biases (Qwen2 only) and the
 * per-head q/k norms (Qwen3 only).
 */
public record LayerWeights(
        float[] attnNorm,
        WeightMatrix wq, float[] bq,
        WeightMatrix wk, float[] bk,
        WeightMatrix wv, float[] bv,
        float[] qNorm, float[] kNorm,
        WeightMatrix wo,
        float[] ffnNorm,
        WeightMatrix gate,
        WeightMatrix up,
        WeightMatrix down) {

    /** A block with q/k/v biases and no q/k norms (the {@code qwen2} layout). */
    public LayerWeights(float[] attnNorm, WeightMatrix wq, float[] bq, WeightMatrix wk, float[] bk, WeightMatrix wv, float[] bv,
                        WeightMatrix wo, float[] ffnNorm, WeightMatrix gate, WeightMatrix up, WeightMatrix down) {
        this(attnNorm, wq, bq, wk, bk, wv, bv, null, null, wo, ffnNorm, gate, up, down);
    }

    /** The seven matrices, in {@link #withMatrices}' order. */
    public WeightMatrix[] matrices() {
        return new WeightMatrix[] {wq, wk, wv, wo, gate, up, down};
    }

    /** A copy with the seven matrices replaced (packed, fused ...) and every vector shared. */
    public LayerWeights withMatrices(WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                                     WeightMatrix gate, WeightMatrix up, WeightMatrix down) {
        return new LayerWeights(attnNorm, wq, bq, wk, bk, wv, bv, qNorm, kNorm, wo, ffnNorm, gate, up, down);
    }
}
