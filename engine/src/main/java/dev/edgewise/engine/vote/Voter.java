package dev.edgewise.engine.vote;

import dev.edgewise.engine.BranchResult;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Picks one answer from several branches that answered the same question.
 *
 * <p>Each ballot's answer is extracted, then normalised into a vote key; ballots without an answer
 * (or whose answer normalises to nothing) do not vote. Ballots are counted in ascending branch order,
 * whatever order the caller passes them in, so the result depends only on the set of ballots.
 * Every ranking ends with "lowest branch first", and each branch votes for one answer only, so the
 * outcome is fully deterministic.
 */
public final class Voter {
    /**
     * Weight sums are compared after rounding to 12 significant digits, so that sums which differ
     * only by floating-point rounding (0.1 + 0.2 versus 0.3) count as a tie. Rounding (rather than
     * an epsilon comparison) keeps the ordering transitive.
     */
    private static final MathContext TIE_PRECISION = new MathContext(12);

    private final AnswerExtractor extractor;
    private final VoteMethod method;

    public Voter(AnswerExtractor extractor, VoteMethod method) {
        this.extractor = Objects.requireNonNull(extractor, "extractor");
        this.method = Objects.requireNonNull(method, "method");
    }

    /**
     * Votes over the branches of one generation, each weighted by its geometric-mean token
     * probability {@code exp(mean log-prob)} (the weight when there is no verifier).
     */
    public VoteResult voteBranches(List<BranchResult> branches) {
        List<Ballot> ballots = new ArrayList<>(branches.size());
        for (BranchResult b : branches) ballots.add(new Ballot(b.branch(), b.text(), Math.exp(b.meanLogProb())));
        return vote(ballots);
    }

    /** @throws IllegalArgumentException when two ballots share a branch index */
    public VoteResult vote(List<Ballot> ballots) {
        Objects.requireNonNull(ballots, "ballots");
        Set<Integer> seen = new HashSet<>();
        List<Optional<String>> extracted = new ArrayList<>(ballots.size());
        for (Ballot b : ballots) {
            Objects.requireNonNull(b, "ballot");
            if (!seen.add(b.branch())) {
                throw new IllegalArgumentException("duplicate ballot for branch " + b.branch());
            }
            extracted.add(extractor.extract(b.text()));
        }

        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < ballots.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingInt(i -> ballots.get(i).branch()));

        Map<String, Tally> tallies = new LinkedHashMap<>();
        for (int i : order) {
            Optional<String> raw = extracted.get(i);
            if (raw.isEmpty()) {
                continue;
            }
            String key = AnswerNormalizer.normalize(raw.get());
            if (!key.isEmpty()) {
                tallies.computeIfAbsent(key, k -> new Tally(k, raw.get())).add(ballots.get(i));
            }
        }
        if (tallies.isEmpty()) {
            return new VoteResult(Optional.empty(), Optional.empty(), -1, method, List.of(), extracted);
        }

        List<Tally> ranked = new ArrayList<>(tallies.values());
        ranked.sort(ranking(method));
        Tally winner = ranked.getFirst();
        int winningBranch = method == VoteMethod.BEST_OF_N ? winner.best.branch() : winner.branches.getFirst();
        return new VoteResult(Optional.of(winner.answer), Optional.of(winner.display), winningBranch, method,
                ranked.stream().map(Tally::toRecord).toList(), extracted);
    }

    /** Best first. Every chain ends on a branch index, which no two tallies share. */
    private static Comparator<Tally> ranking(VoteMethod method) {
        Comparator<Tally> byVotes = Comparator.comparingInt((Tally t) -> t.votes).reversed();
        Comparator<Tally> byWeight = Comparator.comparingDouble((Tally t) -> tieKey(t.weight)).reversed();
        Comparator<Tally> byFirstBranch = Comparator.comparingInt(t -> t.branches.getFirst());
        return switch (method) {
            case MAJORITY -> byVotes.thenComparing(byWeight).thenComparing(byFirstBranch);
            case WEIGHTED -> byWeight.thenComparing(byVotes).thenComparing(byFirstBranch);
            // A single ballot's weight is exact, so no rounding here.
            case BEST_OF_N -> Comparator.comparingDouble((Tally t) -> t.best.weight()).reversed()
                    .thenComparingInt(t -> t.best.branch());
        };
    }

    private static double tieKey(double weight) {
        return new BigDecimal(weight).round(TIE_PRECISION).doubleValue();
    }

    /** Running count for one answer; ballots arrive in ascending branch order. */
    private static final class Tally {
        final String answer;
        final String display;
        final List<Integer> branches = new ArrayList<>();
        int votes;
        double weight;
        Ballot best; // highest weight; the earlier (lower) branch on equal weight

        Tally(String answer, String display) {
            this.answer = answer;
            this.display = display;
        }

        void add(Ballot b) {
            branches.add(b.branch());
            votes++;
            weight += b.weight();
            if (best == null || b.weight() > best.weight()) {
                best = b;
            }
        }

        VoteTally toRecord() {
            return new VoteTally(answer, display, votes, weight, branches);
        }
    }
}
