package dev.edgewise.engine.vote;

import java.util.Objects;

/**
 * One branch's output: its index, its full text and a score.
 *
 * @param branch index of the branch (>= 0, unique within one vote); lower wins ties
 * @param text   the generated text the answer is extracted from
 * @param weight a finite score, e.g. a verifier score or {@code exp(mean log-prob)}; see
 *               {@link VoteMethod#WEIGHTED} for why it should be non-negative there
 */
public record Ballot(int branch, String text, double weight) {
    public Ballot {
        if (branch < 0) {
            throw new IllegalArgumentException("ballot branch must be >= 0, got " + branch);
        }
        Objects.requireNonNull(text, "ballot text");
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException("ballot weight of branch " + branch + " must be finite, got " + weight);
        }
        weight += 0.0; // -0.0 -> 0.0, so that equal weights compare as equal
    }

    /** A ballot of weight 1, for plain majority voting. */
    public Ballot(int branch, String text) {
        this(branch, text, 1.0);
    }
}
