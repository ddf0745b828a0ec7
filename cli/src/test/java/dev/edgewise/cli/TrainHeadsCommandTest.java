package dev.edgewise.cli;

import dev.edgewise.engine.heads.Heads;
import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * train-heads on a fixture model and its adapter, with planted signals: prompts of two families labelled by
 * family, and labelled branches whose wording depends on their correctness. The heads must then load into
 * {@code reason} and give the probabilities of training time.
 */
class TrainHeadsCommandTest {
    @TempDir
    Path dir;

    private static String[] modelArgs() {
        return new String[] {"--model", Fixtures.path("models/small-q4_0.gguf").toString(),
                "--lora", Fixtures.path("lora/small-r8").toString(), "--threads", "2", "--seed", "5"};
    }

    /** The command words first, then the model options, then the rest. */
    private static String[] withModel(String... args) {
        int words = 0;
        while (words < args.length && !args[words].startsWith("-")) words++;
        String[] out = concat(java.util.Arrays.copyOf(args, words), modelArgs());
        return concat(out, java.util.Arrays.copyOfRange(args, words, args.length));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Two prompt families: arithmetic with steps (reason) and greetings (direct). */
    static List<String> switcherPrompts(int n) {
        Random r = new Random(1);
        String[] nouns = {"apples", "trains", "rivers", "cats", "clouds", "ships", "birds", "lamps"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String prompt = i % 2 == 0 ? "Compute " + (10 + r.nextInt(90)) + " * " + (10 + r.nextInt(90)) + " and show every step."
                    : "Say hello to the " + nouns[r.nextInt(nouns.length)] + " politely.";
            lines.add("{\"prompt\": \"" + prompt + "\", \"label\": \"" + (i % 2 == 0 ? "reason" : "direct") + "\"}");
        }
        return lines;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(CliTest.Run r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return (Map<String, Object>) Json.parse(r.out());
    }

    @Test
    void switcherLearnsPlantedFamiliesAndReasonReproducesItsProbabilities() throws Exception {
        Path data = Files.write(dir.resolve("switch.jsonl"), switcherPrompts(32));
        Path heads = dir.resolve("heads.safetensors");
        Map<String, Object> j = json(CliTest.run(withModel("train-heads", "switcher", "--data", data.toString(),
                "--out", heads.toString(), "--pooling", "mean", "--json")));
        assertThat(((Number) j.get("auc")).doubleValue()).isGreaterThanOrEqualTo(0.95);
        assertThat(((Number) j.get("held_out_examples")).intValue()).isEqualTo(8);
        assertThat(Heads.load(heads).switcher()).isPresent();
        assertThat(Heads.load(heads).verifier()).isEmpty();

        List<String> lines = Files.readAllLines(data);
        for (Object o : (List<?>) j.get("held_out")) {
            Map<?, ?> e = (Map<?, ?>) o;
            String prompt = (String) ((Map<?, ?>) Json.parse(lines.get(((Number) e.get("item")).intValue()))).get("prompt");
            Map<String, Object> reason = json(CliTest.run(withModel("reason", "--heads", heads.toString(), "--prompt", prompt,
                    "--max-tokens", "1", "--branches", "1", "--json")));
            double p = ((Number) e.get("probability")).doubleValue();
            assertThat(((Number) reason.get("switch_probability")).doubleValue()).isCloseTo(p, within(1e-5));
            assertThat(reason.get("decision")).isEqualTo(p >= ((Number) j.get("threshold")).doubleValue() ? "reason" : "direct");
        }

        // the same data and seed again, from the feature cache: the same file, byte for byte
        Path again = dir.resolve("again.safetensors");
        CliTest.Run second = CliTest.run(withModel("train-heads", "switcher", "--data", data.toString(), "--out", again.toString(),
                "--pooling", "mean", "--cache", heads + ".switcher-features.jsonl"));
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(second.err()).contains("resuming: 32 of 32 prompts");
        assertThat(second.out()).contains("held-out AUC").contains("confusion");
        assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(heads));
    }

    @Test
    void anInterruptedExtractionGoesOnWhereItStopped() throws Exception {
        Path data = Files.write(dir.resolve("switch.jsonl"), switcherPrompts(12));
        Path heads = dir.resolve("h.safetensors"), cache = dir.resolve("cache.jsonl");
        String[] args = withModel("train-heads", "switcher", "--data", data.toString(), "--out", heads.toString(),
                "--cache", cache.toString(), "--holdout", "0.5");
        assertThat(CliTest.run(args).exit()).isZero();
        byte[] full = Files.readAllBytes(heads);
        List<String> cached = Files.readAllLines(cache);
        assertThat(cached).hasSize(13);
        // as if stopped while writing the 6th item: header, 5 items, half a line
        String cut = String.join("\n", cached.subList(0, 6)) + "\n" + cached.get(6).substring(0, cached.get(6).length() / 2);
        Files.writeString(cache, cut);
        Files.delete(heads);
        CliTest.Run resumed = CliTest.run(args);
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resuming: 5 of 12 prompts").contains("[6/12]").doesNotContain("[5/12]");
        assertThat(Files.readAllBytes(heads)).isEqualTo(full);
        assertThat(Files.readAllLines(cache)).isEqualTo(cached);

        // other settings are refused, naming the cache
        CliTest.Run other = CliTest.run(concat(args, "--layer", "0"));
        assertThat(other.exit()).isEqualTo(1);
        assertThat(other.err().strip()).contains(cache.toString()).contains("other settings");
    }

    @Test
    void verifierLearnsPlantedBranchLabelsAndBeatsTheMajorityVote() throws Exception {
        Random r = new Random(2);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int a = 10 + r.nextInt(90), b = 10 + r.nextInt(90), right = 1 + r.nextInt(2);
            for (int k = 0; k < 3; k++) {
                String response = k < right ? "I add the tens and then the ones carefully, and I check it twice. The answer is \\\\boxed{" + (a + b) + "}."
                        : "No time to check, just a quick guess from memory. The answer is \\\\boxed{" + (a + b + 1) + "}.";
                lines.add("{\"question\": \"What is " + a + " + " + b + "?\", \"response\": \"" + response + "\", \"correct\": " + (k < right) + "}");
            }
        }
        Path data = Files.write(dir.resolve("branches.jsonl"), lines);
        Path heads = dir.resolve("heads.safetensors");
        Files.write(dir.resolve("switch.jsonl"), switcherPrompts(16));
        assertThat(CliTest.run(withModel("train-heads", "switcher", "--data", dir.resolve("switch.jsonl").toString(),
                "--out", heads.toString())).exit()).isZero();
        Map<String, Object> j = json(CliTest.run(withModel("train-heads", "verifier", "--data", data.toString(),
                "--out", heads.toString(), "--json")));
        assertThat(((Number) j.get("auc")).doubleValue()).isGreaterThanOrEqualTo(0.95);
        assertThat(((Number) j.get("held_out_questions")).intValue()).isEqualTo(6);
        double weighted = ((Number) j.get("weighted_vote_accuracy")).doubleValue(), majority = ((Number) j.get("majority_vote_accuracy")).doubleValue();
        assertThat(weighted).isGreaterThan(majority);
        assertThat(j.get("greedy_accuracy")).isNull(); // labelled branches have no greedy run
        Heads both = Heads.load(heads); // merged: the switcher trained before is still there
        assertThat(both.switcher()).isPresent();
        assertThat(both.verifier()).isPresent();
    }

    @Test
    @SuppressWarnings("unchecked")
    void sampledBranchesAreLabelledAgainstTheGoldAnswer() throws Exception {
        Path data = Files.writeString(dir.resolve("qa.jsonl"), """
                {"question": "What is 2 + 2?", "answer": "4"}
                {"question": "What is 3 + 5?", "answer": "8"}
                {"question": "What is 7 + 1?", "answer": "8"}
                {"question": "What is 9 - 4?", "answer": "5"}
                """);
        Path heads = dir.resolve("v.safetensors");
        CliTest.Run r = CliTest.run(withModel("train-heads", "verifier", "--data", data.toString(), "--out", heads.toString(),
                "--branches", "2", "--budget", "8", "--answer-allowance", "2", "--max-tokens", "12"));
        // a random model never answers right: every branch is labelled wrong, and training says why it cannot go on
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).endsWith("the training split holds only negative examples: a head needs both labels (more data, or another --seed/--holdout)");
        List<String> cache = Files.readAllLines(dir.resolve("v.safetensors.verifier-features.jsonl"));
        assertThat(cache).hasSize(5);
        Map<String, Object> item = (Map<String, Object>) Json.parse(cache.get(1));
        assertThat((List<?>) item.get("branches")).hasSize(2);
        assertThat(item).containsKey("greedy_correct");
    }

    @Test
    void labellingByCorrectnessRunsEachPromptWithoutAndWithReasoning() throws Exception {
        Path data = Files.writeString(dir.resolve("gold.jsonl"), """
                {"prompt": "What is 2 + 2?", "answer": "4"}
                {"question": "What is 3 + 5?", "answer": "8"}
                {"messages": [{"role": "user", "content": "What is 1 + 1?"}], "answer": 2}
                {"prompt": "What is 9 - 4?", "answer": "5"}
                """);
        Path heads = dir.resolve("s.safetensors");
        CliTest.Run r = CliTest.run(withModel("train-heads", "switcher", "--data", data.toString(), "--out", heads.toString(),
                "--label-by-correctness", "--branches", "2", "--budget", "6", "--answer-allowance", "2", "--max-tokens", "8"));
        // a random model is never right, so no prompt is labelled 'reason'; the cache shows both runs' outcomes
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).endsWith("only negative examples: a head needs both labels (more data, or another --seed/--holdout)");
        List<String> cache = Files.readAllLines(dir.resolve("s.safetensors.switcher-features.jsonl"));
        assertThat(cache).hasSize(5);
        for (String line : cache.subList(1, 5)) {
            @SuppressWarnings("unchecked") Map<String, Object> item = (Map<String, Object>) Json.parse(line);
            assertThat(item).containsEntry("direct_correct", false).containsEntry("reason_correct", false)
                    .containsEntry("label", "direct");
        }
        assertThat(heads).doesNotExist();
    }

    @Test
    void badDataNamesTheLine() throws Exception {
        Path data = Files.writeString(dir.resolve("bad.jsonl"), "{\"prompt\": \"hi\", \"label\": \"reason\"}\n{\"prompt\": \"x\", \"label\": \"maybe\"}\n");
        CliTest.Run r = CliTest.run(withModel("train-heads", "switcher", "--data", data.toString(), "--out", dir.resolve("o").toString()));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("edgewise: " + data + ":2: \"label\" must be \"reason\" or \"direct\" (or use --label-by-correctness), got maybe");
        assertThat(dir.resolve("o")).doesNotExist();
    }
}
