package dev.edgewise.cli;

import dev.edgewise.engine.Model;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.eval.EvalItem;
import dev.edgewise.engine.kv.KvBlockPool;
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
 * "answer"}} per line) and reports accuracy, tokens by phase, the forced-stop rate, latency and peak KV
 * memory. Lists in {@code --reasoning}, {@code --branches} or {@code --budget} make a sweep over their grid
 * ({@link EvalSweep}), with a results file that resumes and an optional plot.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate the reasoning pipeline on a JSONL data set of {\"question\", \"answer\"}; "
        + "lists (--branches 1,2,4,8 --budget 256,1024 --reasoning on,off,auto) sweep their grid.")
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

    @Option(names = "--results", paramLabel = "FILE", description = "sweep: per-item results appended as each finishes; a rerun with the same file and settings resumes "
            + "(default: PLOT.results.jsonl, or eval-results.jsonl)")
    Path results;

    @Option(names = "--plot", paramLabel = "FILE", description = "sweep: draw accuracy against mean tokens and against latency, one curve per branch count (.svg or .png)")
    Path plot;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<EvalItem> items = read(data);
        if (limit > 0 && limit < items.size()) items = items.subList(0, limit);
        List<ReasoningOptionsMixin.Cell> grid = reasoning.grid();
        boolean sweep = grid.size() > 1 || plot != null || results != null;
        if (plot != null) SweepPlot.checkFormat(plot);
        if (sweep && reasoning.sampling.seed == null) reasoning.sampling.seed = 0L; // a rerun must sample the same branches to resume
        try (PipelineSetup setup = PipelineSetup.open(model, lora, reasoning, err)) {
            if (sweep) {
                Path file = results != null ? results : plot != null ? plot.resolveSibling(plot.getFileName() + ".results.jsonl") : Path.of("eval-results.jsonl");
                new EvalSweep(this, setup, items, grid, file, out, err).run();
                return 0;
            }
            List<Map<String, Object>> records = new ArrayList<>();
            // without --json every item prints its own line to stderr, which is progress enough
            ProgressBar progress = ProgressBar.start(err, model.quiet || !json);
            for (int i = 0; i < items.size(); i++) {
                progress.update("eval: item " + (i + 1) + " of " + items.size(), i, items.size());
                Map<String, Object> rec = evaluate(setup, items.get(i), grid.getFirst());
                records.add(rec);
                if (!json) {
                    err.printf(Locale.ROOT, "[%d/%d] %s expected %s, got %s (%s, %.0f ms)%n", i + 1, items.size(),
                            Boolean.TRUE.equals(rec.get("correct")) ? "ok  " : "miss", rec.get("answer"),
                            rec.get("predicted") == null ? "(none)" : rec.get("predicted"),
                            Boolean.TRUE.equals(rec.get("reasoned")) ? "reasoned" : "direct", (double) rec.get("latency_ms"));
                }
            }
            progress.close();
            Map<String, Object> report = header(setup.model());
            report.putAll(EvalStats.summary(records));
            report.put("results", records);
            if (json) out.print(JsonWriter.write(report));
            else printTable(out, report);
        }
        return 0;
    }

    /** One item through the pipeline in one cell of the grid, with the KV peak of that request. */
    Map<String, Object> evaluate(PipelineSetup setup, EvalItem item, ReasoningOptionsMixin.Cell cell) throws java.io.IOException {
        Model m = setup.model();
        KvBlockPool pool = m.kvCache().pool();
        pool.resetPeak();
        ReasoningResult r = m.reason(reasoning.request(item.question(), setup.adapters(), setup.heads(), cell), TokenListener.NONE);
        return EvalStats.record(item, r, pool.peakBytesInUse());
    }

    Map<String, Object> header(Model m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("data", data);
        r.put("model", m.config().name());
        r.put("threads", model.options().threads());
        return r;
    }

    /** What a sweep's results depend on besides the cell (a results file made otherwise is refused). */
    String settings(Model m) {
        return String.join(" | ", m.config().name(), String.valueOf(model.model), lora.lora.toString(), String.valueOf(reasoning.heads),
                data.equals("-") ? data : Path.of(data).toAbsolutePath().toString(), "limit " + limit, "seed " + reasoning.sampling.seed, "temperature " + reasoning.sampling.temperature,
                "top-k " + reasoning.sampling.topK, "top-p " + reasoning.sampling.topP, "max tokens " + reasoning.maxTokens,
                "allowance " + reasoning.answerAllowance, "thinking budget " + reasoning.thinkingBudget, "vote " + reasoning.vote,
                "system " + reasoning.system);
    }

    /** The data set of {@code --data}: a JSONL file, or - for standard input. */
    static List<EvalItem> read(String data) throws Exception {
        return EvalItem.parse(TextInput.string(data), TextInput.name(data));
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
        out.printf(Locale.ROOT, "| %-22s | %10.2f |%n", "peak KV (MiB)", ((Number) r.get("kv_peak_bytes")).longValue() / 1048576.0);
    }
}
