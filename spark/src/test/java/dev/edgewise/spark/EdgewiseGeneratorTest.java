package dev.edgewise.spark;

import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.tokenizer.ChatTemplate.Message;
import dev.edgewise.loader.testing.Fixtures;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** EdgewiseGenerator in Spark local mode on a fixture model, against the library itself. */
class EdgewiseGeneratorTest {
    private static final int ROWS = 40, MAX_TOKENS = 12;
    private static final float TEMPERATURE = 0.9f;
    private static final AtomicInteger INJECTED_FAILURES = new AtomicInteger();

    private static SparkSession spark;
    private static Path modelFile;
    private static Model library;

    @BeforeAll
    static void start() throws Exception {
        modelFile = Fixtures.path("models/small-q4_0.gguf");
        spark = LocalSpark.session();
        library = Model.load(modelFile, ModelOptions.defaults().withContextSize(4096).withBatchSize(64));
    }

    @AfterAll
    static void stop() {
        if (library != null) library.close();
    }

    private static String prompt(int i) {
        return "Row " + i + ": what is " + (i * 7 % 13) + " plus " + (i * 5 % 11) + "? The answer is";
    }

    /** 40 rows of id, prompt and seed, in 4 partitions. */
    private static Dataset<Row> prompts() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) rows.add(RowFactory.create(i, prompt(i), 1000L + 31L * i));
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("prompt", DataTypes.StringType).add("seed", DataTypes.LongType);
        return spark.createDataFrame(rows, schema).repartition(4);
    }

    private static EdgewiseGenerator generator() {
        return new EdgewiseGenerator().setModelPath(modelFile.toString()).setMaxTokens(MAX_TOKENS).setTemperature(TEMPERATURE).setBatchSize(4);
    }

    private static GenerationResult expected(GenerationRequest.Builder request, long seed) {
        return library.generate(request.maxTokens(MAX_TOKENS).sampling(SamplingParams.defaults(seed).withTemperature(TEMPERATURE)).build(),
                TokenListener.NONE);
    }

    private static Map<Integer, Row> byId(Dataset<Row> out) {
        Map<Integer, Row> m = new TreeMap<>();
        for (Row r : out.collectAsList()) m.put(r.getAs("id"), r);
        return m;
    }

    private static int[] tokens(Row r) {
        return r.<Integer>getList(r.fieldIndex("tokens")).stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void fortyRowsGiveRowForRowTheTokensOfModelGenerateWithTheSameSeed() {
        Map<Integer, Row> out = byId(generator().setSeedCol("seed").transform(prompts()));
        assertThat(out).hasSize(ROWS);
        int distinct = 0;
        for (int i = 0; i < ROWS; i++) {
            Row r = out.get(i);
            GenerationResult want = expected(GenerationRequest.prompt(prompt(i)), 1000L + 31L * i);
            assertThat(tokens(r)).as("row %d", i).containsExactly(want.tokens());
            assertThat(r.<String>getAs("text")).isEqualTo(want.text());
            assertThat(r.<String>getAs("finish_reason")).isEqualTo(want.finishReason().name().toLowerCase());
            Row timings = r.getAs("timings");
            assertThat(timings.<Integer>getAs("prompt_tokens")).isEqualTo(want.promptTokens().length);
            assertThat(timings.<Integer>getAs("generated_tokens")).isEqualTo(want.tokens().length);
            assertThat(timings.<Double>getAs("total_ms")).isPositive();
            if (i > 0 && !java.util.Arrays.equals(tokens(r), tokens(out.get(i - 1)))) distinct++;
        }
        assertThat(distinct).as("rows differ from their neighbours").isGreaterThan(ROWS / 2);
    }

    @Test
    void chatMessagesWithBranchesEqualTheLibraryAndAreVoted() {
        StructType message = new StructType().add("role", DataTypes.StringType).add("content", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            rows.add(RowFactory.create(i, List.of(RowFactory.create("system", "You are terse."), RowFactory.create("user", prompt(i))), 7L + i));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("messages", DataTypes.createArrayType(message)).add("seed", DataTypes.LongType);
        Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2);
        Map<Integer, Row> out = byId(generator().setInputCol("messages").setSeedCol("seed").setBranches(3).setBranchesCol("branches").transform(df));
        for (int i = 0; i < 6; i++) {
            List<Message> messages = List.of(new Message("system", "You are terse."), new Message("user", prompt(i)));
            GenerationResult want = expected(GenerationRequest.chat(messages).branches(3), 7L + i);
            List<Row> branches = out.get(i).getList(out.get(i).fieldIndex("branches"));
            assertThat(branches).hasSize(3);
            for (int b = 0; b < 3; b++) {
                assertThat(branches.get(b).<String>getAs("text")).as("row %d branch %d", i, b).isEqualTo(want.branches().get(b).text());
            }
            assertThat(tokens(out.get(i))).containsExactly(want.tokens());
        }
    }

    @Test
    void rowHashSeedsDoNotDependOnPartitioning() {
        EdgewiseGenerator g = generator().setSeed(99);
        Map<Integer, Row> four = byId(g.transform(prompts()));
        Map<Integer, Row> one = byId(g.transform(prompts().coalesce(1)));
        for (int i = 0; i < ROWS; i++) assertThat(tokens(one.get(i))).as("row %d", i).containsExactly(tokens(four.get(i)));
        long seed = RowSeeds.hashOfPrompt(99).seed(null, prompt(3));
        assertThat(tokens(four.get(3))).containsExactly(expected(GenerationRequest.prompt(prompt(3)), seed).tokens());
    }

    @Test
    void theModelIsLoadedOncePerExecutorJvmAcrossTasksAndJobs() {
        // a context size no other test uses: a model of its own in the cache
        EdgewiseGenerator g = generator().setContextSize(1024).setSeedCol("seed");
        long before = ExecutorModels.loads();
        Dataset<Row> df = prompts();
        List<Row> first = g.transform(df).collectAsList();   // 4 tasks on 2 threads
        List<Row> second = g.transform(df).collectAsList();  // a second job
        assertThat(ExecutorModels.loads() - before).isEqualTo(1);
        assertThat(first).hasSize(ROWS);
        assertThat(second).hasSize(ROWS);
    }

    @Test
    void aModelShippedWithAddFileIsFoundByItsName() {
        spark.sparkContext().addFile(modelFile.toString());
        Map<Integer, Row> shipped = byId(generator().setModelPath(modelFile.getFileName().toString()).setSeedCol("seed").transform(prompts().limit(4)));
        for (Map.Entry<Integer, Row> e : shipped.entrySet()) {
            assertThat(tokens(e.getValue())).containsExactly(expected(GenerationRequest.prompt(prompt(e.getKey())), 1000L + 31L * e.getKey()).tokens());
        }
    }

    @Test
    void aTaskKilledMidPartitionAndRetriedGivesTheSameRows() {
        Map<Integer, Row> clean = byId(generator().transform(prompts()));
        INJECTED_FAILURES.set(0);
        StructType schema = prompts().schema();
        // the 6th row a partition reads fails on the first attempt: the model has already served the partition's first batch of 4
        Dataset<Row> flaky = prompts().map((MapFunction<Row, Row>) r -> {
            TaskContext task = TaskContext.get();
            if (task.attemptNumber() == 0 && task.partitionId() == 1 && ++RowCounter.seen[(int) task.taskAttemptId() % 64] == 6) {
                INJECTED_FAILURES.incrementAndGet();
                throw new IllegalStateException("injected failure mid-partition");
            }
            return r;
        }, Encoders.row(schema));
        Map<Integer, Row> retried = byId(generator().transform(flaky));
        assertThat(INJECTED_FAILURES.get()).isEqualTo(1);
        assertThat(retried.keySet()).isEqualTo(clean.keySet());
        for (int i : clean.keySet()) {
            assertThat(tokens(retried.get(i))).as("row %d", i).containsExactly(tokens(clean.get(i)));
            assertThat(retried.get(i).<String>getAs("text")).isEqualTo(clean.get(i).getAs("text"));
        }
    }

    /** Rows read by each task attempt (local mode: one JVM). */
    static final class RowCounter {
        static final int[] seen = new int[64];
    }

    @Test
    void badSettingsAndMissingFilesFailWithOneClearMessage() {
        assertThatThrownBy(() -> generator().setInputCol("nope").transform(prompts()))
                .hasMessageContaining("no column 'nope'");
        assertThatThrownBy(() -> generator().setInputCol("id").transform(prompts()))
                .hasMessageContaining("input column 'id' is int");
        assertThatThrownBy(() -> generator().setTopP(0f).transform(prompts())).hasMessageContaining("top-p");
        assertThatThrownBy(() -> generator().setModelPath("/nonexistent/model.gguf").transform(prompts().limit(1)).collectAsList())
                .hasStackTraceContaining("no such file on executor").hasStackTraceContaining("--files");
    }

    @Test
    void theGenerateJobWritesParquet(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path input = dir.resolve("prompts.jsonl");
        java.nio.file.Files.writeString(input, "{\"id\": 1, \"prompt\": \"" + prompt(1) + "\", \"seed\": 1031}\n"
                + "{\"id\": 2, \"prompt\": \"" + prompt(2) + "\", \"seed\": 1062}\n");
        EdgewiseJob.run(spark, new String[]{"generate", "--model", modelFile.toString(), "--input", input.toString(), "--output",
                dir.resolve("out").toString(), "--seed-col", "seed", "--max-tokens", String.valueOf(MAX_TOKENS), "--temperature", String.valueOf(TEMPERATURE)});
        Map<Integer, Row> out = new TreeMap<>();
        for (Row r : spark.read().parquet(dir.resolve("out").toString()).collectAsList()) out.put(((Long) r.getAs("id")).intValue(), r);
        assertThat(out.keySet()).containsExactly(1, 2);
        assertThat(tokens(out.get(2))).containsExactly(expected(GenerationRequest.prompt(prompt(2)), 1062).tokens());
        assertThatThrownBy(() -> EdgewiseJob.run(spark, new String[]{"generate", "--input", input.toString()}))
                .hasMessage("--model is required");
    }

    @Test
    void paramsSurviveSaveAndLoad(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        EdgewiseGenerator g = generator().setSeedCol("seed").setBranches(2).setAdapters("a/:0.5").setStopStrings("\n");
        g.save(dir.resolve("g").toString());
        EdgewiseGenerator back = EdgewiseGenerator.load(dir.resolve("g").toString());
        assertThat(back.uid()).isEqualTo(g.uid());
        assertThat(back.getBranches()).isEqualTo(2);
        assertThat(back.getSeedCol()).isEqualTo("seed");
        assertThat(back.getOrDefault(back.adapters())).containsExactly("a/:0.5");
        assertThat(back.getOrDefault(back.stopStrings())).containsExactly("\n");
        assertThat(back.settings()).isEqualTo(g.settings());
    }
}
