package dev.edgewise.engine.heads.train;

import dev.edgewise.engine.heads.VerifierHead;

/**
 * Trains the verifier's linear head (logistic loss, L2) on hidden states read at the last token of the
 * verification prompt, labelled correct (true) or not: standardised inputs, zero initial weights, full-batch
 * Adam on class-weighted loss, early stopping on the held-out loss, a max-accuracy threshold from the held-out
 * split (written to the file, used only by {@code passes}). Deterministic.
 */
public final class VerifierTrainer {
    private VerifierTrainer() {}

    public record Result(VerifierHead head, Report report) {}

    public static Result train(float[][] features, boolean[] labels, Split split, int layer, TrainingOptions o) {
        int dim = Checks.dim(features, labels, split);
        Standardizer s = Standardizer.fit(features, split.train(), dim);
        LogisticObjective train = new LogisticObjective(Examples.of(features, labels, split.train(), s), dim, o.l2());
        LogisticObjective held = new LogisticObjective(Examples.of(features, labels, split.holdout(), s), dim, 0);
        Fit.Result fit = Fit.run(train, held, new double[dim + 1], o);
        double[] p = fit.params();
        float[] w = s.foldWeights(p, 0);
        float b = (float) s.foldBias(p[dim], p, 0);
        VerifierHead unthresholded = new VerifierHead(layer, w, b, dim, Float.NaN);
        float[] scores = new float[split.holdout().length];
        for (int k = 0; k < scores.length; k++) scores[k] = unthresholded.score(features[split.holdout()[k]], 0);
        boolean[] heldLabels = Checks.labels(labels, split.holdout());
        float threshold = Double.isNaN(o.targetRecall()) ? Metrics.maxAccuracyThreshold(scores, heldLabels)
                : Metrics.recallThreshold(scores, heldLabels, o.targetRecall());
        VerifierHead head = new VerifierHead(layer, w, b, dim, threshold);
        Report r = new Report(split.train().length, split.holdout().length, Metrics.auc(scores, heldLabels), threshold,
                Metrics.confusion(scores, heldLabels, threshold), fit.epochs(), fit.bestEpoch(), fit.heldOutLoss(),
                split.holdout().clone(), scores);
        return new Result(head, r);
    }
}
