package dev.edgewise.engine.heads.train;

/**
 * How a trained head does on the held-out split, with the probabilities computed by the written head itself
 * (so they are the ones inference will produce).
 *
 * @param trainRows         examples trained on
 * @param heldOutRows       examples held out
 * @param auc               held-out ROC AUC (NaN if a class is missing there)
 * @param threshold         the decision threshold chosen on the held-out split
 * @param confusion         held-out decisions at that threshold
 * @param epochs            Adam steps run
 * @param bestEpoch         the step whose weights were kept (early stopping)
 * @param heldOutLoss       held-out cross-entropy (class-weighted) at the kept weights
 * @param heldOut           held-out row indices, in the order of {@code heldOutScores}
 * @param heldOutScores     the head's probability for each held-out row
 */
public record Report(int trainRows, int heldOutRows, double auc, float threshold, Metrics.Confusion confusion, int epochs,
                     int bestEpoch, double heldOutLoss, int[] heldOut, float[] heldOutScores) {

    public double accuracy() { return confusion.accuracy(); }
}
