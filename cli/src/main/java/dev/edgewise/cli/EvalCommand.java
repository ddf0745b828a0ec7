package dev.edgewise.cli;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.vote.AnswerNormalizer;
import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.loader.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
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

    @Option(names = "--data", paramLabel = "FILE", required = true, description = "JSONL data set, - for standard input (the repository ships data/math-sample.jsonl)")
    String data;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "evaluate the first N items only (default: all)")
    int limit;

    @Option(names = "--json", description = "print one JSON document instead of the table")
    boolean json;

    record Item(String question, String answer) {}

    record Outcome(Item item, String predicted, boolean correct, ReasoningResult result) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Item> items = read(data);
        if (limit > 0 && limit < items.size()) items = items.subList(0, limit);
        try (PipelineSetup setup = PipelineSetup.open(model, lora, reasoning, err)) {
            Model m = setup.model();
            List<ScaledAdapter> adapters = setup.adapters();
            Heads heads = setup.heads();
            List<Outcome> outcomes = new ArrayList<>();
            // without --json every item prints its own line to stderr, which is progress enough
            ProgressBar progress = ProgressBar.start(err, model.quiet || !json);
            for (int i = 0; i < items.size(); i++) {
                progress.update("eval: item " + (i + 1) + " of " + items.size(), i, items.size());
                Item item = items.get(i);
                ReasoningResult r = m.reason(reasoning.request(item.question(), adapters, heads), TokenListener.NONE);
                String predicted = r.vote().answer().orElse(null);
                boolean correct = predicted != null && predicted.equals(AnswerNormalizer.normalize(item.answer()));
                outcomes.add(new Outcome(item, r.vote().display().orElse(null), correct, r));
                if (!json) {
                    err.printf(Locale.ROOT, "[%d/%d] %s expected %s, got %s (%s, %.0f ms)%n", i + 1, items.size(), correct ? "ok  " : "miss",
                            item.answer(), r.vote().display().orElse("(none)"), r.reasoned() ? "reasoned" : "direct", r.timings().totalNanos() / 1e6);
                }
            }
            progress.close();
            Map<String, Object> report = report(outcomes, m);
            if (json) out.print(JsonWriter.write(report));
            else printTable(out, report);
        }
        return 0;
    }

    static List<Item> read(String data) throws Exception {
        List<Item> items = new ArrayList<>();
        int lineNo = 0;
        String file = TextInput.name(data);
        for (String line : TextInput.string(data).split("\r?\n", -1)) {
            lineNo++;
            if (line.isBlank()) continue;
            Object parsed;
            try {
                parsed = Json.parse(line);
            } catch (RuntimeException e) {
                throw new ModelFormatException(file + ":" + lineNo + ": not JSON: " + e.getMessage());
            }
            if (!(parsed instanceof Map<?, ?> m) || !(m.get("question") instanceof String q) || m.get("answer") == null) {
                throw new ModelFormatException(file + ":" + lineNo + ": expected an object with a string \"question\" and an \"answer\"");
            }
            items.add(new Item(q, String.valueOf(m.get("answer"))));
        }
        if (items.isEmpty()) throw new ModelFormatException(file + ": no items");
        return items;
    }

    private Map<String, Object> report(List<Outcome> outcomes, Model m) {
        int n = outcomes.size(), correct = 0, reasoned = 0, branches = 0, forced = 0;
        long thinking = 0, answer = 0;
        double[] ttft = new double[n], latency = new double[n];
        for (int i = 0; i < n; i++) {
            Outcome o = outcomes.get(i);
            if (o.correct()) correct++;
            if (o.result().reasoned()) reasoned++;
            for (BranchResult b : o.result().branches()) {
                branches++;
                thinking += b.thinkingTokens();
                answer += b.tokens().length - b.thinkingTokens();
                if (b.forcedAt() >= 0) forced++;
            }
            ttft[i] = o.result().timings().timeToFirstTokenNanos() / 1e6;
            latency[i] = o.result().timings().totalNanos() / 1e6;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("data", data);
        r.put("model", m.config().name());
        r.put("threads", model.options().threads());
        r.put("items", n);
        r.put("accuracy", correct / (double) n);
        r.put("reasoned_rate", reasoned / (double) n);
        r.put("branches", branches);
        r.put("mean_thinking_tokens", thinking / (double) branches);
        r.put("mean_answer_tokens", answer / (double) branches);
        r.put("forced_stop_rate", forced / (double) branches);
        r.put("ttft_ms", percentiles(ttft));
        r.put("latency_ms", percentiles(latency));
        List<Object> rows = new ArrayList<>();
        for (Outcome o : outcomes) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("question", o.item().question());
            row.put("answer", o.item().answer());
            row.put("predicted", o.predicted());
            row.put("correct", o.correct());
            row.put("reasoned", o.result().reasoned());
            row.put("switch_probability", o.result().switchProbability());
            row.put("latency_ms", o.result().timings().totalNanos() / 1e6);
            rows.add(row);
        }
        r.put("results", rows);
        return r;
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
