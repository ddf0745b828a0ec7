package dev.edgewise.cli;

import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Prompts and texts from files and standard input: run -f, tokenize --file, logits --file, eval --data -. */
class TextInputTest {
    @TempDir
    Path dir;

    /** NUL, a stray continuation byte, a truncated sequence, 0xFF and an overlong NUL between words. */
    private static final byte[] AWKWARD = {'a', 0, 'b', ' ', (byte) 0x80, 'c', (byte) 0xE2, (byte) 0x82, ' ', (byte) 0xFF,
            'd', (byte) 0xC0, (byte) 0x80, '\n'};

    @Test
    void tokenizeFileGivesTheIdsOfLlamaCppsReading() throws Exception {
        Path vocab = Fixtures.path("tokenizer/qwen2-vocab.gguf");
        Path file = Files.write(dir.resolve("awkward.bin"), AWKWARD);
        CliTest.Run r = CliTest.run("tokenize", "--model", vocab.toString(), "--ids", "--file", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        // llama.cpp reads an unreadable byte as U+FFFD and the overlong C0 80 as U+0000
        int[] expected;
        try (GGUFFile g = GGUFFile.open(vocab)) {
            expected = Tokenizer.fromGGUF(g).encode("a\0b \uFFFDc\uFFFD\uFFFD \uFFFDd\0\n", false);
        }
        assertThat(ids(r.out())).containsExactly(expected);

        CliTest.Run stdin = withStdin(AWKWARD, () -> CliTest.run("tokenize", "--model", vocab.toString(), "--ids", "--file", "-"));
        assertThat(stdin.out()).isEqualTo(r.out());
    }

    @Test
    void tokenizeNeedsExactlyOneInput() {
        CliTest.Run none = CliTest.run("tokenize");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("give either TEXT or --file FILE");
        CliTest.Run missing = CliTest.run("tokenize", "--file", dir.resolve("nope.txt").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("edgewise: no such file: " + dir.resolve("nope.txt"));
        CliTest.Run directory = CliTest.run("tokenize", "--file", dir.toString());
        assertThat(directory.err()).contains("is a directory");
    }

    @Test
    void runFromAFileEqualsRunWithThePrompt() throws Exception {
        String model = Fixtures.path("models/nano-q8_0.gguf").toString();
        Path file = Files.writeString(dir.resolve("prompt.txt"), "Hello, my name is");
        CliTest.Run fromFile = CliTest.run("run", "--model", model, "-f", file.toString(), "-n", "12", "--threads", "1", "--temperature", "0");
        CliTest.Run inline = CliTest.run("run", "--model", model, "--prompt", "Hello, my name is", "-n", "12", "--threads", "1", "--temperature", "0");
        assertThat(fromFile.exit()).as(fromFile.err()).isZero();
        assertThat(fromFile.out()).isEqualTo(inline.out()).startsWith("Hello, my name is");
        CliTest.Run chat = withStdin("What is 12 * 7?".getBytes(StandardCharsets.UTF_8),
                () -> CliTest.run("run", "--model", model, "--chat", "-f", "-", "-n", "6", "--threads", "1", "--temperature", "0"));
        CliTest.Run chatInline = CliTest.run("run", "--model", model, "--chat", "--prompt", "What is 12 * 7?", "-n", "6", "--threads", "1", "--temperature", "0");
        assertThat(chat.exit()).as(chat.err()).isZero();
        assertThat(chat.out()).isEqualTo(chatInline.out());
        CliTest.Run both = CliTest.run("run", "--model", model, "-f", file.toString(), "--prompt", "x");
        assertThat(both.exit()).isEqualTo(1);
        assertThat(both.err()).contains("either --prompt or --file");
    }

    @Test
    void logitsFromAFileRecordTheBytesTokens() throws Exception {
        Path file = Files.write(dir.resolve("p.bin"), AWKWARD);
        Path prefix = dir.resolve("out");
        CliTest.Run r = CliTest.run("logits", "--model", Fixtures.path("models/nano-q8_0.gguf").toString(), "--file", file.toString(),
                "--threads", "1", "--out", prefix.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(Files.readString(Path.of(prefix + ".json")));
        int[] expected;
        try (GGUFFile g = GGUFFile.open(Fixtures.path("tokenizer/mini-vocab.gguf"))) {
            expected = Tokenizer.fromGGUF(g).encode(AWKWARD, false);
        }
        assertThat(((List<?>) json.get("prompt_tokens")).stream().mapToInt(o -> ((Number) o).intValue()).toArray()).containsExactly(expected);
    }

    @Test
    void evalReadsItsDataFromStandardInput() {
        byte[] data = "{\"question\": \"q\", \"answer\": 1}\n{\"question\": 3}\n".getBytes(StandardCharsets.UTF_8);
        CliTest.Run r = withStdin(data, () -> CliTest.run("eval", "--data", "-"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("edgewise: standard input:2: expected an object with a string \"question\" and an \"answer\"");
    }

    private static int[] ids(String out) {
        String t = out.strip();
        return t.isEmpty() ? new int[0] : Arrays.stream(t.split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    private static CliTest.Run withStdin(byte[] bytes, Supplier<CliTest.Run> body) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(bytes));
        try {
            return body.get();
        } finally {
            System.setIn(saved);
        }
    }
}
