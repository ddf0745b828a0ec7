package dev.edgewise.engine.eval;

import java.util.Arrays;
import java.util.List;

/**
 * The aggregate figures of an evaluation run (what {@code edgewise eval} reports): accuracy, how
 * often the switcher chose to reason, tokens by phase per branch, how often budget forcing stopped a
 * branch, and time-to-first-token and latency percentiles.
 *
 * @param items              items evaluated
 * @param accuracy           share of items answered correctly
 * @param reasonedRate       share of items whose branches reasoned
 * @param branches           branches decoded, all items
 * @param meanThinkingTokens thinking tokens per branch
 * @param meanAnswerTokens   other generated tokens per branch
 * @param meanTokensPerItem  generated tokens (thinking and answer, all branches) per item
 * @param forcedStopRate     share of branches whose budget forced an answer
 * @param ttftMillis         time to first token over items
 * @param latencyMillis      request latency over items
 */
public record EvalMetrics(int items, double accuracy, double reasonedRate, int branches, double meanThinkingTokens,
                          double meanAnswerTokens, double meanTokensPerItem, double forcedStopRate, Percentiles ttftMillis, Percentiles latencyMillis) {

    /** Nearest-rank percentiles (p = the smallest value with at least p of the values at or below it). */
    public record Percentiles(double p50, double p90, double max) {
        public static Percentiles of(double[] values) {
            if (values.length == 0) throw new IllegalArgumentException("no values");
            double[] s = values.clone();
            Arrays.sort(s);
            return new Percentiles(at(s, 0.5), at(s, 0.9), s[s.length - 1]);
        }

        private static double at(double[] sorted, double q) {
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
        }
    }

    /** Aggregates item scores (in any order: only the percentiles sort, and they sort by value). */
    public static EvalMetrics of(List<EvalScore> scores) {
        int n = scores.size();
        if (n == 0) throw new IllegalArgumentException("no items to aggregate");
        int correct = 0, reasoned = 0, branches = 0, forced = 0;
        long thinking = 0, answer = 0;
        double[] ttft = new double[n], latency = new double[n];
        for (int i = 0; i < n; i++) {
            EvalScore s = scores.get(i);
            if (s.correct()) correct++;
            if (s.reasoned()) reasoned++;
            branches += s.branches();
            thinking += s.thinkingTokens();
            answer += s.answerTokens();
            forced += s.forcedBranches();
            ttft[i] = s.ttftMillis();
            latency[i] = s.latencyMillis();
        }
        return new EvalMetrics(n, correct / (double) n, reasoned / (double) n, branches, thinking / (double) branches,
                answer / (double) branches, (thinking + answer) / (double) n, forced / (double) branches, Percentiles.of(ttft), Percentiles.of(latency));
    }
}
