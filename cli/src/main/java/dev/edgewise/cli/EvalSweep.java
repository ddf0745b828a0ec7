package dev.edgewise.cli;

import dev.edgewise.engine.eval.EvalItem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An eval sweep: every item in every cell of the (reasoning x branches x budget) grid, each finished item
 * appended to a results file at once ({@link FeatureCache}), so a stopped sweep keeps what it finished and a
 * rerun goes on from there (cells added to the grid later reuse the finished ones). Reports one row per cell,
 * as a table or JSON, and draws the plot.
 */
final class EvalSweep {
    private final EvalCommand command;
    private final PipelineSetup setup;
    private final List<EvalItem> items;
    private final List<ReasoningOptionsMixin.Cell> grid;
    private final Path resultsFile;
    private final PrintWriter out, err;

    EvalSweep(EvalCommand command, PipelineSetup setup, List<EvalItem> items, List<ReasoningOptionsMixin.Cell> grid, Path resultsFile,
              PrintWriter out, PrintWriter err) {
        this.command = command;
        this.setup = setup;
        this.items = items;
        this.grid = grid;
        this.resultsFile = resultsFile;
        this.out = out;
        this.err = err;
    }

    void run() throws IOException {
        List<Map<String, Object>> cells = new ArrayList<>();
        try (FeatureCache results = FeatureCache.open(resultsFile, "eval", command.settings(setup.model()))) {
            if (results.size() > 0) err.printf(Locale.ROOT, "edgewise: resuming: %d finished runs in %s%n", results.size(), resultsFile);
            for (ReasoningOptionsMixin.Cell cell : grid) {
                List<Map<String, Object>> records = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    String key = cell.key() + "#" + i;
                    Map<String, Object> rec = results.get(key);
                    if (rec == null) {
                        rec = command.evaluate(setup, items.get(i), cell);
                        results.put(key, rec);
                    }
                    records.add(rec);
                }
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("reasoning", cell.mode().name().toLowerCase(Locale.ROOT));
                c.put("branches_per_question", cell.branches());
                c.put("budget", cell.budget());
                c.putAll(EvalStats.summary(records));
                cells.add(c);
                if (!command.json) {
                    err.printf(Locale.ROOT, "cell %s: accuracy %.3f, %.1f tokens per question, latency p50 %.0f ms%n", cell.key(),
                            (double) c.get("accuracy"), (double) c.get("mean_tokens_per_question"), p(c, "latency_ms", "p50"));
                }
            }
        }
        if (command.plot != null) SweepPlot.write(command.plot, cells, setup.model().config().name() + " on " + Path.of(TextInput.name(command.data)).getFileName());
        Map<String, Object> report = command.header(setup.model());
        report.put("items", items.size());
        report.put("results_file", resultsFile.toString());
        if (command.plot != null) report.put("plot", command.plot.toString());
        report.put("cells", cells);
        if (command.json) out.print(JsonWriter.write(report));
        else printTable(cells);
    }

    @SuppressWarnings("unchecked")
    static double p(Map<String, Object> cell, String metric, String which) {
        return ((Number) ((Map<String, Object>) cell.get(metric)).get(which)).doubleValue();
    }

    private void printTable(List<Map<String, Object>> cells) {
        out.printf(Locale.ROOT, "%n| %-9s | %8s | %6s | %8s | %9s | %9s | %8s | %9s | %9s | %9s | %9s |%n", "reasoning", "branches", "budget",
                "accuracy", "think/br", "answer/br", "forced", "TTFT p50", "lat p50", "lat p90", "KV MiB");
        out.printf(Locale.ROOT, "|%s|%n", "-".repeat(11) + "|" + "-".repeat(10) + "|" + "-".repeat(8) + "|" + "-".repeat(10) + "|"
                + ("-".repeat(11) + "|").repeat(2) + "-".repeat(10) + "|" + ("-".repeat(11) + "|").repeat(3) + "-".repeat(11));
        for (Map<String, Object> c : cells) {
            out.printf(Locale.ROOT, "| %-9s | %8d | %6d | %7.1f%% | %9.1f | %9.1f | %7.1f%% | %9.0f | %9.0f | %9.0f | %9.2f |%n", c.get("reasoning"),
                    c.get("branches_per_question"), c.get("budget"), 100 * (double) c.get("accuracy"), (double) c.get("mean_thinking_tokens"),
                    (double) c.get("mean_answer_tokens"), 100 * (double) c.get("forced_stop_rate"), p(c, "ttft_ms", "p50"), p(c, "latency_ms", "p50"),
                    p(c, "latency_ms", "p90"), ((Number) c.get("kv_peak_bytes")).longValue() / 1048576.0);
        }
        out.printf(Locale.ROOT, "%nresults: %s%s%n", resultsFile, command.plot == null ? "" : ", plot: " + command.plot);
    }
}
