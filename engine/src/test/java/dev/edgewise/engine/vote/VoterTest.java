package dev.edgewise.engine.vote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VoterTest {
    private static VoteResult vote(VoteMethod method, Ballot... ballots) {
        return new Voter(AnswerExtractor.defaults(), method).vote(List.of(ballots));
    }

    private static Ballot b(int branch, String text, double weight) {
        return new Ballot(branch, text, weight);
    }

    private static List<String> answers(VoteResult r) {
        return r.table().stream().map(VoteTally::answer).toList();
    }

    // ---- majority ----

    @Test
    void majorityCountsEquivalentFormsTogether() {
        VoteResult r = vote(VoteMethod.MAJORITY,
                b(0, "I think it is 41.", 1),
                b(1, "Therefore $\\boxed{42.0}$.", 1),
                b(2, "Hmm, let me think... the answer is \\boxed{41}", 1),
                b(3, "So we have 42", 1),
                b(4, "= \\boxed{$42$}", 1));
        assertThat(r.answer()).contains("42");
        assertThat(r.display()).contains("42.0");   // raw form from the lowest voting branch
        assertThat(r.winningBranch()).isEqualTo(1);
        assertThat(r.method()).isEqualTo(VoteMethod.MAJORITY);
        assertThat(r.table()).containsExactly(
                new VoteTally("42", "42.0", 3, 3.0, List.of(1, 3, 4)),
                new VoteTally("41", "41", 2, 2.0, List.of(0, 2)));
        assertThat(r.extracted()).containsExactly(
                Optional.of("41"), Optional.of("42.0"), Optional.of("41"), Optional.of("42"), Optional.of("$42$"));
    }

    @Test
    void majorityTieGoesToLargerTotalWeight() {
        VoteResult r = vote(VoteMethod.MAJORITY,
                b(0, "\\boxed{1}", 0.1), b(1, "\\boxed{1}", 0.1),
                b(2, "\\boxed{2}", 0.5), b(3, "\\boxed{2}", 0.5));
        assertThat(r.answer()).contains("2");
        assertThat(r.winningBranch()).isEqualTo(2);
        assertThat(answers(r)).containsExactly("2", "1");
    }

    @Test
    void majorityTieWithEqualWeightGoesToLowestFirstBranch() {
        VoteResult r = vote(VoteMethod.MAJORITY,
                b(1, "\\boxed{7}", 1), b(2, "\\boxed{7}", 1),
                b(0, "\\boxed{9}", 1), b(3, "\\boxed{9}", 1));
        assertThat(r.answer()).contains("9");
        assertThat(r.winningBranch()).isEqualTo(0);
        assertThat(answers(r)).containsExactly("9", "7");
    }

    @Test
    void weightSumsThatDifferOnlyByRoundingAreATie() {
        // 0.1 + 0.2 = 0.30000000000000004 > 0.15 + 0.15 = 0.3 in doubles; treated as equal, so the
        // lowest first branch (0, answer 9) decides.
        VoteResult r = vote(VoteMethod.MAJORITY,
                b(1, "\\boxed{7}", 0.1), b(2, "\\boxed{7}", 0.2),
                b(0, "\\boxed{9}", 0.15), b(3, "\\boxed{9}", 0.15));
        assertThat(r.answer()).contains("9");
        VoteResult w = vote(VoteMethod.WEIGHTED,
                b(1, "\\boxed{7}", 0.1), b(2, "\\boxed{7}", 0.2),
                b(0, "\\boxed{9}", 0.15), b(3, "\\boxed{9}", 0.15));
        assertThat(w.answer()).contains("9");
    }

    @Test
    void resultDoesNotDependOnBallotOrderButExtractedFollowsIt() {
        Ballot[] ballots = {
                b(3, "\\boxed{9}", 1), b(2, "\\boxed{7}", 1), b(0, "\\boxed{9.0}", 1), b(1, "\\boxed{7}", 1)};
        VoteResult r = vote(VoteMethod.MAJORITY, ballots);
        assertThat(r.answer()).contains("9");
        assertThat(r.display()).contains("9.0");     // branch 0's form, though branch 3 came first
        assertThat(r.winningBranch()).isZero();
        assertThat(r.table().getFirst().branches()).containsExactly(0, 3);
        assertThat(r.extracted()).containsExactly(
                Optional.of("9"), Optional.of("7"), Optional.of("9.0"), Optional.of("7"));
    }

    // ---- weighted ----

    @Test
    void weightedPrefersHeavierAnswerOverMoreVotes() {
        VoteResult r = vote(VoteMethod.WEIGHTED,
                b(0, "\\boxed{1}", 0.1), b(1, "\\boxed{1}", 0.1), b(2, "\\boxed{1}", 0.1),
                b(3, "\\boxed{2}", 0.9));
        assertThat(r.answer()).contains("2");
        assertThat(r.winningBranch()).isEqualTo(3);
        assertThat(answers(r)).containsExactly("2", "1");
        assertThat(r.table().get(1).weight()).isCloseTo(0.3, Offset.offset(1e-12));
    }

    @Test
    void weightedTieGoesToMoreVotes() {
        VoteResult r = vote(VoteMethod.WEIGHTED,
                b(0, "\\boxed{5}", 0.5),
                b(1, "\\boxed{6}", 0.25), b(2, "\\boxed{6}", 0.25));
        assertThat(r.answer()).contains("6");
        assertThat(r.winningBranch()).isEqualTo(1);
    }

    @Test
    void weightedTieWithEqualVotesGoesToLowestFirstBranch() {
        VoteResult r = vote(VoteMethod.WEIGHTED,
                b(2, "\\boxed{5}", 0.5), b(1, "\\boxed{6}", 0.5));
        assertThat(r.answer()).contains("6");
        assertThat(answers(r)).containsExactly("6", "5");
    }

    @Test
    void weightedSumsWeightsAsGiven() {
        // Negative log-probs: two votes sum lower than one, as documented on VoteMethod.WEIGHTED.
        VoteResult r = vote(VoteMethod.WEIGHTED,
                b(0, "\\boxed{1}", -0.5), b(1, "\\boxed{1}", -0.5), b(2, "\\boxed{2}", -0.8));
        assertThat(r.answer()).contains("2");
    }

    // ---- best of N ----

    @Test
    void bestOfNPicksHighestWeightBallotEvenForAMinorityAnswer() {
        VoteResult r = vote(VoteMethod.BEST_OF_N,
                b(0, "\\boxed{9}", 0.1),
                b(1, "\\boxed{7}", 0.5), b(3, "\\boxed{7}", 0.5),
                b(2, "\\boxed{9}", 0.9));
        assertThat(r.answer()).contains("9");
        assertThat(r.winningBranch()).isEqualTo(2);  // the chosen ballot, not the lowest branch for 9
        assertThat(r.table()).containsExactly(
                new VoteTally("9", "9", 2, 0.1 + 0.9, List.of(0, 2)),
                new VoteTally("7", "7", 2, 1.0, List.of(1, 3)));
    }

    @Test
    void bestOfNSkipsBallotsWithoutAnswer() {
        VoteResult r = vote(VoteMethod.BEST_OF_N,
                b(0, "I could not solve it.", 5.0), b(1, "\\boxed{3}", -2.0), b(2, "\\boxed{4}", -0.3));
        assertThat(r.answer()).contains("4");
        assertThat(r.winningBranch()).isEqualTo(2);
    }

    @Test
    void bestOfNTieGoesToLowestBranch() {
        VoteResult r = vote(VoteMethod.BEST_OF_N,
                b(2, "\\boxed{3}", 0.8), b(1, "\\boxed{4}", 0.8), b(0, "\\boxed{3}", 0.2));
        assertThat(r.answer()).contains("4");
        assertThat(r.winningBranch()).isEqualTo(1);
        VoteResult sameAnswer = vote(VoteMethod.BEST_OF_N,
                b(0, "\\boxed{1}", 0.1), b(3, "\\boxed{3}", 0.8), b(2, "\\boxed{3}", 0.8));
        assertThat(sameAnswer.winningBranch()).isEqualTo(2);
    }

    @Test
    void negativeZeroWeightTiesWithZero() {
        VoteResult r = vote(VoteMethod.BEST_OF_N, b(1, "\\boxed{1}", -0.0), b(0, "\\boxed{2}", 0.0));
        assertThat(r.answer()).contains("2");
    }

    // ---- missing answers ----

    @ParameterizedTest
    @ValueSource(strings = {"MAJORITY", "WEIGHTED", "BEST_OF_N"})
    void noBallotsGiveNoAnswer(VoteMethod method) {
        VoteResult r = new Voter(AnswerExtractor.defaults(), method).vote(List.of());
        assertThat(r).isEqualTo(new VoteResult(Optional.empty(), Optional.empty(), -1, method, List.of(), List.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"MAJORITY", "WEIGHTED", "BEST_OF_N"})
    void ballotsWithoutAnswersGiveNoAnswer(VoteMethod method) {
        VoteResult r = new Voter(AnswerExtractor.defaults(), method)
                .vote(List.of(b(0, "no idea", 1), b(1, "", 2), b(2, "\\boxed{ $$ }", 3)));
        assertThat(r.answer()).isEmpty();
        assertThat(r.display()).isEmpty();
        assertThat(r.winningBranch()).isEqualTo(-1);
        assertThat(r.table()).isEmpty();
        // "$$" was extracted but normalises to nothing, so it does not vote.
        assertThat(r.extracted()).containsExactly(Optional.empty(), Optional.empty(), Optional.of("$$"));
    }

    @Test
    void branchesWithoutAnswersDoNotVote() {
        VoteResult r = vote(VoteMethod.MAJORITY,
                b(0, "ran out of tokens while compu", 1),
                b(1, "\\boxed{5}", 1),
                b(2, "thinking... \\boxed{\\frac{1", 1),   // truncated boxed: falls back to its last number
                b(3, "\\boxed{6}", 1),
                b(4, "no numbers at all", 1));
        assertThat(r.answer()).contains("5");
        assertThat(r.winningBranch()).isEqualTo(1);
        assertThat(answers(r)).containsExactly("5", "1", "6");   // all 1 vote: ordered by first branch
        assertThat(r.table()).extracting(VoteTally::votes).containsExactly(1, 1, 1);
        assertThat(r.extracted()).containsExactly(
                Optional.empty(), Optional.of("5"), Optional.of("1"), Optional.of("6"), Optional.empty());
    }

    @Test
    void regexExtractorIsUsed() {
        VoteResult r = new Voter(AnswerExtractor.withRegex("(?i)answer:\\s*\\(?([a-e])\\)?"), VoteMethod.MAJORITY)
                .vote(List.of(new Ballot(0, "Answer: C"), new Ballot(1, "Answer: (b)"), new Ballot(2, "ANSWER: B")));
        assertThat(r.answer()).contains("b");
        assertThat(r.display()).contains("b");
        assertThat(r.winningBranch()).isEqualTo(1);
        assertThat(r.table().getFirst().votes()).isEqualTo(2);
    }

    // ---- validation ----

    @Test
    void duplicateBranchIsRejected() {
        Voter voter = new Voter(AnswerExtractor.defaults(), VoteMethod.MAJORITY);
        assertThatThrownBy(() -> voter.vote(List.of(new Ballot(1, "1"), new Ballot(1, "2"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate ballot for branch 1");
    }

    @Test
    void ballotValidation() {
        assertThatThrownBy(() -> new Ballot(-1, "x", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(">= 0");
        assertThatThrownBy(() -> new Ballot(2, "x", Double.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("branch 2").hasMessageContaining("finite");
        assertThatThrownBy(() -> new Ballot(2, "x", Double.NEGATIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Ballot(0, null, 1)).isInstanceOf(NullPointerException.class);
        assertThat(new Ballot(3, "t").weight()).isEqualTo(1.0);
    }

    @Test
    void voterRejectsNulls() {
        assertThatThrownBy(() -> new Voter(null, VoteMethod.MAJORITY)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Voter(AnswerExtractor.defaults(), null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void voteMethodParsing() {
        assertThat(VoteMethod.parse("majority")).isEqualTo(VoteMethod.MAJORITY);
        assertThat(VoteMethod.parse(" Weighted ")).isEqualTo(VoteMethod.WEIGHTED);
        assertThat(VoteMethod.parse("BEST")).isEqualTo(VoteMethod.BEST_OF_N);
        assertThat(VoteMethod.parse("best_of_n")).isEqualTo(VoteMethod.BEST_OF_N);
        assertThatThrownBy(() -> VoteMethod.parse("vote")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown vote method 'vote' (expected majority, weighted or best)");
        assertThatThrownBy(() -> VoteMethod.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
