package dev.edgewise.spark;

import dev.edgewise.engine.eval.EvalMetrics;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code spark-submit} entry point:
 * <pre>
 * generate --model M --input prompts.parquet|.json|.jsonl --output DIR [--input-col prompt] [--chat]
 *          [--max-tokens N] [--temperature T] [--seed N] [--seed-col C] [--branches N] [--batch-size N] [--lora PATH[:SCALE]]
 * eval     --model M --data math.jsonl [--output DIR] [--lora PATH[:SCALE]] [--heads FILE] [--reasoning auto|on|off]
 *          [--branches 1,4,8] [--budget 256,1000] [--max-tokens N] [--seed N] [--batch-size N]
 * </pre>
 * Results are written as Parquet; eval also prints each sweep point's figures.
 */
public final class EdgewiseJob {
    private EdgewiseJob() {}

    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().appName("edgewise " + (args.length > 0 ? args[0] : "")).getOrCreate();
        try {
            run(spark, args);
        } catch (IllegalArgumentException e) {
            System.err.println("edgewise-spark: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("edgewise-spark: " + e.getMessage());
            System.exit(1);
        } finally {
            spark.stop();
        }
    }

    /** Runs one job; returns eval's sweep (null for generate). */
    static EvalSweep run(SparkSession spark, String[] args) throws Exception {
        if (args.length == 0) throw new IllegalArgumentException("usage: generate|eval --model FILE ... (see EdgewiseJob's documentation)");
        Map<String, String> o = options(Arrays.copyOfRange(args, 1, args.length));
        switch (args[0]) {
            case "generate" -> {
                EdgewiseGenerator g = common(new EdgewiseGenerator(), o).setInputCol(o.getOrDefault("input-col", "prompt"))
                        .setChat(o.containsKey("chat"));
                if (o.containsKey("temperature")) g.setTemperature(Float.parseFloat(o.get("temperature")));
                if (o.containsKey("branches")) g.setBranches(Integer.parseInt(o.get("branches")));
                String input = required(o, "input");
                Dataset<Row> in = input.endsWith(".json") || input.endsWith(".jsonl") ? spark.read().json(input) : spark.read().parquet(input);
                g.transform(in).write().parquet(required(o, "output"));
                return null;
            }
            case "eval" -> {
                EdgewiseEval e = common(new EdgewiseEval(), o);
                if (o.containsKey("heads")) e.setHeadsPath(o.get("heads"));
                if (o.containsKey("reasoning")) e.setReasoning(o.get("reasoning"));
                if (o.containsKey("branches")) e.setSweepBranches(ints(o.get("branches")));
                if (o.containsKey("budget")) e.setSweepBudgets(ints(o.get("budget")));
                EvalSweep sweep = e.evaluate(EdgewiseEval.items(spark, ModelFiles.resolve(required(o, "data"))));
                for (EvalSweep.Point p : sweep.points()) System.out.println(line(p));
                if (o.containsKey("output")) sweep.results().write().parquet(o.get("output"));
                return sweep;
            }
            default -> throw new IllegalArgumentException("unknown job '" + args[0] + "' (expected generate or eval)");
        }
    }

    private static <T extends EdgewiseParams<T>> T common(T p, Map<String, String> o) {
        p.setModelPath(required(o, "model"));
        if (o.containsKey("lora")) p.setAdapters(o.get("lora").split(","));
        if (o.containsKey("max-tokens")) p.setMaxTokens(Integer.parseInt(o.get("max-tokens")));
        if (o.containsKey("seed")) p.setSeed(Long.parseLong(o.get("seed")));
        if (o.containsKey("seed-col")) p.setSeedCol(o.get("seed-col"));
        if (o.containsKey("batch-size")) p.setBatchSize(Integer.parseInt(o.get("batch-size")));
        if (o.containsKey("threads")) p.setThreads(Integer.parseInt(o.get("threads")));
        return p;
    }

    static String line(EvalSweep.Point p) {
        EvalMetrics m = p.metrics();
        return String.format(Locale.ROOT, "branches %d budget %d: items %d, accuracy %.1f%%, reasoned %.1f%%, thinking %.1f / answer %.1f tokens per branch,"
                        + " forced stops %.1f%%, TTFT p50 %.0f ms, latency p50 %.0f / p90 %.0f / max %.0f ms",
                p.branches(), p.budget(), m.items(), 100 * m.accuracy(), 100 * m.reasonedRate(), m.meanThinkingTokens(), m.meanAnswerTokens(),
                100 * m.forcedStopRate(), m.ttftMillis().p50(), m.latencyMillis().p50(), m.latencyMillis().p90(), m.latencyMillis().max());
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected an option, got '" + args[i] + "'");
            String key = args[i].substring(2);
            boolean flag = i + 1 >= args.length || args[i + 1].startsWith("--");
            o.put(key, flag ? "" : args[++i]);
        }
        return o;
    }

    private static String required(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null || v.isEmpty()) throw new IllegalArgumentException("--" + key + " is required");
        return v;
    }

    private static int[] ints(String csv) {
        return List.of(csv.split(",")).stream().mapToInt(s -> Integer.parseInt(s.strip())).toArray();
    }
}
