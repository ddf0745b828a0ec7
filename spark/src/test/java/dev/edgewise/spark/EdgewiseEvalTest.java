package dev.edgewise.spark;

import dev.edgewise.cli.Main;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.eval.EvalMetrics;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** EdgewiseEval against the edgewise eval command on the repository's sample set and a fixture model. */
class EdgewiseEvalTest {
    private static final Path DATA = Path.of("../data/math-sample.jsonl").toAbsolutePath().normalize();
    private static final int BUDGET = 24;

    @TempDir
    static Path dir;
    private static SparkSession spark;
    private static Path model, adapter, heads;

    @BeforeAll
    static void start() throws Exception {
        model = Fixtures.path("models/small-q4_0.gguf");
        adapter = Fixtures.path("lora/small-r8");
        heads = dir.resolve("heads.safetensors");
        try (Model m = Model.load(model)) {
            Heads.synthetic(m.config().dim(), 11).write(heads);
        }
        spark = LocalSpark.session();
    }

    /** {@code edgewise eval --json} with the given branch count, as a user runs it. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> cli(int branches) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(new String[]{"eval", "--model", model.toString(), "--lora", adapter.toString(), "--heads", heads.toString(),
                "--data", DATA.toString(), "--json", "--reasoning", "on", "--branches", String.valueOf(branches), "--budget", String.valueOf(BUDGET),
                "--answer-allowance", "8", "--max-tokens", "40", "--threads", "2", "--seed", "5"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isZero();
        return (Map<String, Object>) Json.parse(out.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSweepEqualsEdgewiseEvalAtEachPoint() throws Exception {
        Dataset<Row> questions = EdgewiseEval.items(spark, DATA);
        EvalSweep sweep = new EdgewiseEval().setModelPath(model.toString()).setAdapters(adapter.toString()).setHeadsPath(heads.toString())
                .setReasoning("on").setSweepBranches(1, 2).setSweepBudgets(BUDGET).setAnswerAllowance(8).setMaxTokens(40).setThreads(2).setSeed(5).setBatchSize(3)
                .evaluate(questions);
        assertThat(sweep.points()).extracting(EvalSweep.Point::branches).containsExactly(1, 2);
        assertThat(sweep.results().count()).isEqualTo(24);
        assertThat(sweep.metrics(2, BUDGET).branches()).isEqualTo(24);
        assertThat(sweep.metrics(2, BUDGET).forcedStopRate()).as("budget forcing stopped some branches").isPositive();
        for (int branches : new int[]{1, 2}) {
            Map<String, Object> want = cli(branches);
            EvalMetrics got = sweep.metrics(branches, BUDGET);
            assertThat((long) got.items()).isEqualTo(want.get("items"));
            assertThat(got.accuracy()).isEqualTo(want.get("accuracy"));
            assertThat(got.reasonedRate()).isEqualTo(want.get("reasoned_rate"));
            assertThat((long) got.branches()).isEqualTo(want.get("branches"));
            assertThat(got.meanThinkingTokens()).isEqualTo(want.get("mean_thinking_tokens"));
            assertThat(got.meanAnswerTokens()).isEqualTo(want.get("mean_answer_tokens"));
            assertThat(got.forcedStopRate()).isEqualTo(want.get("forced_stop_rate"));
            assertThat(got.latencyMillis().p50()).isPositive();
            assertThat(got.latencyMillis().max()).isGreaterThanOrEqualTo(got.latencyMillis().p90());
            assertThat(got.ttftMillis().p90()).isPositive();

            Map<String, Row> rows = new HashMap<>();
            for (Row r : sweep.results().where("sweep_branches = " + branches).collectAsList()) rows.put(r.getAs("question"), r);
            for (Object o : (List<Object>) want.get("results")) {
                Map<String, Object> w = (Map<String, Object>) o;
                Row r = rows.get((String) w.get("question"));
                assertThat(r).as("question %s", w.get("question")).isNotNull();
                assertThat(r.<String>getAs("predicted")).isEqualTo(w.get("predicted"));
                assertThat(r.<Boolean>getAs("correct")).isEqualTo(w.get("correct"));
                assertThat(r.<Boolean>getAs("reasoned")).isEqualTo(w.get("reasoned"));
                // the same prefill up to float rounding: the Vector API's lane reductions round differently
                // interpreted and compiled, so two JVMs at different stages of warm-up differ in the last bits
                assertThat(r.<Double>getAs("switch_probability")).isCloseTo((Double) w.get("switch_probability"), within(1e-4));
                assertThat(r.<Integer>getAs("branches")).isEqualTo(branches);
            }
        }
    }
}
