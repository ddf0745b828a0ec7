package dev.edgewise.engine.vote;

import java.util.Locale;

/** How the answers of several branches are combined into one. */
public enum VoteMethod {
    /** Most votes; ties: larger total weight, then the answer first voted for by the lowest branch. */
    MAJORITY,
    /**
     * Largest sum of weights, summed as given: pass non-negative scores (probabilities, verifier
     * scores, {@code exp(mean log-prob)}), since a sum of negative log-probs favours answers with
     * FEWER votes. Ties: more votes, then the answer first voted for by the lowest branch.
     */
    WEIGHTED,
    /** The single answering ballot with the highest weight; ties: the lowest branch index. */
    BEST_OF_N;

    /**
     * Parses {@code majority}, {@code weighted} or {@code best} (also {@code best_of_n} /
     * {@code best-of-n}), ignoring case and surrounding spaces.
     *
     * @throws IllegalArgumentException for anything else, naming the accepted values
     */
    public static VoteMethod parse(String name) {
        String key = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "majority" -> MAJORITY;
            case "weighted" -> WEIGHTED;
            case "best", "best_of_n", "best-of-n" -> BEST_OF_N;
            default -> throw new IllegalArgumentException(
                    "unknown vote method '" + name + "' (expected majority, weighted or best)");
        };
    }
}
