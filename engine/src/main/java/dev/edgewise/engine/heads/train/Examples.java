package dev.edgewise.engine.heads.train;

/**
 * Labelled feature vectors as the objectives read them: standardised inputs (double), 0/1 targets and
 * per-example weights that sum to 1 (class weighting: each class carries half the total weight).
 */
record Examples(double[][] x, double[] y, double[] weight) {

    /** Rows {@code rows} of {@code features}, standardised by {@code s}, with balanced class weights. */
    static Examples of(float[][] features, boolean[] labels, int[] rows, Standardizer s) {
        int pos = 0;
        for (int r : rows) if (labels[r]) pos++;
        int neg = rows.length - pos;
        double[][] x = new double[rows.length][];
        double[] y = new double[rows.length], w = new double[rows.length];
        for (int k = 0; k < rows.length; k++) {
            int r = rows[k];
            x[k] = s.apply(features[r]);
            y[k] = labels[r] ? 1 : 0;
            // balanced: each present class gets half of the weight (all of it if only one is present)
            int classCount = labels[r] ? pos : neg;
            w[k] = (pos == 0 || neg == 0 ? 1.0 : 0.5) / classCount;
        }
        return new Examples(x, y, w);
    }

    int size() { return y.length; }

    int dim() { return x.length == 0 ? 0 : x[0].length; }

    /** Binary cross-entropy of a logit against a 0/1 target, {@code softplus(z) - y z}, without overflow. */
    static double bce(double z, double y) {
        return Math.max(z, 0) - y * z + Math.log1p(Math.exp(-Math.abs(z)));
    }

    static double sigmoid(double z) {
        if (z >= 0) return 1 / (1 + Math.exp(-z));
        double e = Math.exp(z);
        return e / (1 + e);
    }
}
