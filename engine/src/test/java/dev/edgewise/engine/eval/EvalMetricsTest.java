package dev.edgewise.engine.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvalMetricsTest {
    private static EvalScore score(boolean correct, boolean reasoned, int branches, long thinking, long answer, int forced, double latency) {
        return new EvalScore(correct ? "1" : null, correct, reasoned, Double.NaN, branches, thinking, answer, forced, latency / 2, latency);
    }

    @Test
    void aggregatesPerItemAndPerBranch() {
        EvalMetrics m = EvalMetrics.of(List.of(
                score(true, true, 4, 100, 20, 1, 40),
                score(false, true, 4, 60, 12, 3, 10),
                score(true, false, 1, 0, 8, 0, 30),
                score(false, false, 1, 0, 4, 0, 20)));
        assertThat(m.items()).isEqualTo(4);
        assertThat(m.accuracy()).isEqualTo(0.5);
        assertThat(m.reasonedRate()).isEqualTo(0.5);
        assertThat(m.branches()).isEqualTo(10);
        assertThat(m.meanThinkingTokens()).isEqualTo(16.0);   // 160 / 10 branches
        assertThat(m.meanAnswerTokens()).isEqualTo(4.4);      // 44 / 10
        assertThat(m.forcedStopRate()).isEqualTo(0.4);        // 4 / 10
        // nearest rank over 10, 20, 30, 40: p50 = 2nd value, p90 = 4th
        assertThat(m.latencyMillis()).isEqualTo(new EvalMetrics.Percentiles(20, 40, 40));
        assertThat(m.ttftMillis()).isEqualTo(new EvalMetrics.Percentiles(10, 20, 20));
    }

    @Test
    void percentilesOfOneAndOfTenValues() {
        assertThat(EvalMetrics.Percentiles.of(new double[]{7})).isEqualTo(new EvalMetrics.Percentiles(7, 7, 7));
        double[] ten = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
        assertThat(EvalMetrics.Percentiles.of(ten)).isEqualTo(new EvalMetrics.Percentiles(5, 9, 10));
        assertThat(ten[0]).as("input left unsorted").isEqualTo(10);
        assertThatThrownBy(() -> EvalMetrics.of(List.of())).hasMessageContaining("no items");
    }

    @Test
    void readsJsonlAndNamesTheBadLine(@TempDir Path dir) throws Exception {
        Path ok = Files.writeString(dir.resolve("ok.jsonl"), "{\"question\": \"q1\", \"answer\": \"4\"}\n\n{\"question\": \"q2\", \"answer\": 9}\n");
        assertThat(EvalItem.read(ok)).containsExactly(new EvalItem("q1", "4"), new EvalItem("q2", "9"));
        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"question\": \"q\", \"answer\": 1}\n{\"question\": 3}\n");
        assertThatThrownBy(() -> EvalItem.read(bad)).hasMessageEndingWith("bad.jsonl:2: expected an object with a string \"question\" and an \"answer\"");
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "\n");
        assertThatThrownBy(() -> EvalItem.read(empty)).hasMessageEndingWith("empty.jsonl: no items");
    }
}
