package dev.edgewise.cli;

import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.eval.EvalItem;
import dev.edgewise.engine.eval.EvalMetrics;
import dev.edgewise.engine.eval.EvalScore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One evaluated item as a flat record (what an eval sweep appends to its results file), and the summary of a
 * cell's records. The scoring and the aggregation are the engine's ({@link EvalScore}, {@link EvalMetrics}, which
 * the Spark module uses too); this class only maps them to and from the JSON records, plus the peak KV bytes.
 */
final class EvalStats {
    private EvalStats() {}

    /** The record of one item's run. */
    static Map<String, Object> record(EvalItem item, ReasoningResult r, long kvPeakBytes) {
        EvalScore s = EvalScore.of(r, item.answer());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("question", item.question());
        m.put("answer", item.answer());
        m.put("predicted", s.predicted());
        m.put("correct", s.correct());
        m.put("reasoned", s.reasoned());
        m.put("switch_probability", s.switchProbability());
        m.put("branches", s.branches());
        m.put("thinking_tokens", s.thinkingTokens());
        m.put("answer_tokens", s.answerTokens());
        m.put("forced_branches", s.forcedBranches());
        m.put("ttft_ms", s.ttftMillis());
        m.put("latency_ms", s.latencyMillis());
        m.put("kv_peak_bytes", kvPeakBytes);
        return m;
    }

    /** The summary of a cell's item records (numbers as written by {@link #record}, or read back from JSON). */
    static Map<String, Object> summary(List<Map<String, Object>> records) {
        List<EvalScore> scores = new ArrayList<>(records.size());
        long kvPeak = 0;
        for (Map<String, Object> r : records) {
            scores.add(new EvalScore(r.get("predicted") instanceof String p ? p : null, Boolean.TRUE.equals(r.get("correct")),
                    Boolean.TRUE.equals(r.get("reasoned")), Double.NaN, num(r, "branches").intValue(),
                    num(r, "thinking_tokens").longValue(), num(r, "answer_tokens").longValue(),
                    num(r, "forced_branches").intValue(), num(r, "ttft_ms").doubleValue(), num(r, "latency_ms").doubleValue()));
            kvPeak = Math.max(kvPeak, num(r, "kv_peak_bytes").longValue());
        }
        EvalMetrics m = EvalMetrics.of(scores);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("items", m.items());
        s.put("accuracy", m.accuracy());
        s.put("reasoned_rate", m.reasonedRate());
        s.put("branches", (long) m.branches());
        s.put("mean_thinking_tokens", m.meanThinkingTokens());
        s.put("mean_answer_tokens", m.meanAnswerTokens());
        s.put("mean_tokens_per_question", m.meanTokensPerItem());
        s.put("forced_stop_rate", m.forcedStopRate());
        s.put("ttft_ms", percentiles(m.ttftMillis()));
        s.put("latency_ms", percentiles(m.latencyMillis()));
        s.put("kv_peak_bytes", kvPeak);
        return s;
    }

    private static Number num(Map<String, Object> r, String key) {
        if (!(r.get(key) instanceof Number x)) throw new IllegalArgumentException("result record without a number \"" + key + "\"");
        return x;
    }

    private static Map<String, Object> percentiles(EvalMetrics.Percentiles p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", p.p50());
        m.put("p90", p.p90());
        m.put("max", p.max());
        return m;
    }
}
