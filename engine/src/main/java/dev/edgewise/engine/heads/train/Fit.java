package dev.edgewise.engine.heads.train;

/** The optimisation loop shared by both heads: full-batch Adam, early stopping on the held-out loss. */
final class Fit {
    private Fit() {}

    /** Result: the best parameters and the step that produced them. */
    record Result(double[] params, int bestEpoch, int epochs, double heldOutLoss) {}

    static Result run(Objective train, Objective heldOut, double[] init, TrainingOptions o) {
        double[] p = init.clone(), grad = new double[p.length], best = p.clone();
        Adam adam = new Adam(p.length, o.learningRate());
        double bestLoss = heldOut.loss(p, null);
        int bestEpoch = 0, epoch = 0;
        while (epoch < o.maxEpochs() && epoch - bestEpoch < o.patience()) {
            train.loss(p, grad);
            adam.step(p, grad);
            epoch++;
            double l = heldOut.loss(p, null);
            if (l < bestLoss) {
                bestLoss = l;
                bestEpoch = epoch;
                System.arraycopy(p, 0, best, 0, p.length);
            }
        }
        return new Result(best, bestEpoch, epoch, bestLoss);
    }
}
