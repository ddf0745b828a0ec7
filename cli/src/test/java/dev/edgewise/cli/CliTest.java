package dev.edgewise.cli;

import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands as a user runs them: exit codes, outputs, and one-line errors. */
class CliTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void logitsWritesTheReferenceLayoutAndMatchesTheExactReference() throws Exception {
        Path root = Fixtures.root();
        @SuppressWarnings("unchecked")
        Map<String, Object> ref = (Map<String, Object>) Json.parse(Files.readString(root.resolve("ref/nano-deep-untied-q8_0.p1.json")));
        List<?> prompt = (List<?>) ref.get("prompt_tokens");
        String ids = String.join(",", prompt.stream().map(String::valueOf).toList());
        Path prefix = dir.resolve("out");
        Run r = run("logits", "--model", root.resolve("models/nano-deep-untied-q8_0.gguf").toString(), "--tokens", ids,
                "--generate", "4", "--threads", "2", "--exact-activations", "--out", prefix.toString()); // Q8_0 runs on 8-bit activations by default
        assertThat(r.exit()).as(r.err()).isZero();

        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(Files.readString(Path.of(prefix + ".json")));
        assertThat(json.get("schema")).isEqualTo("edgewise-ref/1");
        assertThat(((Number) json.get("n_rows")).intValue()).isEqualTo(prompt.size() + 4);
        assertThat((List<?>) json.get("prompt_tokens")).isEqualTo(prompt);
        int vocab = ((Number) json.get("n_vocab")).intValue();
        byte[] raw = Files.readAllBytes(Path.of(prefix + ".logits.f32"));
        assertThat(raw).hasSize((prompt.size() + 4) * vocab * 4);

        // the last prompt row against the exact reference (stored rows begin at n_prompt-4)
        int row = prompt.size() - 1;
        List<?> stored = (List<?>) ref.get("stored_rows");
        int k = stored.indexOf((long) row);
        byte[] exact = Files.readAllBytes(root.resolve((String) ref.get("logits_exact")));
        ByteBuffer ours = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer theirs = ByteBuffer.wrap(exact).order(ByteOrder.LITTLE_ENDIAN);
        double worst = 0;
        for (int v = 0; v < vocab; v++) {
            worst = Math.max(worst, Math.abs(ours.getFloat((row * vocab + v) * 4) - theirs.getFloat((k * vocab + v) * 4)));
        }
        assertThat(worst).isLessThan(1e-3);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("out.json", "out.logits.f32");
        }
    }

    @Test
    void tokenizeMatchesLlamaCpp() {
        Path vocab = Fixtures.path("tokenizer/mini-vocab.gguf");
        Run r = run("tokenize", "--model", vocab.toString(), "--ids", "Hello, my name is");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().trim()).isEqualTo("39 301 385 11 847 829 374");
        Run json = run("tokenize", "--model", vocab.toString(), "--json", "--special", "<|im_start|>user");
        assertThat(json.out()).contains("\"ids\": [3977, 872]");
    }

    @Test
    void runStreamsTextAndReportsSpeedOnStderr() {
        Run r = run("run", "--model", Fixtures.path("models/small-q4_0.gguf").toString(), "--prompt", "Hello, my name is",
                "--temperature", "0", "--max-tokens", "6", "--threads", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("Hello, my name is").hasSizeGreaterThan("Hello, my name is".length() + 1);
        assertThat(r.err()).contains("prompt: 7 tokens").contains("tok/s").contains("first token:");
    }

    @Test
    void benchDecodesAtADepthAndReportsTheWeightBytesEachTokenReads() throws Exception {
        Path model = Fixtures.path("models/small-q4_0.gguf");
        Run r = run("bench", "--model", model.toString(), "-p", "8", "-n", "4", "-r", "1", "--depth", "40", "--threads", "2", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"test\": \"tg4 @ d40\"").contains("\"n_prompt\": 40").contains("\"model_path\": ")
                .contains("\"packed_in_huge_pages\": ").contains("\"warmup_runs\": 1");
        Run cold = run("bench", "--model", model.toString(), "-p", "8", "-n", "2", "-r", "1", "--no-warmup", "--json");
        assertThat(cold.exit()).as(cold.err()).isZero();
        assertThat(cold.out()).contains("\"warmup_runs\": 0");
        // a tied model reads every tensor once per token, the embedding being its output matrix
        var file = dev.edgewise.loader.GGUFFile.open(model);
        long all = 0;
        for (var t : file.tensors()) all += t.byteSize();
        file.close();
        assertThat(r.out()).contains("\"weight_bytes_per_token\": " + all);
        assertThat(run("bench", "--model", model.toString(), "--depth", "-1").exit()).isNotZero();
    }

    @Test
    void benchReportsTheKvTypeAndItsBytesPerPositionAndQ8_0IsRefusedForHeadDimensionsItDoesNotTile() {
        Path model = Fixtures.path("models/small-q4_0.gguf"); // 2 layers, kvDim 128: F16 1024 bytes per position, Q8_0 544
        for (String[] kv : new String[][] {{"f16", "1024"}, {"q8_0", "544"}}) {
            Run r = run("bench", "--model", model.toString(), "-p", "8", "-n", "2", "-r", "1", "--depth", "40", "--threads", "2", "--kv-type", kv[0]);
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("KV cache: " + kv[0] + ", " + kv[1] + " bytes per position");
        }
        Run refused = run("run", "--model", Fixtures.path("models/nano-q4_0.gguf").toString(), "--kv-type", "q8_0", "--prompt", "Hi");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err().lines().toList()).hasSize(1);
        assertThat(refused.err()).contains("head dimension is 16").contains("--kv-type f16").doesNotContain("\tat ");
        Run unknown = run("run", "--model", model.toString(), "--kv-type", "q4_0", "--prompt", "Hi");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.err()).contains("unknown KV cache type 'q4_0' (known: f16, f32, q8_0)");
    }

    @Test
    void inspectPrintsMetadataAndTensors() {
        Run r = run("inspect", Fixtures.path("models/small-q4_k_m.gguf").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("general.architecture").contains("\"qwen2\"").contains("blk.1.ffn_down.weight").contains("Q4_K");
    }

    @Test
    void userMistakesEndInOneLineAndNonZeroExit() throws Exception {
        Run missing = run("run", "--model", dir.resolve("nope.gguf").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("edgewise: no such file: " + dir.resolve("nope.gguf"));

        Run directory = run("run", "--model", dir.toString());
        assertThat(directory.exit()).isEqualTo(1);
        assertThat(directory.err().strip()).isEqualTo("edgewise: " + dir + " is a directory, not a GGUF file");

        Path garbage = Files.write(dir.resolve("garbage.gguf"), "this is not a model at all".getBytes());
        Run bad = run("run", "--model", garbage.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err().lines().toList()).hasSize(1);
        assertThat(bad.err()).contains("garbage.gguf").doesNotContain("Exception").doesNotContain("\tat ");

        Run option = run("run", "--temperature", "hot");
        assertThat(option.exit()).isEqualTo(2);
        assertThat(option.err()).contains("--temperature");

        Run negative = run("run", "--model", garbage.toString(), "--max-tokens", "-3");
        assertThat(negative.exit()).isEqualTo(1);
        assertThat(negative.err().strip()).isEqualTo("edgewise: --max-tokens must be >= 0, got -3");

        Run vocabOnly = run("run", "--model", Fixtures.path("tokenizer/mini-vocab.gguf").toString());
        assertThat(vocabOnly.exit()).isEqualTo(1);
        assertThat(vocabOnly.err()).contains("token_embd.weight").doesNotContain("\tat ");

        Run badToken = run("logits", "--model", Fixtures.path("models/nano-f32.gguf").toString(), "--tokens", "1,99999", "--out", dir.resolve("x").toString());
        assertThat(badToken.exit()).isEqualTo(1);
        assertThat(badToken.err()).contains("99999");
        assertThat(Files.exists(dir.resolve("x.json"))).isFalse();
    }
}
