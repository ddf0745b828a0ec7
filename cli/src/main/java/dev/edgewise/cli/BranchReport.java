package dev.edgewise.cli;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.vote.Ballot;
import dev.edgewise.engine.vote.VoteResult;
import dev.edgewise.engine.vote.VoteTally;
import dev.edgewise.engine.vote.Voter;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Prints the branches of a multi-branch run: per-branch stats, the vote table and the chosen answer. */
final class BranchReport {
    private final PrintWriter out;
    private final Voter voter;
    private final boolean showBranches;

    BranchReport(PrintWriter out, Voter voter, boolean showBranches) {
        this.out = out;
        this.voter = voter;
        this.showBranches = showBranches;
    }

    /** Weighted and best-of-N votes weigh a branch by its geometric-mean token probability. */
    static double weight(BranchResult b) {
        return Math.exp(b.meanLogProb());
    }

    VoteResult print(GenerationResult result) {
        List<Ballot> ballots = new ArrayList<>();
        for (BranchResult b : result.branches()) ballots.add(new Ballot(b.branch(), b.text(), weight(b)));
        VoteResult vote = voter.vote(ballots);
        for (BranchResult b : result.branches()) {
            if (showBranches) {
                out.printf("--- branch %d ---%n%s%n", b.branch(), b.text());
            }
            out.printf(Locale.ROOT, "branch %d: %d tokens, mean log-prob %.3f, stop: %s, answer: %s%n", b.branch(), b.tokens().length,
                    b.meanLogProb(), b.finishReason().name().toLowerCase(Locale.ROOT),
                    vote.extracted().get(b.branch()).orElse("(none)"));
        }
        out.printf(Locale.ROOT, "%nvote (%s):%n  %-24s %5s %8s  %s%n", vote.method().name().toLowerCase(Locale.ROOT), "answer", "votes", "weight", "branches");
        for (VoteTally t : vote.table()) {
            out.printf(Locale.ROOT, "  %-24s %5d %8.3f  %s%n", t.display(), t.votes(), t.weight(),
                    t.branches().stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
        out.println(vote.answer().isPresent()
                ? "answer: " + vote.display().orElseThrow() + " (branch " + vote.winningBranch() + ")"
                : "answer: (no branch gave an answer)");
        return vote;
    }
}
