package dev.edgewise.engine.heads.train;

import dev.edgewise.engine.heads.Pooling;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The objectives' gradients against central finite differences, and the metrics against brute force. */
class TrainingMathTest {

    private static Examples randomExamples(int n, int dim, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] f = new float[n][dim];
        boolean[] y = new boolean[n];
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < dim; i++) f[k][i] = (float) r.nextGaussian();
            y[k] = k % 3 == 0; // unbalanced, so class weights differ
        }
        int[] rows = new int[n];
        for (int k = 0; k < n; k++) rows[k] = k;
        return Examples.of(f, y, rows, Standardizer.fit(f, rows, dim));
    }

    /** Every partial derivative within 1e-6 (relative to the gradient's scale) of the central difference. */
    private static void checkGradient(Objective o, double[] p) {
        double[] g = new double[p.length];
        o.loss(p, g);
        double h = 1e-5, scale = 0;
        for (double v : g) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < p.length; i++) {
            double keep = p[i];
            p[i] = keep + h;
            double up = o.loss(p, null);
            p[i] = keep - h;
            double down = o.loss(p, null);
            p[i] = keep;
            double numeric = (up - down) / (2 * h);
            assertThat(g[i]).as("d loss / d p[%d]", i).isCloseTo(numeric, within(1e-6 * Math.max(1, scale)));
        }
    }

    @Test
    void mlpGradientMatchesFiniteDifferences() {
        int dim = 6, hidden = 8;
        MlpObjective o = new MlpObjective(randomExamples(40, dim, 1), dim, hidden, 0.01);
        double[] p = SwitcherTrainer.init(dim, 3);
        SplittableRandom r = new SplittableRandom(9);
        for (int j = 0; j < hidden; j++) p[o.b1() + j] = 0.3 * r.nextGaussian(); // biases too, and some units off
        p[o.b2()] = 0.2;
        checkGradient(o, p);
        assertThat(o.size()).isEqualTo(hidden * dim + 2 * hidden + 1);
    }

    @Test
    void logisticGradientMatchesFiniteDifferences() {
        int dim = 7;
        LogisticObjective o = new LogisticObjective(randomExamples(30, dim, 2), dim, 0.05);
        double[] p = new double[dim + 1];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < p.length; i++) p[i] = r.nextGaussian();
        checkGradient(o, p);
    }

    @Test
    void crossEntropyIsStableForLargeLogits() {
        assertThat(Examples.bce(800, 1)).isCloseTo(0, within(1e-12));
        assertThat(Examples.bce(-800, 1)).isCloseTo(800, within(1e-9));
        assertThat(Examples.bce(0, 0)).isCloseTo(Math.log(2), within(1e-15));
    }

    /** AUC by counting every positive/negative pair, ties one half. */
    private static double bruteAuc(float[] s, boolean[] y) {
        double win = 0;
        int pairs = 0;
        for (int i = 0; i < s.length; i++) for (int j = 0; j < s.length; j++) {
            if (!y[i] || y[j]) continue;
            pairs++;
            win += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
        }
        return win / pairs;
    }

    @Test
    void aucEqualsPairCounting() {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 20; trial++) {
            int n = 5 + r.nextInt(40);
            float[] s = new float[n];
            boolean[] y = new boolean[n];
            for (int i = 0; i < n; i++) {
                s[i] = r.nextInt(6) / 5f; // many ties
                y[i] = i == 0 || (i != 1 && r.nextBoolean());
            }
            assertThat(Metrics.auc(s, y)).isCloseTo(bruteAuc(s, y), within(1e-12));
        }
        assertThat(Metrics.auc(new float[] {0.1f, 0.2f}, new boolean[] {true, true})).isNaN();
    }

    @Test
    void thresholdsPickBestAccuracyAndTargetRecall() {
        float[] s = {0.1f, 0.2f, 0.35f, 0.4f, 0.6f, 0.8f, 0.9f};
        boolean[] y = {false, false, true, false, true, true, true};
        float t = Metrics.maxAccuracyThreshold(s, y);
        assertThat(Metrics.confusion(s, y, t).accuracy()).isEqualTo(6 / 7.0);
        for (float c : s) assertThat(Metrics.confusion(s, y, c).accuracy()).isLessThanOrEqualTo(6 / 7.0);
        assertThat(t).isEqualTo(0.5f); // between 0.4 and 0.6
        assertThat(Metrics.recallThreshold(s, y, 1.0)).isEqualTo(0.275f); // all four positives, fewest negatives
        assertThat(Metrics.recallThreshold(s, y, 0.75)).isEqualTo(0.5f);
        Metrics.Confusion c = Metrics.confusion(s, y, 0.6f);
        assertThat(c).isEqualTo(new Metrics.Confusion(3, 0, 3, 1));
    }

    @Test
    void splitIsSeededAndKeepsGroupsTogether() {
        int[] group = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9};
        Split a = Split.byGroup(group, 0.3, 7), b = Split.byGroup(group, 0.3, 7), c = Split.byGroup(group, 0.3, 8);
        assertThat(a.holdout()).containsExactly(b.holdout());
        assertThat(a.holdout()).hasSize(6);
        assertThat(a.train().length + a.holdout().length).isEqualTo(group.length);
        for (int r : a.holdout()) assertThat(a.holdout()).contains(r ^ 1); // both rows of a group
        assertThat(a.holdout()).isNotEqualTo(c.holdout());
        assertThatThrownBy(() -> Split.byGroup(new int[] {0, 0}, 0.5, 1)).hasMessageContaining("at least 2 questions");
    }

    /** Two families whose label depends on the family, in a 16-wide space with a shifted mean. */
    static float[][] planted(int n, int dim, long seed, boolean[] labels) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] f = new float[n][dim];
        for (int k = 0; k < n; k++) {
            labels[k] = k % 2 == 0;
            for (int i = 0; i < dim; i++) f[k][i] = (float) (3 + 2 * r.nextGaussian() + (labels[k] && i < 3 ? 6 : 0));
        }
        return f;
    }

    @Test
    void switcherLearnsAPlantedSignalReproducibly() {
        int n = 200, dim = 16;
        boolean[] y = new boolean[n];
        float[][] f = planted(n, dim, 11, y);
        Split split = Split.byRow(n, 0.25, 1);
        TrainingOptions o = TrainingOptions.defaults().withSeed(3);
        SwitcherTrainer.Result a = SwitcherTrainer.train(f, y, split, -1, Pooling.MEAN, 128, 0.5f, o);
        SwitcherTrainer.Result b = SwitcherTrainer.train(f, y, split, -1, Pooling.MEAN, 128, 0.5f, o);
        assertThat(a.head()).isEqualTo(b.head()); // bit for bit
        assertThat(a.report().auc()).isGreaterThanOrEqualTo(0.95);
        assertThat(a.report().accuracy()).isGreaterThanOrEqualTo(0.85);
        assertThat(a.report().bestEpoch()).isGreaterThan(0);
        // the folded head on raw features gives the probabilities the report holds
        for (int k = 0; k < split.holdout().length; k++) {
            assertThat(a.head().probability(f[split.holdout()[k]])).isEqualTo(a.report().heldOutScores()[k]);
        }
        SwitcherTrainer.Result other = SwitcherTrainer.train(f, y, split, -1, Pooling.MEAN, 128, 0.5f, o.withSeed(4));
        assertThat(other.head()).isNotEqualTo(a.head());
    }

    @Test
    void verifierLearnsAPlantedSignal() {
        int n = 200, dim = 16;
        boolean[] y = new boolean[n];
        float[][] f = planted(n, dim, 12, y);
        VerifierTrainer.Result v = VerifierTrainer.train(f, y, Split.byRow(n, 0.25, 2), -1, TrainingOptions.defaults());
        assertThat(v.report().auc()).isGreaterThanOrEqualTo(0.95);
        assertThat(v.head().hasThreshold()).isTrue();
    }

    @Test
    void trainingNeedsBothLabels() {
        float[][] f = {{1}, {2}, {3}, {4}};
        boolean[] y = {true, true, true, true};
        assertThatThrownBy(() -> VerifierTrainer.train(f, y, Split.byRow(4, 0.25, 1), -1, TrainingOptions.defaults()))
                .hasMessageContaining("only positive");
    }
}
