package dev.edgewise.cli;

import dev.edgewise.engine.Model;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.eval.EvalItem;
import dev.edgewise.engine.eval.EvalMetrics;
import dev.edgewise.engine.eval.EvalScore;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.ScaledAdapter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code edgewise eval}: runs the reasoning pipeline over a JSONL data set ({@code {"question",
 * "answer"}} per line) and reports accuracy, tokens by phase, the forced-stop rate and latency.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate the reasoning pipeline on a JSONL data set of {\"question\", \"answer\"}.")
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptionsMixin model;

    @Mixin
    LoraOptionsMixin lora;

    @Mixin
    ReasoningOptionsMixin reasoning;

    @Option(names = "--data", paramLabel = "FILE", required = true, description = "JSONL data set (the repository ships data/math-sample.jsonl)")
    Path data;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "evaluate the first N items only (default: all)")
    int limit;

    @Option(names = "--json", description = "print one JSON document instead of the table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<EvalItem> items = EvalItem.read(data);
        if (limit > 0 && limit < items.size()) items = items.subList(0, limit);
        try (PipelineSetup setup = PipelineSetup.open(model, lora, reasoning, err)) {
            Model m = setup.model();
            List<ScaledAdapter> adapters = setup.adapters();
            Heads heads = setup.heads();
            List<EvalScore> scores = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                EvalItem item = items.get(i);
                ReasoningResult r = m.reason(reasoning.request(item.question(), adapters, heads), TokenListener.NONE);
                EvalScore score = EvalScore.of(r, item.answer());
                scores.add(score);
                if (!json) {
                    err.printf(Locale.ROOT, "[%d/%d] %s expected %s, got %s (%s, %.0f ms)%n", i + 1, items.size(), score.correct() ? "ok  " : "miss",
                            item.answer(), score.predicted() == null ? "(none)" : score.predicted(), r.reasoned() ? "reasoned" : "direct",
                            score.latencyMillis());
                }
            }
            Map<String, Object> report = report(items, scores, m);
            if (json) out.print(JsonWriter.write(report));
            else printTable(out, report);
        }
        return 0;
    }

    private Map<String, Object> report(List<EvalItem> items, List<EvalScore> scores, Model m) {
        EvalMetrics metrics = EvalMetrics.of(scores);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("data", data.toString());
        r.put("model", m.config().name());
        r.put("threads", model.options().threads());
        r.put("items", metrics.items());
        r.put("accuracy", metrics.accuracy());
        r.put("reasoned_rate", metrics.reasonedRate());
        r.put("branches", metrics.branches());
        r.put("mean_thinking_tokens", metrics.meanThinkingTokens());
        r.put("mean_answer_tokens", metrics.meanAnswerTokens());
        r.put("forced_stop_rate", metrics.forcedStopRate());
        r.put("ttft_ms", percentiles(metrics.ttftMillis()));
        r.put("latency_ms", percentiles(metrics.latencyMillis()));
        List<Object> rows = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            EvalScore s = scores.get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("question", items.get(i).question());
            row.put("answer", items.get(i).answer());
            row.put("predicted", s.predicted());
            row.put("correct", s.correct());
            row.put("reasoned", s.reasoned());
            row.put("switch_probability", s.switchProbability());
            row.put("latency_ms", s.latencyMillis());
            rows.add(row);
        }
        r.put("results", rows);
        return r;
    }

    private static Map<String, Object> percentiles(EvalMetrics.Percentiles p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", p.p50());
        m.put("p90", p.p90());
        m.put("max", p.max());
        return m;
    }

    @SuppressWarnings("unchecked")
    private static void printTable(PrintWriter out, Map<String, Object> r) {
        Map<String, Object> ttft = (Map<String, Object>) r.get("ttft_ms"), latency = (Map<String, Object>) r.get("latency_ms");
        out.printf(Locale.ROOT, "%n| %-22s | %-10s |%n| %-22s | %-10s |%n", "metric", "value", "-".repeat(22), "-".repeat(10));
        out.printf(Locale.ROOT, "| %-22s | %10d |%n", "items", r.get("items"));
        out.printf(Locale.ROOT, "| %-22s | %9.1f%% |%n", "accuracy", 100 * (double) r.get("accuracy"));
        out.printf(Locale.ROOT, "| %-22s | %9.1f%% |%n", "reasoned", 100 * (double) r.get("reasoned_rate"));
        out.printf(Locale.ROOT, "| %-22s | %10.1f |%n", "mean thinking tokens", r.get("mean_thinking_tokens"));
        out.printf(Locale.ROOT, "| %-22s | %10.1f |%n", "mean answer tokens", r.get("mean_answer_tokens"));
        out.printf(Locale.ROOT, "| %-22s | %9.1f%% |%n", "forced-stop rate", 100 * (double) r.get("forced_stop_rate"));
        out.printf(Locale.ROOT, "| %-22s | %10.0f |%n", "TTFT p50 (ms)", ttft.get("p50"));
        out.printf(Locale.ROOT, "| %-22s | %10.0f |%n", "TTFT p90 (ms)", ttft.get("p90"));
        out.printf(Locale.ROOT, "| %-22s | %10.0f |%n", "latency p50 (ms)", latency.get("p50"));
        out.printf(Locale.ROOT, "| %-22s | %10.0f |%n", "latency p90 (ms)", latency.get("p90"));
        out.printf(Locale.ROOT, "| %-22s | %10.0f |%n", "latency max (ms)", latency.get("max"));
    }
}
