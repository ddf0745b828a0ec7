package dev.edgewise.engine.vote;

import java.util.List;
import java.util.Optional;

/**
 * Outcome of a vote.
 *
 * @param answer        the winning normalised answer; empty when no ballot had an answer
 * @param display       the winner's raw form (see {@link VoteTally#display()})
 * @param winningBranch the lowest branch voting for the winner (best-of-N: the chosen ballot's
 *                      branch); -1 when there is no answer
 * @param method        the method used
 * @param table         one tally per distinct answer, winner first, then in the method's ranking order
 *                      (best-of-N: by each answer's highest-weight ballot)
 * @param extracted     the raw answer extracted from each ballot, in the caller's ballot order
 */
public record VoteResult(Optional<String> answer, Optional<String> display, int winningBranch, VoteMethod method,
                         List<VoteTally> table, List<Optional<String>> extracted) {
    public VoteResult {
        table = List.copyOf(table);
        extracted = List.copyOf(extracted);
    }
}
