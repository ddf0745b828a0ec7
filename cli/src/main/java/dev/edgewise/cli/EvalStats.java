package dev.edgewise.cli;

import dev.edgewise.engine.eval.EvalItem;
import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.vote.AnswerNormalizer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One evaluated item as a flat record (what an eval sweep appends to its results file), and the summary of a
 * cell's records: accuracy, tokens by phase, forced-stop rate, TTFT and latency percentiles, peak KV bytes.
 */
final class EvalStats {
    private EvalStats() {}

    /** The record of one item's run. */
    static Map<String, Object> record(EvalItem item, ReasoningResult r, long kvPeakBytes) {
        String predicted = r.vote().answer().orElse(null);
        boolean correct = predicted != null && predicted.equals(AnswerNormalizer.normalize(item.answer()));
        int thinking = 0, answer = 0, forced = 0;
        for (BranchResult b : r.branches()) {
            thinking += b.thinkingTokens();
            answer += b.tokens().length - b.thinkingTokens();
            if (b.forcedAt() >= 0) forced++;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("question", item.question());
        m.put("answer", item.answer());
        m.put("predicted", r.vote().display().orElse(null));
        m.put("correct", correct);
        m.put("reasoned", r.reasoned());
        m.put("switch_probability", r.switchProbability());
        m.put("branches", r.branches().size());
        m.put("thinking_tokens", thinking);
        m.put("answer_tokens", answer);
        m.put("forced_branches", forced);
        m.put("ttft_ms", r.timings().timeToFirstTokenNanos() / 1e6);
        m.put("latency_ms", r.timings().totalNanos() / 1e6);
        m.put("kv_peak_bytes", kvPeakBytes);
        return m;
    }

    /** The summary of a cell's item records (numbers as written by {@link #record}, or read back from JSON). */
    static Map<String, Object> summary(List<Map<String, Object>> records) {
        int n = records.size(), correct = 0, reasoned = 0;
        long branches = 0, thinking = 0, answer = 0, forced = 0, kvPeak = 0;
        double[] ttft = new double[n], latency = new double[n];
        for (int i = 0; i < n; i++) {
            Map<String, Object> r = records.get(i);
            if (Boolean.TRUE.equals(r.get("correct"))) correct++;
            if (Boolean.TRUE.equals(r.get("reasoned"))) reasoned++;
            branches += num(r, "branches").longValue();
            thinking += num(r, "thinking_tokens").longValue();
            answer += num(r, "answer_tokens").longValue();
            forced += num(r, "forced_branches").longValue();
            kvPeak = Math.max(kvPeak, num(r, "kv_peak_bytes").longValue());
            ttft[i] = num(r, "ttft_ms").doubleValue();
            latency[i] = num(r, "latency_ms").doubleValue();
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("items", n);
        s.put("accuracy", correct / (double) n);
        s.put("reasoned_rate", reasoned / (double) n);
        s.put("branches", branches);
        s.put("mean_thinking_tokens", thinking / (double) branches);
        s.put("mean_answer_tokens", answer / (double) branches);
        s.put("mean_tokens_per_question", (thinking + answer) / (double) n);
        s.put("forced_stop_rate", forced / (double) branches);
        s.put("ttft_ms", percentiles(ttft));
        s.put("latency_ms", percentiles(latency));
        s.put("kv_peak_bytes", kvPeak);
        return s;
    }

    private static Number num(Map<String, Object> r, String key) {
        if (!(r.get(key) instanceof Number x)) throw new IllegalArgumentException("result record without a number \"" + key + "\"");
        return x;
    }

    static Map<String, Object> percentiles(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("p50", at(s, 0.5));
        p.put("p90", at(s, 0.9));
        p.put("max", s[s.length - 1]);
        return p;
    }

    private static double at(double[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }
}
