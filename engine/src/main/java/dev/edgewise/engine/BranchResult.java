package dev.edgewise.engine;

/**
 * One sampled branch of a generation.
 *
 * @param branch       index of the branch (its seed is the request's seed + branch)
 * @param text         generated text (stop string excluded)
 * @param tokens       generated token ids (end-of-generation token excluded)
 * @param logProbs     log-probability of each generated token
 * @param finishReason why it stopped
 */
public record BranchResult(int branch, String text, int[] tokens, float[] logProbs, FinishReason finishReason) {

    /** Mean log-probability per token (0 for an empty branch): a confidence score for voting. */
    public double meanLogProb() {
        if (logProbs.length == 0) return 0;
        double s = 0;
        for (float lp : logProbs) s += lp;
        return s / logProbs.length;
    }
}
