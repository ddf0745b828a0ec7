package dev.edgewise.engine.eval;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.vote.AnswerNormalizer;

/**
 * How the reasoning pipeline did on one evaluation item: what {@link EvalMetrics} aggregates. Plain
 * values, so that scores computed where the model ran (another thread, another JVM) can be
 * aggregated elsewhere.
 *
 * @param predicted         the voted answer as the branch wrote it, or null when no branch answered
 * @param correct           whether the voted answer, normalised, equals the expected one normalised
 * @param reasoned          whether the branches reasoned
 * @param switchProbability the switcher's probability of reasoning (NaN without a switcher)
 * @param branches          branches decoded
 * @param thinkingTokens    tokens generated inside thinking sections, all branches
 * @param answerTokens      the other generated tokens (forced text included), all branches
 * @param forcedBranches    branches whose budget forced an answer
 * @param ttftMillis        time to the first response token
 * @param latencyMillis     the whole request
 */
public record EvalScore(String predicted, boolean correct, boolean reasoned, double switchProbability, int branches,
                        long thinkingTokens, long answerTokens, int forcedBranches, double ttftMillis, double latencyMillis) {

    /** Scores one pipeline result against the expected answer. */
    public static EvalScore of(ReasoningResult r, String expectedAnswer) {
        String voted = r.vote().answer().orElse(null);
        boolean correct = voted != null && voted.equals(AnswerNormalizer.normalize(expectedAnswer));
        long thinking = 0, answer = 0;
        int forced = 0;
        for (BranchResult b : r.branches()) {
            thinking += b.thinkingTokens();
            answer += b.tokens().length - b.thinkingTokens();
            if (b.forcedAt() >= 0) forced++;
        }
        return new EvalScore(r.vote().display().orElse(null), correct, r.reasoned(), r.switchProbability(), r.branches().size(),
                thinking, answer, forced, r.timings().timeToFirstTokenNanos() / 1e6, r.timings().totalNanos() / 1e6);
    }
}
