package dev.edgewise.spark;

import dev.edgewise.engine.Model;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.eval.EvalItem;
import dev.edgewise.engine.eval.EvalScore;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.ScaledAdapter;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code edgewise eval} on Spark: every question of a data set through the reasoning pipeline, for
 * every point of a sweep over branches and budgets, as one job (the questions of a batch submitted
 * together, sharing the model's batched steps). {@link #transform} gives one result
 * row per question and sweep point; {@link #evaluate} also aggregates them per sweep point into the
 * figures {@code edgewise eval} reports (the engine's {@code EvalMetrics}, the same code).
 *
 * <pre>{@code
 * EvalSweep sweep = new EdgewiseEval().setModelPath("model.gguf").setAdapters("adapter/").setHeadsPath("heads.safetensors")
 *         .setSweepBranches(1, 4, 8).setSweepBudgets(256, 1000).setSeed(7)
 *         .evaluate(EdgewiseEval.items(spark, Path.of("data/math-sample.jsonl")));
 * }</pre>
 *
 * Defaults are the CLI's ({@code --reasoning auto --branches 4 --budget 1000 --max-tokens 1200
 * --vote weighted}); every question samples with {@code seed} (or a seed column), as the CLI does.
 */
public final class EdgewiseEval extends EdgewiseParams<EdgewiseEval> {
    private static final DefaultParamsReadable<EdgewiseEval> READABLE = new DefaultParamsReadable<>() {};
    static final StructType RESULTS = new StructType()
            .add("sweep_branches", DataTypes.IntegerType, false)
            .add("sweep_budget", DataTypes.IntegerType, false)
            .add("predicted", DataTypes.StringType, true)
            .add("correct", DataTypes.BooleanType, false)
            .add("reasoned", DataTypes.BooleanType, false)
            .add("switch_probability", DataTypes.DoubleType, false)
            .add("branches", DataTypes.IntegerType, false)
            .add("thinking_tokens", DataTypes.LongType, false)
            .add("answer_tokens", DataTypes.LongType, false)
            .add("forced_branches", DataTypes.IntegerType, false)
            .add("ttft_ms", DataTypes.DoubleType, false)
            .add("latency_ms", DataTypes.DoubleType, false);

    private final Param<String> expectedCol;
    private final IntArrayParam sweepBranches, sweepBudgets;

    public EdgewiseEval() {
        this(Identifiable.randomUID("edgewiseEval"));
    }

    public EdgewiseEval(String uid) {
        super(uid, "question", 1200, "weighted", "auto");
        expectedCol = new Param<>(this, "expectedCol", "column of expected answers (any type, compared as text after normalisation)");
        sweepBranches = new IntArrayParam(this, "sweepBranches", "branch counts to evaluate (empty: branches)");
        sweepBudgets = new IntArrayParam(this, "sweepBudgets", "response budgets to evaluate, 0 = no budget forcing (empty: budget)");
        setDefault(expectedCol, "answer");
        setDefault(sweepBranches, new int[0]);
        setDefault(sweepBudgets, new int[0]);
        setBranches(4);
        setBudget(1000);
    }

    public static MLReader<EdgewiseEval> read() {
        return READABLE.read();
    }

    public static EdgewiseEval load(String path) {
        return READABLE.load(path);
    }

    /** An eval data set (JSONL of {@code {"question", "answer"}}, read on the driver) as a DataFrame of question/answer. */
    public static Dataset<Row> items(SparkSession spark, Path jsonl) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (EvalItem item : EvalItem.read(jsonl)) rows.add(RowFactory.create(item.question(), item.answer()));
        StructType schema = new StructType().add("question", DataTypes.StringType, false).add("answer", DataTypes.StringType, false);
        return spark.createDataFrame(rows, schema);
    }

    public Param<String> expectedCol() { return expectedCol; }
    public IntArrayParam sweepBranches() { return sweepBranches; }
    public IntArrayParam sweepBudgets() { return sweepBudgets; }

    public EdgewiseEval setExpectedCol(String v) { set(expectedCol, v); return this; }
    public EdgewiseEval setSweepBranches(int... v) { set(sweepBranches, v.clone()); return this; }
    public EdgewiseEval setSweepBudgets(int... v) { set(sweepBudgets, v.clone()); return this; }

    /** The sweep's branch counts, in the order given. */
    int[] branchPoints() {
        int[] b = $(sweepBranches);
        return b.length == 0 ? new int[]{getBranches()} : b.clone();
    }

    /** The sweep's budgets, in the order given. */
    int[] budgetPoints() {
        int[] b = $(sweepBudgets);
        return b.length == 0 ? new int[]{getBudget()} : b.clone();
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (PromptColumn.of(schema, getInputCol()).isMessages()) throw new IllegalArgumentException("question column '" + getInputCol() + "' must be a string");
        PromptColumn.indexOf(schema, $(expectedCol));
        if (!getSeedCol().isEmpty()) PromptColumn.indexOf(schema, getSeedCol());
        if (settings().reasoning() == null) throw new IllegalArgumentException("EdgewiseEval runs the reasoning pipeline: reasoning must be auto, on or off");
        for (int b : branchPoints()) settings().withSweep(b, 0);
        for (int b : budgetPoints()) settings().withSweep(1, b);
        StructType out = schema;
        for (var f : RESULTS.fields()) {
            if (Arrays.asList(schema.fieldNames()).contains(f.name())) throw new IllegalArgumentException("the input already has a column '" + f.name() + "'");
            out = out.add(f);
        }
        return out;
    }

    /** One result row per question and sweep point (lazy: nothing runs until an action). */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType in = dataset.schema();
        StructType out = transformSchema(in);
        List<Row> grid = new ArrayList<>();
        for (int b : branchPoints()) for (int budget : budgetPoints()) grid.add(RowFactory.create(b, budget));
        SparkSession spark = dataset.sparkSession();
        Dataset<Row> points = spark.createDataFrame(grid, new StructType().add("sweep_branches", DataTypes.IntegerType, false)
                .add("sweep_budget", DataTypes.IntegerType, false));
        // each question once per sweep point, with the point's columns last so they line up with RESULTS
        Dataset<Row> crossed = dataset.toDF().crossJoin(points);
        int questions = in.fields().length;
        RowSeeds seeds = getSeedCol().isEmpty() ? RowSeeds.fixed(getSeed()) : RowSeeds.fromColumn(PromptColumn.indexOf(in, getSeedCol()));
        Questions fn = new Questions(settings(), PromptColumn.of(in, getInputCol()), PromptColumn.indexOf(in, $(expectedCol)), questions, seeds);
        int maxBranches = Arrays.stream(branchPoints()).max().orElse(1);
        PartitionRunner runner = new PartitionRunner(modelSpec(maxBranches), getBatchSize(), fn);
        // the runner appends RESULTS after the input and the two sweep columns: drop the duplicates
        StructType runnerOut = crossed.schema();
        for (var f : RESULTS.fields()) runnerOut = runnerOut.add(f.name() + "__out", f.dataType(), f.nullable());
        Dataset<Row> raw = crossed.mapPartitions(runner, Encoders.row(runnerOut));
        List<org.apache.spark.sql.Column> cols = new ArrayList<>();
        for (var f : in.fields()) cols.add(raw.col(f.name()));
        for (var f : RESULTS.fields()) cols.add(raw.col(f.name() + "__out").as(f.name()));
        return raw.select(cols.toArray(new org.apache.spark.sql.Column[0])).to(out);
    }

    /**
     * Runs the sweep as one job and aggregates each point.
     *
     * @param questions a DataFrame with the question and expected-answer columns (see {@link #items})
     */
    public EvalSweep evaluate(Dataset<?> questions) {
        Dataset<Row> results = transform(questions);
        List<Row> rows = results.collectAsList();
        return EvalSweep.of(branchPoints(), budgetPoints(), rows, results.schema(), questions.sparkSession());
    }

    /** Each question through the pipeline with its sweep point's branches and budget. */
    private record Questions(GenerationSettings settings, PromptColumn question, int expected, int sweepAt, RowSeeds seeds)
            implements PartitionRunner.BatchFunction {

        @Override
        public List<Object[]> apply(ExecutorModels.Lease lease, List<Row> rows) {
            Model model = lease.model();
            List<ScaledAdapter> adapters = lease.adapters(settings.adapters());
            Heads heads = lease.heads(settings.headsPath());
            return PartitionRunner.together(rows, row -> {
                int branches = row.getInt(sweepAt), budget = row.getInt(sweepAt + 1);
                if (row.isNullAt(expected)) throw new IllegalArgumentException("expected answer is null in row " + row);
                String text = question.text(row);
                GenerationSettings point = settings.withSweep(branches, budget);
                ReasoningResult r = model.reason(point.reasoning(point.messages(text), seeds.seed(row, text), adapters, heads), TokenListener.NONE);
                EvalScore s = EvalScore.of(r, String.valueOf(row.get(expected)));
                return new Object[]{branches, budget, s.predicted(), s.correct(), s.reasoned(), s.switchProbability(), s.branches(),
                        s.thinkingTokens(), s.answerTokens(), s.forcedBranches(), s.ttftMillis(), s.latencyMillis()};
            });
        }
    }
}
