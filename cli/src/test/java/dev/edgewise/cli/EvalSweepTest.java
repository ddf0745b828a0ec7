package dev.edgewise.cli;

import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** eval sweeps on a fixture model: the grid, the JSON report, the plots, and resuming a stopped sweep. */
class EvalSweepTest {
    @TempDir
    Path dir;

    private String[] sweep(Path data, Path results, String... extra) {
        List<String> a = new ArrayList<>(List.of("eval", "--model", Fixtures.path("models/small-q4_0.gguf").toString(),
                "--lora", Fixtures.path("lora/small-r8").toString(), "--data", data.toString(), "--branches", "1,2", "--budget", "6,12",
                "--reasoning", "on,off", "--answer-allowance", "3", "--max-tokens", "16", "--open-thinking", "--threads", "2",
                "--results", results.toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    private Path data() throws Exception {
        return Files.writeString(dir.resolve("qa.jsonl"), """
                {"question": "What is 2 + 2?", "answer": "4"}
                {"question": "What is 3 * 3?", "answer": 9}
                """);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSweepReportsEveryCellAndDrawsAnSvgWithLabelledAxes() throws Exception {
        Path svg = dir.resolve("sweep.svg"), results = dir.resolve("r.jsonl");
        CliTest.Run r = CliTest.run(sweep(data(), results, "--plot", svg.toString(), "--json"));
        assertThat(r.exit()).as(r.err()).isZero();
        Map<String, Object> j = (Map<String, Object>) Json.parse(r.out());
        List<Map<String, Object>> cells = (List<Map<String, Object>>) j.get("cells");
        assertThat(cells).hasSize(8);
        Map<String, Object> on2 = cells.get(3); // on, 2 branches, budget 12
        assertThat(on2).containsEntry("reasoning", "on").containsEntry("branches_per_question", 2L).containsEntry("budget", 12L);
        assertThat(on2).containsKeys("accuracy", "mean_thinking_tokens", "mean_answer_tokens", "forced_stop_rate", "ttft_ms", "latency_ms", "kv_peak_bytes");
        assertThat(((Number) on2.get("branches")).intValue()).isEqualTo(4); // 2 questions x 2 branches
        assertThat(((Number) on2.get("forced_stop_rate")).doubleValue()).isGreaterThan(0); // thinking opened, budget 12 < max tokens
        assertThat(((Number) on2.get("kv_peak_bytes")).longValue()).isGreaterThan(((Number) cells.get(1).get("kv_peak_bytes")).longValue());
        assertThat(((Number) cells.get(4).get("reasoned_rate")).doubleValue()).isZero(); // off
        assertThat(Files.readAllLines(results)).hasSize(1 + 8 * 2);

        DocumentBuilderFactory xml = DocumentBuilderFactory.newInstance();
        xml.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false); // the SVG 1.0 DOCTYPE is not fetched
        Document doc = xml.newDocumentBuilder().parse(svg.toFile());
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        NodeList texts = doc.getElementsByTagName("text");
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < texts.getLength(); i++) labels.add(texts.item(i).getTextContent().strip());
        assertThat(labels).contains(SweepPlot.ACCURACY_AXIS, SweepPlot.TOKENS_AXIS, SweepPlot.LATENCY_AXIS,
                "on, 1 branch", "on, 2 branches", "off, 1 branch");
    }

    @Test
    void aStoppedSweepResumesAndKeepsWhatItFinished() throws Exception {
        Path data = data(), results = dir.resolve("r.jsonl"), png = dir.resolve("sweep.png");
        CliTest.Run first = CliTest.run(sweep(data, results));
        assertThat(first.exit()).as(first.err()).isZero();
        List<String> lines = Files.readAllLines(results);
        // stopped while writing the 4th run: header, 3 runs, part of a line
        Files.writeString(results, String.join("\n", lines.subList(0, 4)) + "\n" + lines.get(4).substring(0, 20));
        CliTest.Run resumed = CliTest.run(sweep(data, results, "--plot", png.toString()));
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resuming: 3 finished runs");
        List<String> after = Files.readAllLines(results);
        assertThat(after.subList(0, 4)).isEqualTo(lines.subList(0, 4));
        assertThat(after).hasSize(lines.size());
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(SweepPlot.WIDTH);
        assertThat(image.getHeight()).isEqualTo(SweepPlot.HEIGHT);

        CliTest.Run badPlot = CliTest.run(sweep(data, results, "--plot", dir.resolve("x.pdf").toString()));
        assertThat(badPlot.exit()).isEqualTo(1);
        assertThat(badPlot.err().strip()).endsWith("expected a .svg or .png file");
    }

    @Test
    void singleRunCommandsRefuseLists() {
        CliTest.Run r = CliTest.run("reason", "--prompt", "hi", "--branches", "1,2");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).endsWith("--reasoning, --branches and --budget take one value here (lists are for eval sweeps)");
    }
}
