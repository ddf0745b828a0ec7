package dev.edgewise.spark;

import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.quant.QuantPreset;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Rows per second of EdgewiseGenerator against the library on the same model, machine and batch
 * size (a benchmark, not a test): {@code Model.generateAll} over batches of B rows, against a
 * one-partition DataFrame through local[1] (one task thread, the model's 2 kernel threads), runs
 * alternated. Arguments: rows, batch size, tokens per row, rounds, model file (default: the
 * synthetic Qwen2.5-0.5B Q4_0 that {@code edgewise bench --synthetic qwen2.5-0.5b} uses).
 */
public final class SparkThroughputBench {
    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Path file = args.length > 4 ? Path.of(args[4]) : SyntheticModels.cached(SyntheticShape.QWEN25_05B, QuantPreset.Q4_0, 1);

        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < rows; i++) prompts.add("Row " + i + ": a short story about the number " + (i * 37 % 101) + ". Once upon a time");

        EdgewiseGenerator generator = new EdgewiseGenerator().setModelPath(file.toString()).setThreads(2).setBatchSize(batch)
                .setMaxTokens(tokens).setTemperature(0.8f).setSeedCol("seed");
        ModelSpec spec = generator.modelSpec(1);
        SparkSession spark = SparkSession.builder().master("local[1]").appName("edgewise-throughput")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
        List<Row> data = new ArrayList<>();
        for (int i = 0; i < rows; i++) data.add(RowFactory.create(prompts.get(i), (long) i));
        Dataset<Row> df = spark.createDataFrame(data, new StructType().add("prompt", DataTypes.StringType).add("seed", DataTypes.LongType))
                .coalesce(1).cache();
        df.count();

        try (Model library = Model.load(file, spec.options())) {
            System.out.printf(Locale.ROOT, "model %s, %d rows x %d tokens, batch %d, threads %d%n", file.getFileName(), rows, tokens, batch,
                    spec.options().threads());
            // warm-up: both paths once (JIT, executor model load)
            runLibrary(library, prompts, batch, tokens);
            generator.transform(df).count();
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                // alternate which path goes first, so a slow phase of the shared machine hits both alike
                double lib = 0, sparkRate = 0;
                for (int k = 0; k < 2; k++) {
                    if ((r + k) % 2 == 0) lib = runLibrary(library, prompts, batch, tokens);
                    else sparkRate = runSpark(generator, df);
                }
                ratios[r] = sparkRate / lib;
                System.out.printf(Locale.ROOT, "round %d: library %.2f rows/s, spark %.2f rows/s, spark/library %.3f%n", r + 1, lib, sparkRate,
                        ratios[r]);
            }
            java.util.Arrays.sort(ratios);
            System.out.printf(Locale.ROOT, "spark/library: median %.3f, range %.3f-%.3f%n", ratios[rounds / 2], ratios[0], ratios[rounds - 1]);
        } finally {
            spark.stop();
        }
    }

    private static double runSpark(EdgewiseGenerator generator, Dataset<Row> df) {
        long t0 = System.nanoTime();
        long n = generator.transform(df).select("tokens").collectAsList().size();
        return n * 1e9 / (System.nanoTime() - t0);
    }

    private static double runLibrary(Model model, List<String> prompts, int batch, int tokens) {
        long t0 = System.nanoTime();
        int done = 0;
        for (int start = 0; start < prompts.size(); start += batch) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (int i = start; i < Math.min(prompts.size(), start + batch); i++) {
                requests.add(GenerationRequest.prompt(prompts.get(i)).maxTokens(tokens)
                        .sampling(SamplingParams.defaults(i).withTemperature(0.8f)).build());
            }
            List<GenerationResult> results = model.generateAll(requests);
            done += results.size();
        }
        return done * 1e9 / (System.nanoTime() - t0);
    }
}
