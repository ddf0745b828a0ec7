package dev.edgewise.engine.heads;

import java.util.Arrays;
import java.util.Objects;

/**
 * The verifier: a correctness score for a finished branch, {@code sigmoid(b + sum_i w[i] * h[i])} on the hidden
 * state at the branch's last token (after the verification prompt). Evaluated in double, i ascending, rounded
 * to float at the end. The weight array is copied on the way in and out.
 *
 * @param layer     which hidden state it reads: -1 = the final normed hidden state, {@code k >= 0} = the residual
 *                  stream after block k (see the package documentation)
 * @param w         weight, {@code [dim]} (PyTorch {@code nn.Linear(dim, 1).weight}, shape [1, dim])
 * @param b         bias
 * @param dim       input width: the model's embedding width
 * @param threshold score at or above which a branch counts as correct, in [0, 1]; NaN when the file sets none
 *                  (scores then only rank or weight branches)
 */
public record VerifierHead(int layer, float[] w, float b, int dim, float threshold) {

    public VerifierHead {
        Objects.requireNonNull(w, "w");
        if (layer < -1) throw new IllegalArgumentException("verifier layer " + layer + " < -1");
        if (dim < 1) throw new IllegalArgumentException("verifier dim " + dim + " < 1");
        if (w.length != dim) throw new IllegalArgumentException("verifier w has " + w.length + " values, expected dim = " + dim);
        if (!Float.isNaN(threshold) && !(threshold >= 0f && threshold <= 1f)) {
            throw new IllegalArgumentException("verifier threshold " + threshold + " is not in [0, 1]");
        }
        SwitcherHead.requireFinite("verifier w", w);
        if (!Float.isFinite(b)) throw new IllegalArgumentException("verifier b is " + b);
        w = w.clone();
    }

    @Override public float[] w() { return w.clone(); }

    /** Whether the head carries a threshold (see {@link #passes}). */
    public boolean hasThreshold() {
        return !Float.isNaN(threshold);
    }

    /** The linear output before the sigmoid, for {@code hidden[offset .. offset + dim)}. */
    public float logit(float[] hidden, int offset) {
        return (float) logitDouble(hidden, offset);
    }

    private double logitDouble(float[] hidden, int offset) {
        Objects.checkFromIndexSize(offset, dim, hidden.length);
        double z = b;
        for (int i = 0; i < dim; i++) z += (double) w[i] * hidden[offset + i];
        return z;
    }

    /** Correctness score in [0, 1]: {@code sigmoid(logit)} of {@code hidden[offset .. offset + dim)}. */
    public float score(float[] hidden, int offset) {
        return (float) Sigmoid.of(logitDouble(hidden, offset));
    }

    /**
     * Whether {@code score(hidden, offset) >= threshold}.
     *
     * @throws IllegalStateException if the head has no threshold
     */
    public boolean passes(float[] hidden, int offset) {
        if (!hasThreshold()) throw new IllegalStateException("this verifier head has no threshold");
        return score(hidden, offset) >= threshold;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerifierHead v && layer == v.layer && Arrays.equals(w, v.w) && Float.compare(b, v.b) == 0
                && dim == v.dim && Float.compare(threshold, v.threshold) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(layer, Arrays.hashCode(w), b, dim, threshold);
    }

    @Override
    public String toString() {
        return "VerifierHead[layer=" + layer + ", dim=" + dim + ", threshold=" + threshold + "]";
    }
}
