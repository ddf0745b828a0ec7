package dev.edgewise.engine.heads.train;

/**
 * The switcher's loss: weighted binary cross-entropy of the MLP
 * {@code z = b2 + sum_j w2[j] relu(b1[j] + sum_i W1[j][i] x[i])} plus {@code l2/2 (|W1|^2 + |w2|^2)}.
 * Parameters, flat: {@code W1} ({@code hidden x dim}, row-major), {@code b1} ({@code hidden}),
 * {@code w2} ({@code hidden}), {@code b2} — the heads file's layout.
 */
final class MlpObjective implements Objective {
    private final Examples data;
    private final int dim, hidden;
    private final double l2;

    MlpObjective(Examples data, int dim, int hidden, double l2) {
        this.data = data;
        this.dim = dim;
        this.hidden = hidden;
        this.l2 = l2;
    }

    static int size(int dim, int hidden) { return hidden * dim + 2 * hidden + 1; }

    @Override
    public int size() { return size(dim, hidden); }

    int b1() { return hidden * dim; }
    int w2() { return hidden * dim + hidden; }
    int b2() { return hidden * dim + 2 * hidden; }

    /** The logit for one standardised input; {@code act} receives the pre-activations (length hidden). */
    double logit(double[] p, double[] x, double[] act) {
        double z = p[b2()];
        for (int j = 0; j < hidden; j++) {
            double a = p[b1() + j];
            int row = j * dim;
            for (int i = 0; i < dim; i++) a += p[row + i] * x[i];
            act[j] = a;
            if (a > 0) z += p[w2() + j] * a;
        }
        return z;
    }

    @Override
    public double loss(double[] p, double[] grad) {
        if (grad != null) java.util.Arrays.fill(grad, 0);
        double[] act = new double[hidden];
        double loss = 0;
        for (int k = 0; k < data.size(); k++) {
            double[] x = data.x()[k];
            double z = logit(p, x, act), y = data.y()[k], c = data.weight()[k];
            loss += c * Examples.bce(z, y);
            if (grad == null) continue;
            double dz = c * (Examples.sigmoid(z) - y);
            grad[b2()] += dz;
            for (int j = 0; j < hidden; j++) {
                if (act[j] <= 0) continue; // ReLU: no gradient through an inactive unit
                grad[w2() + j] += dz * act[j];
                double da = dz * p[w2() + j];
                grad[b1() + j] += da;
                int row = j * dim;
                for (int i = 0; i < dim; i++) grad[row + i] += da * x[i];
            }
        }
        double reg = 0;
        for (int i = 0; i < hidden * dim; i++) {
            reg += p[i] * p[i];
            if (grad != null) grad[i] += l2 * p[i];
        }
        for (int j = 0; j < hidden; j++) {
            reg += p[w2() + j] * p[w2() + j];
            if (grad != null) grad[w2() + j] += l2 * p[w2() + j];
        }
        return loss + 0.5 * l2 * reg;
    }
}
