package dev.edgewise.cli;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.vote.VoteResult;
import dev.edgewise.engine.vote.VoteTally;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Prints branches: per-branch stats, the vote table and the chosen answer. */
public final class BranchReport {
    private BranchReport() {}

    static void print(PrintWriter out, List<BranchResult> branches, VoteResult vote, List<Double> scores, boolean showBranches) {
        print(out, branches, vote, scores, showBranches, null);
    }

    /** As above; with {@code thinking}, a shown branch prints its thinking that way, else its raw text. */
    static void print(PrintWriter out, List<BranchResult> branches, VoteResult vote, List<Double> scores, boolean showBranches,
                      ThinkingDisplayMixin thinking) {
        for (BranchResult b : branches) {
            if (showBranches) {
                out.printf("--- branch %d ---%n%s%n", b.branch(),
                        thinking == null ? b.text() : thinking.formatWhole(b.reasoningContent(), b.content()));
            }
            String forced = b.forcedAt() >= 0 ? ", answer forced at token " + b.forcedAt() : "";
            String score = scores.isEmpty() ? "" : String.format(Locale.ROOT, ", verifier %.3f", scores.get(b.branch()));
            out.printf(Locale.ROOT, "branch %d: %d tokens (%d thinking)%s, mean log-prob %.3f%s, stop: %s, answer: %s%n", b.branch(),
                    b.tokens().length, b.thinkingTokens(), forced, b.meanLogProb(), score,
                    b.finishReason().name().toLowerCase(Locale.ROOT), vote.extracted().get(b.branch()).orElse("(none)"));
        }
        out.printf(Locale.ROOT, "%nvote (%s):%n  %-24s %5s %8s  %s%n", vote.method().name().toLowerCase(Locale.ROOT), "answer", "votes", "weight", "branches");
        for (VoteTally t : vote.table()) {
            out.printf(Locale.ROOT, "  %-24s %5d %8.3f  %s%n", t.display(), t.votes(), t.weight(),
                    t.branches().stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
        out.println(vote.answer().isPresent()
                ? "answer: " + vote.display().orElseThrow() + " (branch " + vote.winningBranch() + ")"
                : "answer: (no branch gave an answer)");
    }
}
