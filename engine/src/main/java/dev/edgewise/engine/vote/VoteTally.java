package dev.edgewise.engine.vote;

import java.util.List;

/**
 * The votes for one normalised answer.
 *
 * @param answer   the normalised answer (vote key)
 * @param display  the raw form extracted from the lowest branch voting for it
 * @param votes    number of ballots voting for it
 * @param weight   sum of those ballots' weights (added in branch order)
 * @param branches the branches voting for it, ascending
 */
public record VoteTally(String answer, String display, int votes, double weight, List<Integer> branches) {
    public VoteTally {
        branches = List.copyOf(branches);
    }
}
