package dev.edgewise.engine.heads.train;

/**
 * How a head is trained: full-batch Adam on class-weighted cross-entropy with L2, early stopping on the
 * held-out loss.
 *
 * @param seed         initial weights (and nothing else: training itself has no randomness)
 * @param learningRate Adam's step size
 * @param maxEpochs    upper bound on full-batch steps
 * @param patience     stop after this many steps without a better held-out loss; the best weights are kept
 * @param l2           weight decay coefficient (biases are not decayed)
 * @param targetRecall NaN: threshold of maximum held-out accuracy; else the highest threshold whose held-out
 *                     recall of the positive class is at least this
 */
public record TrainingOptions(long seed, double learningRate, int maxEpochs, int patience, double l2, double targetRecall) {

    public TrainingOptions {
        if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate " + learningRate + " must be > 0");
        if (maxEpochs < 1) throw new IllegalArgumentException("max epochs " + maxEpochs + " must be >= 1");
        if (patience < 1) throw new IllegalArgumentException("patience " + patience + " must be >= 1");
        if (!(l2 >= 0)) throw new IllegalArgumentException("l2 " + l2 + " must be >= 0");
        if (!Double.isNaN(targetRecall) && !(targetRecall > 0 && targetRecall <= 1)) {
            throw new IllegalArgumentException("target recall " + targetRecall + " is not in (0, 1]");
        }
    }

    /** Seed 0, learning rate 0.01, 2000 epochs, patience 100, l2 1e-3, maximum-accuracy threshold. */
    public static TrainingOptions defaults() {
        return new TrainingOptions(0, 0.01, 2000, 100, 1e-3, Double.NaN);
    }

    public TrainingOptions withSeed(long s) { return new TrainingOptions(s, learningRate, maxEpochs, patience, l2, targetRecall); }

    public TrainingOptions withTargetRecall(double r) { return new TrainingOptions(seed, learningRate, maxEpochs, patience, l2, r); }

    public TrainingOptions withL2(double v) { return new TrainingOptions(seed, learningRate, maxEpochs, patience, v, targetRecall); }

    public TrainingOptions withMaxEpochs(int n) { return new TrainingOptions(seed, learningRate, n, patience, l2, targetRecall); }
}
