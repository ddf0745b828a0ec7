package dev.edgewise.engine.heads.train;

/**
 * The Adam optimiser (Kingma and Ba, 2015) with bias correction, on a flat parameter vector:
 * {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g^2},
 * {@code p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)}. Plain double arithmetic in index
 * order, so a run is reproducible bit for bit.
 */
final class Adam {
    static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;
    private final double lr;
    private final double[] m, v;
    private int t;

    Adam(int size, double lr) {
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate " + lr + " must be > 0");
        this.lr = lr;
        this.m = new double[size];
        this.v = new double[size];
    }

    /** One update of {@code params} along {@code grad}. */
    void step(double[] params, double[] grad) {
        t++;
        double c1 = 1 - Math.pow(BETA1, t), c2 = 1 - Math.pow(BETA2, t);
        for (int i = 0; i < params.length; i++) {
            m[i] = BETA1 * m[i] + (1 - BETA1) * grad[i];
            v[i] = BETA2 * v[i] + (1 - BETA2) * grad[i] * grad[i];
            params[i] -= lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + EPS);
        }
    }
}
