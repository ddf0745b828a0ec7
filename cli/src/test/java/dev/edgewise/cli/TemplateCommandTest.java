package dev.edgewise.cli;

import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code edgewise template}: every fixture case byte for byte, in input order, errors as lines; and the chat flags of run. */
class TemplateCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void everyFixtureCaseRendersExactlyThroughTheCommand() throws Exception {
        Path templates = Fixtures.path("templates");
        List<String> lines = Files.readString(templates.resolve("cases.jsonl"), StandardCharsets.UTF_8).lines().toList();
        int checked = 0;
        for (String template : List.of("Qwen-Qwen2.5-7B-Instruct.jinja", "Qwen-Qwen3-0.6B.jinja", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja")) {
            List<String> mine = new ArrayList<>();
            for (String l : lines) if (((Map<?, ?>) Json.parse(l)).get("template").equals(template)) mine.add(l);
            Path in = dir.resolve(template + ".jsonl");
            Files.writeString(in, String.join("\n", mine) + "\n", StandardCharsets.UTF_8);
            Run r = run("template", "--template", templates.resolve(template).toString(), "--cases", in.toString(), "--date", "2024-07-26");
            assertThat(r.exit()).as(r.err()).isZero();
            List<String> out = r.out().lines().toList();
            assertThat(out).hasSize(mine.size());
            for (int i = 0; i < mine.size(); i++) {
                Map<?, ?> c = (Map<?, ?>) Json.parse(mine.get(i));
                assertThat(((Map<?, ?>) Json.parse(out.get(i))).get("rendered")).as((String) c.get("case")).isEqualTo(c.get("expected"));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(40);
    }

    @Test
    void aModelSuppliesTemplateAndTokensAndBadLinesBecomeErrorLines() throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, """
                {"messages": [{"role": "user", "content": "hi"}], "add_generation_prompt": true}
                {"messages": "nope"}
                not json
                {"messages": [], "kwargs": {"x": 1}}
                """);
        Run r = run("template", "--model", Fixtures.path("models/tiny-qwen3-q8_0.gguf").toString(), "--cases", in.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(
                "{\"rendered\": \"<|im_start|>user\\nhi<|im_end|>\\n<|im_start|>assistant\\n\"}",
                "{\"error\": \"line 2: field 'messages' must be a list\"}",
                "{\"error\": \"line 3: JSON error at offset 0 (line 1, column 1): unexpected 'n', expected a value\"}",
                "{\"error\": \"template tokenizer.chat_template, line 13: list object has no element 0\"}");
    }

    @Test
    void raisedAndRuntimeErrorsAreOneLineEach() throws Exception {
        Path t = dir.resolve("t.jinja");
        Files.writeString(t, "{% if messages|length > 1 %}{{ raise_exception('only one message') }}{% endif %}{{ messages[0].content.nope() }}");
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]}\n"
                + "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}]}\n");
        Run r = run("template", "--template", t.toString(), "--cases", in.toString());
        assertThat(r.out().lines().toList()).containsExactly("{\"error\": \"only one message\"}",
                "{\"error\": \"template t.jinja, line 1: 'str object' has no attribute 'nope'\"}");
        Files.writeString(t, "{% for %}");
        Run bad = run("template", "--template", t.toString(), "--cases", in.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err().strip()).isEqualTo("edgewise: template t.jinja, line 1: expected a name, got end of statement block");
    }

    @Test
    void runVerbosePromptPrintsTheModelsRenderedTemplate() {
        Run r = run("run", "--model", Fixtures.path("models/tiny-qwen3-q8_0.gguf").toString().replace("tiny-qwen3-q8_0", "nano-q8_0"),
                "--chat", "--prompt", "What is 12 * 7?", "--verbose-prompt", "-n", "2", "--threads", "1", "--hide-thinking",
                "--chat-template-kwargs", "{\"enable_thinking\": false}");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("prompt (49 tokens):\n<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 12 * 7?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(run("run", "--chat", "--show-thinking", "--hide-thinking").err()).contains("--show-thinking and --hide-thinking exclude each other");
        assertThat(run("run", "--chat-template-kwargs", "{}").err()).contains("--chat-template and --chat-template-kwargs need --chat");
        assertThat(run("run", "--chat", "--chat-template-kwargs", "[1]").err()).contains("--chat-template-kwargs: expected a JSON object, got [1]");
    }
}
