package dev.edgewise.engine.heads;

import java.util.Arrays;
import java.util.Objects;

/**
 * The switcher: decides from the pooled prompt hidden states whether to answer with reasoning (LoRA adapter
 * on) or directly. A two-layer MLP: {@code logit = b2 + sum_j w2[j] * relu(b1[j] + sum_i w1[j][i] * x[i])},
 * {@code probability = sigmoid(logit)}, reason when {@code probability >= threshold}.
 *
 * <p>Evaluated in double in a fixed order (i ascending inside each hidden unit, then j ascending), rounded to
 * float at the end; at hidden width 8 this costs about {@code 8 * dim} multiply-adds once per prompt, so it
 * stays scalar. The arrays are copied on the way in and out.
 *
 * @param layer     which hidden states feed it: -1 = the final normed hidden state (the LM head's input),
 *                  {@code k >= 0} = the residual stream after block k (see the package documentation)
 * @param pooling   how the prompt's hidden states are pooled
 * @param chunk     EMA chunk size in tokens (at least 1)
 * @param alpha     EMA weight of the newest chunk, in (0, 1]
 * @param threshold probability at or above which the prompt gets reasoning, in [0, 1]
 * @param w1        fc1 weight, {@code [hidden][dim]} row-major (PyTorch {@code nn.Linear(dim, hidden).weight})
 * @param b1        fc1 bias, {@code [hidden]}
 * @param w2        fc2 weight, {@code [hidden]} (PyTorch {@code nn.Linear(hidden, 1).weight}, shape [1, hidden])
 * @param b2        fc2 bias
 * @param dim       input width: the model's embedding width
 * @param hidden    hidden width (8 in the paper)
 */
public record SwitcherHead(int layer, Pooling pooling, int chunk, float alpha, float threshold, float[] w1, float[] b1,
                           float[] w2, float b2, int dim, int hidden) {

    public SwitcherHead {
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(w1, "w1");
        Objects.requireNonNull(b1, "b1");
        Objects.requireNonNull(w2, "w2");
        if (layer < -1) throw new IllegalArgumentException("switcher layer " + layer + " < -1");
        if (dim < 1 || hidden < 1) throw new IllegalArgumentException("switcher dim " + dim + " and hidden " + hidden + " must be >= 1");
        if (chunk < 1) throw new IllegalArgumentException("switcher chunk " + chunk + " < 1");
        if (!(alpha > 0f && alpha <= 1f)) throw new IllegalArgumentException("switcher alpha " + alpha + " is not in (0, 1]");
        if (!(threshold >= 0f && threshold <= 1f)) throw new IllegalArgumentException("switcher threshold " + threshold + " is not in [0, 1]");
        if (w1.length != (long) hidden * dim) {
            throw new IllegalArgumentException("switcher w1 has " + w1.length + " values, expected hidden * dim = " + hidden + " * " + dim);
        }
        if (b1.length != hidden) throw new IllegalArgumentException("switcher b1 has " + b1.length + " values, expected " + hidden);
        if (w2.length != hidden) throw new IllegalArgumentException("switcher w2 has " + w2.length + " values, expected " + hidden);
        requireFinite("switcher w1", w1);
        requireFinite("switcher b1", b1);
        requireFinite("switcher w2", w2);
        if (!Float.isFinite(b2)) throw new IllegalArgumentException("switcher b2 is " + b2);
        w1 = w1.clone();
        b1 = b1.clone();
        w2 = w2.clone();
    }

    static void requireFinite(String what, float[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) throw new IllegalArgumentException(what + "[" + i + "] is " + v[i]);
        }
    }

    @Override public float[] w1() { return w1.clone(); }
    @Override public float[] b1() { return b1.clone(); }
    @Override public float[] w2() { return w2.clone(); }

    /** The MLP's output before the sigmoid. */
    public float logit(float[] pooled) {
        return (float) logitDouble(pooled);
    }

    private double logitDouble(float[] pooled) {
        if (pooled.length != dim) throw new IllegalArgumentException("pooled vector has length " + pooled.length + ", expected " + dim);
        double out = b2;
        for (int j = 0; j < hidden; j++) {
            double h = b1[j];
            int row = j * dim;
            for (int i = 0; i < dim; i++) h += (double) w1[row + i] * pooled[i];
            if (h > 0) out += (double) w2[j] * h; // ReLU
        }
        return out;
    }

    /** Probability that the prompt needs reasoning: {@code sigmoid(logit)}. */
    public float probability(float[] pooled) {
        return (float) Sigmoid.of(logitDouble(pooled));
    }

    /** Whether to answer with reasoning: {@code probability(pooled) >= threshold}. */
    public boolean reason(float[] pooled) {
        return probability(pooled) >= threshold;
    }

    /** A pooler configured as this head expects. */
    public HiddenStatePooler newPooler() {
        return new HiddenStatePooler(pooling, dim, chunk, alpha);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SwitcherHead s && layer == s.layer && pooling == s.pooling && chunk == s.chunk
                && Float.compare(alpha, s.alpha) == 0 && Float.compare(threshold, s.threshold) == 0
                && Arrays.equals(w1, s.w1) && Arrays.equals(b1, s.b1) && Arrays.equals(w2, s.w2)
                && Float.compare(b2, s.b2) == 0 && dim == s.dim && hidden == s.hidden;
    }

    @Override
    public int hashCode() {
        return Objects.hash(layer, pooling, chunk, alpha, threshold, Arrays.hashCode(w1), Arrays.hashCode(b1),
                Arrays.hashCode(w2), b2, dim, hidden);
    }

    @Override
    public String toString() {
        return "SwitcherHead[layer=" + layer + ", pooling=" + pooling.key() + ", chunk=" + chunk + ", alpha=" + alpha
                + ", threshold=" + threshold + ", dim=" + dim + ", hidden=" + hidden + "]";
    }
}
