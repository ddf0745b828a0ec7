package dev.edgewise.engine.heads.train;

/**
 * The verifier's loss: weighted logistic loss of {@code z = b + sum_i w[i] x[i]} plus {@code l2/2 |w|^2}.
 * Parameters, flat: {@code w} ({@code dim}), then {@code b}.
 */
final class LogisticObjective implements Objective {
    private final Examples data;
    private final int dim;
    private final double l2;

    LogisticObjective(Examples data, int dim, double l2) {
        this.data = data;
        this.dim = dim;
        this.l2 = l2;
    }

    @Override
    public int size() { return dim + 1; }

    static double logit(double[] p, double[] x) {
        int dim = p.length - 1;
        double z = p[dim];
        for (int i = 0; i < dim; i++) z += p[i] * x[i];
        return z;
    }

    @Override
    public double loss(double[] p, double[] grad) {
        if (grad != null) java.util.Arrays.fill(grad, 0);
        double loss = 0;
        for (int k = 0; k < data.size(); k++) {
            double[] x = data.x()[k];
            double z = logit(p, x), y = data.y()[k], c = data.weight()[k];
            loss += c * Examples.bce(z, y);
            if (grad == null) continue;
            double dz = c * (Examples.sigmoid(z) - y);
            grad[dim] += dz;
            for (int i = 0; i < dim; i++) grad[i] += dz * x[i];
        }
        double reg = 0;
        for (int i = 0; i < dim; i++) {
            reg += p[i] * p[i];
            if (grad != null) grad[i] += l2 * p[i];
        }
        return loss + 0.5 * l2 * reg;
    }
}
