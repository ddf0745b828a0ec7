package dev.edgewise.cli;

import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** demo, eval and reason end to end on the embedded synthetic model and on fixture models. */
class ReasoningCommandsTest {
    @TempDir
    static Path cache;

    @BeforeAll
    static void isolateTheCache() {
        System.setProperty("edgewise.cache", cache.toString());
    }

    @Test
    void demoPrintsTheWholePipeline() {
        CliTest.Run r = CliTest.run("demo", "--branches", "3", "--budget", "16", "--answer-allowance", "4", "--threads", "2", "--seed", "3");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("RANDOM weights").contains("prefill: ").contains("encoded once").contains("switch: switcher p(reason)")
                .contains("budget reached after 16 tokens").contains("verifier:").contains("vote (weighted)");
    }

    @Test
    void evalReportsAccuracyAndLatencyAsJson(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("d.jsonl"), """
                {"question": "What is 2 + 2?", "answer": "4"}

                {"question": "What is 3 * 3?", "answer": 9}
                """);
        CliTest.Run r = CliTest.run("eval", "--data", data.toString(), "--json", "--branches", "2", "--budget", "12",
                "--answer-allowance", "4", "--max-tokens", "24", "--threads", "2", "--seed", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> j = (Map<String, Object>) Json.parse(r.out());
        assertThat(j.get("items")).isEqualTo(2L);
        assertThat(j).containsKeys("accuracy", "mean_thinking_tokens", "mean_answer_tokens", "forced_stop_rate", "ttft_ms", "latency_ms");
    }

    @Test
    void evalRejectsABadLineNamingIt(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("bad.jsonl"), "{\"question\": \"q\", \"answer\": 1}\n{\"question\": 3}\n");
        CliTest.Run r = CliTest.run("eval", "--data", data.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).endsWith("bad.jsonl:2: expected an object with a string \"question\" and an \"answer\"");
    }

    @Test
    void reasonOnAFixtureModelWithItsAdapter() {
        CliTest.Run r = CliTest.run("reason", "--model", Fixtures.path("models/small-q8_0.gguf").toString(),
                "--lora", Fixtures.path("lora/small-r8").toString(), "--reasoning", "on", "--branches", "3", "--budget", "10",
                "--max-tokens", "20", "--threads", "2", "--prompt", "What is 12 * 7?", "--seed", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("decision: reason (forced on)").contains("branch 2:").contains("vote (weighted)")
                .contains("tokens: prompt");
    }
}
