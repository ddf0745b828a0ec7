package dev.edgewise.spark;

import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.vote.Voter;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * A Spark ML {@code Transformer} that generates a continuation of every row's prompt with an
 * Edgewise model. Each executor JVM loads the model once ({@link ExecutorModels}) and keeps it for
 * every task and job after; the rows of a partition are handed to the model {@code batchSize} at a
 * time ({@code Model.generateAll}, which decodes them together). Every row samples with its own seed
 * (a seed column, or a hash of its prompt and {@code seed}), so a retried task writes the same rows.
 *
 * <pre>{@code
 * Dataset<Row> out = new EdgewiseGenerator()
 *         .setModelPath("qwen2.5-0.5b-instruct-q4_0.gguf").setInputCol("prompt").setChat(true)
 *         .setMaxTokens(128).setTemperature(0.7f).setBatchSize(8)
 *         .transform(prompts);   // + text, tokens, finish_reason, answer, timings
 * }</pre>
 *
 * With {@code reasoning} auto, on or off, every row runs the reasoning pipeline instead (adapter,
 * heads, budget forcing, branches and a vote); the rows of a batch are submitted together and share
 * the model's batched steps.
 * Executor JVMs need {@code --add-modules jdk.incubator.vector}.
 */
public final class EdgewiseGenerator extends EdgewiseParams<EdgewiseGenerator> {
    private static final DefaultParamsReadable<EdgewiseGenerator> READABLE = new DefaultParamsReadable<>() {};

    private final Param<String> textCol, tokensCol, finishReasonCol, answerCol, branchesCol, timingsCol;

    public EdgewiseGenerator() {
        this(Identifiable.randomUID("edgewiseGenerator"));
    }

    public EdgewiseGenerator(String uid) {
        super(uid, "prompt", 256, "majority", "none");
        textCol = new Param<>(this, "textCol", "output: generated text (empty: left out)");
        tokensCol = new Param<>(this, "tokensCol", "output: generated token ids (empty: left out)");
        finishReasonCol = new Param<>(this, "finishReasonCol", "output: why generation ended (empty: left out)");
        answerCol = new Param<>(this, "answerCol", "output: the answer voted over the branches (empty: left out)");
        branchesCol = new Param<>(this, "branchesCol", "output: every branch's text, tokens and finish reason (empty: left out)");
        timingsCol = new Param<>(this, "timingsCol", "output: tokens and milliseconds by phase (empty: left out)");
        setDefault(textCol, "text");
        setDefault(tokensCol, "tokens");
        setDefault(finishReasonCol, "finish_reason");
        setDefault(answerCol, "answer");
        setDefault(branchesCol, "");
        setDefault(timingsCol, "timings");
    }

    public static MLReader<EdgewiseGenerator> read() {
        return READABLE.read();
    }

    public static EdgewiseGenerator load(String path) {
        return READABLE.load(path);
    }

    public Param<String> textCol() { return textCol; }
    public Param<String> tokensCol() { return tokensCol; }
    public Param<String> finishReasonCol() { return finishReasonCol; }
    public Param<String> answerCol() { return answerCol; }
    public Param<String> branchesCol() { return branchesCol; }
    public Param<String> timingsCol() { return timingsCol; }

    public EdgewiseGenerator setTextCol(String v) { set(textCol, v); return this; }
    public EdgewiseGenerator setTokensCol(String v) { set(tokensCol, v); return this; }
    public EdgewiseGenerator setFinishReasonCol(String v) { set(finishReasonCol, v); return this; }
    public EdgewiseGenerator setAnswerCol(String v) { set(answerCol, v); return this; }
    public EdgewiseGenerator setBranchesCol(String v) { set(branchesCol, v); return this; }
    public EdgewiseGenerator setTimingsCol(String v) { set(timingsCol, v); return this; }

    private OutputColumns outputs() {
        return new OutputColumns($(textCol), $(tokensCol), $(finishReasonCol), $(answerCol), $(branchesCol), $(timingsCol));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        PromptColumn.of(schema, getInputCol());
        if (!getSeedCol().isEmpty()) PromptColumn.indexOf(schema, getSeedCol());
        settings();
        return outputs().appendTo(schema);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType in = dataset.schema();
        StructType out = transformSchema(in);
        GenerationSettings settings = settings();
        PromptColumn prompt = PromptColumn.of(in, getInputCol());
        RowSeeds seeds = getSeedCol().isEmpty() ? RowSeeds.hashOfPrompt(getSeed()) : RowSeeds.fromColumn(PromptColumn.indexOf(in, getSeedCol()));
        PartitionRunner runner = new PartitionRunner(modelSpec(settings.branches()), getBatchSize(), new Rows(settings, prompt, seeds, outputs()));
        return dataset.toDF().mapPartitions(runner, Encoders.row(out));
    }

    /** One batch of rows through the model at once: plain generation by generateAll, the reasoning pipeline a thread per row. */
    private record Rows(GenerationSettings settings, PromptColumn prompt, RowSeeds seeds, OutputColumns outputs)
            implements PartitionRunner.BatchFunction {

        @Override
        public List<Object[]> apply(ExecutorModels.Lease lease, List<Row> rows) {
            Model model = lease.model();
            List<ScaledAdapter> adapters = lease.adapters(settings.adapters());
            if (settings.reasons()) {
                Heads heads = lease.heads(settings.headsPath());
                return PartitionRunner.together(rows, row -> {
                    var messages = prompt.isMessages() ? prompt.messages(row) : settings.messages(prompt.text(row));
                    ReasoningResult r = model.reason(settings.reasoning(messages, seeds.seed(row, prompt.key(row)), adapters, heads), TokenListener.NONE);
                    return outputs.values(r);
                });
            }
            List<GenerationRequest> requests = new ArrayList<>(rows.size());
            for (Row row : rows) {
                long seed = seeds.seed(row, prompt.key(row));
                requests.add(prompt.isMessages() ? settings.generation(null, prompt.messages(row), seed, adapters)
                        : settings.generation(prompt.text(row), null, seed, adapters));
            }
            Voter voter = settings.voter();
            List<Object[]> out = new ArrayList<>(rows.size());
            for (GenerationResult r : model.generateAll(requests)) out.add(outputs.values(r, voter.voteBranches(r.branches())));
            return out;
        }
    }
}
