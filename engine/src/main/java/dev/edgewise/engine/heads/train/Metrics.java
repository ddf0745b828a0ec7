package dev.edgewise.engine.heads.train;

import java.util.Arrays;

/** Binary-classifier measures on scores in [0, 1] with a decision {@code score >= threshold}. */
public final class Metrics {
    private Metrics() {}

    /**
     * Area under the ROC curve: the probability that a random positive scores above a random negative,
     * ties counting one half (the Mann-Whitney statistic). NaN when a class is absent.
     */
    public static double auc(float[] scores, boolean[] labels) {
        int n = scores.length, pos = 0;
        for (boolean l : labels) if (l) pos++;
        int neg = n - pos;
        if (pos == 0 || neg == 0) return Double.NaN;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
        double rankSumPos = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) j++;
            double midRank = (i + j) / 2.0 + 1; // 1-based average rank of the tie group
            for (int k = i; k <= j; k++) if (labels[order[k]]) rankSumPos += midRank;
            i = j + 1;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /** Counts of the decision {@code score >= threshold} against the labels. */
    public record Confusion(int truePositives, int falsePositives, int trueNegatives, int falseNegatives) {
        public int total() { return truePositives + falsePositives + trueNegatives + falseNegatives; }

        public double accuracy() { return total() == 0 ? Double.NaN : (truePositives + trueNegatives) / (double) total(); }

        /** Share of positives found (NaN without positives). */
        public double recall() {
            int p = truePositives + falseNegatives;
            return p == 0 ? Double.NaN : truePositives / (double) p;
        }
    }

    public static Confusion confusion(float[] scores, boolean[] labels, float threshold) {
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean predicted = scores[i] >= threshold;
            if (predicted && labels[i]) tp++;
            else if (predicted) fp++;
            else if (labels[i]) fn++;
            else tn++;
        }
        return new Confusion(tp, fp, tn, fn);
    }

    /**
     * The threshold of highest accuracy among the candidates (0, midpoints between neighbouring scores, a value
     * above the top score); ties go to the candidate nearest 0.5.
     */
    public static float maxAccuracyThreshold(float[] scores, boolean[] labels) {
        float best = 0.5f;
        double bestAccuracy = -1;
        for (float t : candidates(scores)) {
            double a = confusion(scores, labels, t).accuracy();
            if (a > bestAccuracy || (a == bestAccuracy && Math.abs(t - 0.5f) < Math.abs(best - 0.5f))) {
                bestAccuracy = a;
                best = t;
            }
        }
        return best;
    }

    /**
     * The highest candidate threshold (as for {@link #maxAccuracyThreshold}) whose recall of positives is at least
     * {@code target}, so the fewest negatives are sent to the positive side; 0 reaches every target.
     */
    public static float recallThreshold(float[] scores, boolean[] labels, double target) {
        if (!(target > 0 && target <= 1)) throw new IllegalArgumentException("target recall " + target + " is not in (0, 1]");
        float[] c = candidates(scores);
        for (int k = c.length - 1; k >= 0; k--) {
            if (confusion(scores, labels, c[k]).recall() >= target) return c[k];
        }
        return c[0];
    }

    /**
     * Candidate thresholds: 0, the midpoint between each pair of neighbouring distinct scores, and 1 (or just above
     * the top score). A midpoint decides every example as its upper neighbour does, with a margin on both sides.
     */
    private static float[] candidates(float[] scores) {
        float[] s = scores.clone();
        Arrays.sort(s);
        float[] out = new float[s.length + 2];
        int n = 0;
        out[n++] = 0f;
        for (int i = 1; i < s.length; i++) {
            if (s[i] != s[i - 1]) out[n++] = (float) ((s[i - 1] + (double) s[i]) / 2);
        }
        float top = s.length == 0 ? 0f : s[s.length - 1];
        out[n++] = top < 1f ? Math.min(1f, (float) ((top + 1.0) / 2)) : 1f;
        return Arrays.copyOf(out, n);
    }
}
