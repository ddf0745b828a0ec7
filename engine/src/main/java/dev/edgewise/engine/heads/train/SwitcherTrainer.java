package dev.edgewise.engine.heads.train;

import dev.edgewise.engine.heads.Pooling;
import dev.edgewise.engine.heads.SwitcherHead;

import java.util.SplittableRandom;

/**
 * Trains the switcher MLP of "Efficient Reasoning on the Edge" (hidden width 8, ReLU, sigmoid) on pooled
 * prompt hidden states labelled reason (true) or direct (false): inputs standardised on the training split,
 * He-initialised weights from the seed, full-batch Adam on class-weighted cross-entropy, early stopping on the
 * held-out loss, threshold chosen on the held-out split. Deterministic for a seed.
 */
public final class SwitcherTrainer {
    /** The paper's hidden width. */
    public static final int HIDDEN = 8;

    private SwitcherTrainer() {}

    /** The head (in the heads file's terms) and how it did on the held-out split. */
    public record Result(SwitcherHead head, Report report) {}

    /**
     * @param features pooled hidden states, one per example (all of one width), read with {@code layer}/{@code pooling}
     * @param labels   true = reason
     * @param split    which rows train and which are held out
     */
    public static Result train(float[][] features, boolean[] labels, Split split, int layer, Pooling pooling, int chunk, float alpha,
                               TrainingOptions o) {
        int dim = Checks.dim(features, labels, split);
        Standardizer s = Standardizer.fit(features, split.train(), dim);
        MlpObjective train = new MlpObjective(Examples.of(features, labels, split.train(), s), dim, HIDDEN, o.l2());
        MlpObjective held = new MlpObjective(Examples.of(features, labels, split.holdout(), s), dim, HIDDEN, 0);
        Fit.Result fit = Fit.run(train, held, init(dim, o.seed()), o);
        double[] p = fit.params();
        float[] w1 = new float[HIDDEN * dim], b1 = new float[HIDDEN], w2 = new float[HIDDEN];
        for (int j = 0; j < HIDDEN; j++) {
            System.arraycopy(s.foldWeights(p, j * dim), 0, w1, j * dim, dim);
            b1[j] = (float) s.foldBias(p[train.b1() + j], p, j * dim);
            w2[j] = (float) p[train.w2() + j];
        }
        float b2 = (float) p[train.b2()];
        SwitcherHead unthresholded = new SwitcherHead(layer, pooling, chunk, alpha, 0.5f, w1, b1, w2, b2, dim, HIDDEN);
        float[] scores = new float[split.holdout().length];
        for (int k = 0; k < scores.length; k++) scores[k] = unthresholded.probability(features[split.holdout()[k]]);
        boolean[] heldLabels = Checks.labels(labels, split.holdout());
        float threshold = Double.isNaN(o.targetRecall()) ? Metrics.maxAccuracyThreshold(scores, heldLabels)
                : Metrics.recallThreshold(scores, heldLabels, o.targetRecall());
        SwitcherHead head = new SwitcherHead(layer, pooling, chunk, alpha, threshold, w1, b1, w2, b2, dim, HIDDEN);
        Report r = new Report(split.train().length, split.holdout().length, Metrics.auc(scores, heldLabels), threshold,
                Metrics.confusion(scores, heldLabels, threshold), fit.epochs(), fit.bestEpoch(), fit.heldOutLoss(),
                split.holdout().clone(), scores);
        return new Result(head, r);
    }

    /** He initialisation (variance 2 / fan-in) for both layers, biases 0. */
    static double[] init(int dim, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] p = new double[MlpObjective.size(dim, HIDDEN)];
        double s1 = Math.sqrt(2.0 / dim), s2 = Math.sqrt(2.0 / HIDDEN);
        for (int i = 0; i < HIDDEN * dim; i++) p[i] = s1 * rnd.nextGaussian();
        for (int j = 0; j < HIDDEN; j++) p[HIDDEN * dim + HIDDEN + j] = s2 * rnd.nextGaussian();
        return p;
    }
}
