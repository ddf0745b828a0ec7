package dev.edgewise.engine.tokenizer;

import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acceptance against llama.cpp: its tokenizer test vectors for the real and the mini vocabulary, and the
 * prompts, chat renderings and detokenized texts recorded in every reference dump.
 */
class FixtureVectorsTest {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    @TestFactory
    Stream<DynamicTest> realVocabularyMatchesLlamaCppVectors() throws IOException {
        return vectors("qwen2", FixtureTokenizers.real());
    }

    @TestFactory
    Stream<DynamicTest> miniVocabularyMatchesLlamaCppVectors() throws IOException {
        return vectors("mini", FixtureTokenizers.mini());
    }

    private static Stream<DynamicTest> vectors(String name, Tokenizer tokenizer) throws IOException {
        Path dir = Fixtures.path("tokenizer");
        String inp = Files.readString(dir.resolve(name + ".inp"), StandardCharsets.UTF_8);
        List<String> outLines = Files.readAllLines(dir.resolve(name + ".out"), StandardCharsets.UTF_8);
        assertThat(inp).endsWith(SEPARATOR);
        String[] inputs = inp.substring(0, inp.length() - SEPARATOR.length()).split(SEPARATOR, -1);
        assertThat(inputs).hasSize(46);
        assertThat(outLines).hasSize(inputs.length);
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            String input = inputs[i];
            int[] expected = parseIds(outLines.get(i));
            tests.add(DynamicTest.dynamicTest(name + " #" + i + " " + abbreviate(input), () -> {
                int[] ids = tokenizer.encode(input, false);
                assertThat(ids).as("ids of %s", printable(input)).containsExactly(expected);
                assertThat(tokenizer.decode(ids)).isEqualTo(input);
            }));
        }
        return tests.stream();
    }

    private static int[] parseIds(String line) {
        String t = line.trim();
        return t.isEmpty() ? new int[0] : Arrays.stream(t.split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    @TestFactory
    Stream<DynamicTest> referenceDumpsTokenizeRenderAndDetokenizeAsLlamaCpp() throws IOException {
        Path root = Fixtures.root();
        List<Path> jsons = new ArrayList<>();
        for (String dir : List.of("ref", "lora/ref")) {
            try (Stream<Path> s = Files.list(root.resolve(dir))) {
                s.filter(p -> p.toString().endsWith(".json")).sorted().forEach(jsons::add);
            }
        }
        assertThat(jsons).hasSizeGreaterThanOrEqualTo(60);
        return jsons.stream().map(p -> DynamicTest.dynamicTest(root.relativize(p).toString(), () -> checkDump(p)));
    }

    @SuppressWarnings("unchecked")
    private static void checkDump(Path json) throws IOException {
        Map<String, Object> d = (Map<String, Object>) Json.parse(Files.readString(json, StandardCharsets.UTF_8));
        Tokenizer tok = FixtureTokenizers.forVocabSize((Long) d.get("n_vocab"));
        String prompt = (String) d.get("prompt");
        boolean parseSpecial = (Boolean) d.get("parse_special");
        assertThat((Boolean) d.get("add_special")).isFalse();
        int[] promptTokens = ints(d.get("prompt_tokens"));
        int[] generated = ints(d.get("generated_tokens"));

        assertThat(tok.encode(prompt, parseSpecial)).as("prompt_tokens").containsExactly(promptTokens);

        Object chat = d.get("chat_messages");
        if (chat != null) {
            List<ChatTemplate.Message> messages = new ArrayList<>();
            for (Object o : (List<Object>) chat) {
                Map<String, Object> m = (Map<String, Object>) o;
                messages.add(new ChatTemplate.Message((String) m.get("role"), (String) m.get("content")));
            }
            assertThat(ChatTemplate.render(messages, true)).as("rendered chat").isEqualTo(prompt);
        }

        assertThat(tok.decode(promptTokens)).as("prompt_text").isEqualTo(d.get("prompt_text"));
        assertThat(tok.decode(generated)).as("generated_text").isEqualTo(d.get("generated_text"));
        StreamingDecoder stream = tok.streamingDecoder();
        StringBuilder streamed = new StringBuilder();
        for (int id : generated) streamed.append(stream.accept(id));
        streamed.append(stream.flush());
        assertThat(streamed.toString()).as("streamed generated_text").isEqualTo(d.get("generated_text"));
    }

    private static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Long) o).intValue()).toArray();
    }

    @Test
    void endOfGenerationTokensFollowLlamaCppRule() {
        assertThat(FixtureTokenizers.mini().endOfGenerationTokens()).containsExactly(3976, 3978, 3995, 3996, 3997);
        Tokenizer real = FixtureTokenizers.real();
        // 128247 is "</s>", a NORMAL token of the Qwen2 vocabulary that llama.cpp's text rule makes EOG + CONTROL
        assertThat(real.vocabulary().token(128247)).isEqualTo("</s>");
        assertThat(real.endOfGenerationTokens()).containsExactly(128247, 151643, 151645, 151662, 151663, 151664);
        assertThat(real.isEndOfGeneration(151645)).isTrue();
        assertThat(real.isEndOfGeneration(151644)).isFalse();
        assertThat(real.encode("</s>", true)).containsExactly(128247);
        assertThat(real.encode("</s>", false)).doesNotContain(128247);
        assertThat(real.decode(real.encode("</s>", false))).isEqualTo("</s>");
    }

    @Test
    void documentedObservationsFromTheFixtureReadme() {
        Tokenizer mini = FixtureTokenizers.mini();
        Tokenizer real = FixtureTokenizers.real();
        assertThat(mini.encode("Hello, my name is", false)).containsExactly(39, 301, 385, 11, 847, 829, 374);
        assertThat(real.encode("Hello, my name is", false)).containsExactly(9707, 11, 847, 829, 374);
        assertThat(mini.encode("What is 12 * 7?", false)).containsExactly(3838, 374, 220, 16, 17, 353, 220, 22, 30);
        assertThat(real.encode("What is 12 * 7?", false)).containsExactly(3838, 374, 220, 16, 17, 353, 220, 22, 30);
        // USER_DEFINED <think> is matched without special parsing, CONTROL <|im_start|> is not
        assertThat(mini.encode("<|im_start|>user <think>x", false))
                .containsExactly(27, 91, 318, 1261, 471, 91, 29, 872, 220, 3998, 87);
        assertThat(mini.encode("<|im_start|>user <think>x", true)).containsExactly(3977, 872, 220, 3998, 87);
    }

    private static String abbreviate(String s) {
        String p = printable(s);
        return p.length() > 40 ? p.substring(0, 40) + "..." : p;
    }

    private static String printable(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "\"";
    }
}
