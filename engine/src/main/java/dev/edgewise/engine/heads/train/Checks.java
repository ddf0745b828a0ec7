package dev.edgewise.engine.heads.train;

/** Input checks shared by the trainers, with messages that say what is wrong with the data. */
final class Checks {
    private Checks() {}

    static int dim(float[][] features, boolean[] labels, Split split) {
        if (features.length != labels.length) {
            throw new IllegalArgumentException(features.length + " feature vectors but " + labels.length + " labels");
        }
        if (features.length == 0) throw new IllegalArgumentException("no examples");
        int dim = features[0].length;
        for (int i = 0; i < features.length; i++) {
            if (features[i].length != dim) throw new IllegalArgumentException("example " + i + " has width " + features[i].length + ", expected " + dim);
            for (float v : features[i]) if (!Float.isFinite(v)) throw new IllegalArgumentException("example " + i + " has a non-finite feature");
        }
        boolean pos = false, neg = false;
        for (int r : split.train()) {
            if (labels[r]) pos = true;
            else neg = true;
        }
        if (!pos || !neg) {
            throw new IllegalArgumentException("the training split holds only " + (pos ? "positive" : "negative")
                    + " examples: a head needs both labels (more data, or another --seed/--holdout)");
        }
        return dim;
    }

    static boolean[] labels(boolean[] labels, int[] rows) {
        boolean[] out = new boolean[rows.length];
        for (int k = 0; k < rows.length; k++) out[k] = labels[rows[k]];
        return out;
    }
}
