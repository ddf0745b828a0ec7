package dev.edgewise.engine.heads.train;

/**
 * Per-feature standardisation {@code (x - mean) / std} fitted on the training rows. Hidden states
 * of different layers differ in scale by orders of magnitude; training on standardised inputs
 * makes one learning rate fit them all, and the affine map is folded into the head's first layer
 * afterwards ({@link #foldWeights}, {@link #foldBias}), so the written head reads raw hidden states.
 */
final class Standardizer {
    final double[] mean, scale;

    private Standardizer(double[] mean, double[] scale) {
        this.mean = mean;
        this.scale = scale;
    }

    static Standardizer fit(float[][] features, int[] rows, int dim) {
        double[] mean = new double[dim], var = new double[dim];
        for (int r : rows) for (int i = 0; i < dim; i++) mean[i] += features[r][i];
        for (int i = 0; i < dim; i++) mean[i] /= rows.length;
        for (int r : rows) for (int i = 0; i < dim; i++) {
            double d = features[r][i] - mean[i];
            var[i] += d * d;
        }
        double[] scale = new double[dim];
        for (int i = 0; i < dim; i++) {
            double sd = Math.sqrt(var[i] / rows.length);
            scale[i] = sd > 1e-12 ? 1 / sd : 1; // a constant feature stays as it is (its weight sees only 0)
        }
        return new Standardizer(mean, scale);
    }

    double[] apply(float[] v) {
        double[] out = new double[mean.length];
        for (int i = 0; i < out.length; i++) out[i] = (v[i] - mean[i]) * scale[i];
        return out;
    }

    /** Weights on raw inputs equal to {@code w} (one row of {@code dim}, at {@code offset}) on standardised ones. */
    float[] foldWeights(double[] w, int offset) {
        float[] out = new float[mean.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (w[offset + i] * scale[i]);
        return out;
    }

    /** The bias on raw inputs: {@code b - sum_i w_i * scale_i * mean_i}. */
    double foldBias(double b, double[] w, int offset) {
        double s = b;
        for (int i = 0; i < mean.length; i++) s -= w[offset + i] * scale[i] * mean[i];
        return s;
    }
}
