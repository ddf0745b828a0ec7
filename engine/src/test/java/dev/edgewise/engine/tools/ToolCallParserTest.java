package dev.edgewise.engine.tools;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.FinishReason;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tokenizer.ChatTemplate.ToolCall;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Tool calls read from hand-written model outputs in each family's format, whole and streamed. */
class ToolCallParserTest {
    private static final String DS_CALLS = "<\uFF5Ctool\u2581calls\u2581begin\uFF5C>", DS_CALLS_END = "<\uFF5Ctool\u2581calls\u2581end\uFF5C>",
            DS_CALL = "<\uFF5Ctool\u2581call\u2581begin\uFF5C>", DS_CALL_END = "<\uFF5Ctool\u2581call\u2581end\uFF5C>",
            DS_SEP = "<\uFF5Ctool\u2581sep\uFF5C>";

    static final String QWEN_TWO_CALLS = "Let me check both cities.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"c\"}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Tokyo\", \"days\": [1, 2]}}\n</tool_call>";
    static final String DEEPSEEK_TWO_CALLS = "I will look it up." + DS_CALLS + DS_CALL + "function" + DS_SEP + "get_weather\n```json\n{\"city\": \"Paris\"}\n```"
            + DS_CALL_END + "\n" + DS_CALL + "function" + DS_SEP + "add\n```json\n{\"a\": 1, \"b\": 2.5}\n```" + DS_CALL_END + DS_CALLS_END;

    private static ParsedResponse parse(String text) {
        return ToolCallParser.parse(text, Set.of(), new SplittableRandom(1));
    }

    @Test
    void qwenCallsInARowWithContentBefore() {
        ParsedResponse r = parse(QWEN_TWO_CALLS);
        assertThat(r.content()).isEqualTo("Let me check both cities.\n");
        assertThat(r.toolCalls()).extracting(ToolCall::name).containsExactly("get_weather", "get_weather");
        assertThat(r.toolCalls().get(0).arguments()).isEqualTo(Map.of("city", "Paris", "unit", "c"));
        assertThat(r.toolCalls().get(1).arguments()).isEqualTo(Map.of("city", "Tokyo", "days", List.of(1L, 2L)));
        assertThat(r.toolCalls()).extracting(ToolCall::id).allMatch(id -> id.matches("call_[A-Za-z0-9]{24}")).doesNotHaveDuplicates();
        assertThat(ToolCallParser.parse(QWEN_TWO_CALLS, Set.of(), new SplittableRandom(1)).toolCalls()).isEqualTo(r.toolCalls()); // seeded ids
    }

    @Test
    void qwenVariantsLlamaCppAccepts() {
        ParsedResponse id = parse("<tool_call>{\"name\":\"f\",\"arguments\":\"{\\\"x\\\": 1}\",\"id\":\"abc\"}</tool_call> after");
        assertThat(id.toolCalls()).containsExactly(new ToolCall("abc", "f", "{\"x\": 1}"));
        assertThat(id.content()).isEqualTo("after"); // spaces after the closing tag are consumed, as llama.cpp does
        ParsedResponse function = parse("Sure. <function=search>{\"q\": \"java\"}</function>");
        assertThat(function.content()).isEqualTo("Sure. ");
        assertThat(function.toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("search");
            assertThat(c.arguments()).isEqualTo(Map.of("q", "java"));
        });
        ParsedResponse fenced = parse("```json\n<tool_call>\n{\"name\": \"now\"}\n</tool_call>\n```\nDone.");
        assertThat(fenced.toolCalls()).singleElement().satisfies(c -> assertThat(c.arguments()).isEqualTo(Map.of()));
        assertThat(fenced.content()).isEqualTo("Done.");
        ParsedResponse other = parse("x <function_call>{\"name\": \"g\", \"arguments\": {}}</function_call>");
        assertThat(other.toolCalls()).extracting(ToolCall::name).containsExactly("g");
    }

    @Test
    void bareJsonIsACallOnlyWhenItNamesAnOfferedTool() {
        String bare = "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}";
        assertThat(parse(bare).toolCalls()).isEmpty();
        assertThat(parse(bare).content()).isEqualTo(bare);
        ParsedResponse offered = ToolCallParser.parse(bare, Set.of("get_weather"), new SplittableRandom(2));
        assertThat(offered.toolCalls()).extracting(ToolCall::name).containsExactly("get_weather");
        assertThat(offered.content()).isEmpty();
        assertThat(ToolCallParser.parse("{\"name\": \"Bob\", \"age\": 3}", Set.of("get_weather"), new SplittableRandom(2)).toolCalls()).isEmpty();
    }

    @Test
    void deepSeekCallsWithContentBeforeAndAfter() {
        ParsedResponse r = parse(DEEPSEEK_TWO_CALLS + "\nok");
        assertThat(r.content()).isEqualTo("I will look it up.\nok");
        assertThat(r.toolCalls()).extracting(ToolCall::name).containsExactly("get_weather", "add");
        assertThat(r.toolCalls().get(1).arguments()).isEqualTo(Map.of("a", 1L, "b", 2.5));
    }

    @Test
    void malformedOutputIsContentNeverAnException() {
        List<String> bad = List.of(
                "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1}\n</tool_call>",       // unbalanced JSON
                "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n",                           // no closing tag
                "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_cal>",
                "<tool_call>{\"name\": 3, \"arguments\": {}}</tool_call>",                         // name not a string
                "<tool_call>{\"name\": \"\", \"arguments\": {}}</tool_call>",
                "<tool_call>{\"name\": \"f\", \"arguments\": [1]}</tool_call>",                   // arguments neither object nor string
                "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1, \"a\": 2}}</tool_call>",  // duplicate key
                "<tool_call>{\"name\": \"f\", \"arguments\": {\"s\": \"\\q\"}}</tool_call>",      // bad escape
                "<function=f>{\"x\": 1}",
                DS_CALLS + DS_CALL + "function" + DS_SEP + "f\n```json\n{\"x\": }\n```" + DS_CALL_END + DS_CALLS_END,
                DS_CALLS + DS_CALL + "function" + DS_SEP + "f\n```json\n{\"x\": 1}\n```" + DS_CALL_END,   // no block end
                DS_CALLS + "nothing",
                "<tool_call>", "<tool_call>{", "<tool_call>{\"name\"", "");
        for (String text : bad) {
            ParsedResponse r = parse(text);
            assertThat(r.toolCalls()).as(text).isEmpty();
            assertThat(r.content()).as(text).isEqualTo(text);
        }
    }

    @Test
    void branchResultsReadCallsAfterTheThinkingSection() {
        String text = "<think>maybe <tool_call>{\"name\": \"wrong\"}</tool_call></think>\n\n"
                + "<tool_call>\n{\"name\": \"right\", \"arguments\": {\"n\": 1}}\n</tool_call>";
        int end = text.indexOf("</think>") + "</think>".length();
        BranchResult b = new BranchResult(0, text, new int[0], new float[0], FinishReason.END_OF_GENERATION, 0, -1, 0,
                text.substring("<think>".length(), end - "</think>".length()), text.substring(end));
        assertThat(b.toolCalls()).extracting(ToolCall::name).containsExactly("right");
        assertThat(b.toolCalls()).isEqualTo(b.toolCalls());
        assertThat(new BranchResult(1, "plain answer", new int[0], new float[0], FinishReason.MAX_TOKENS, 0, -1, 0, "", "plain answer").toolCalls()).isEmpty();
    }

    @Test
    void streamingReleasesContentBeforeACallAndNothingOfIt() {
        List<String> samples = List.of(QWEN_TWO_CALLS, DEEPSEEK_TWO_CALLS + " tail", "plain text with < and ` and { braces}",
                "```python\nprint(1)\n```\n", "Use <tools> wisely.", "<tool_call>{\"name\": \"f\"", "a ```json\n<tool_call>{\"name\":\"f\"}</tool_call>```");
        SplittableRandom random = new SplittableRandom(5);
        for (String text : samples) {
            ParsedResponse whole = parse(text);
            for (int trial = 0; trial < 50; trial++) {
                ToolCallStream stream = new ToolCallStream(Set.of(), new SplittableRandom(1));
                StringBuilder shown = new StringBuilder();
                List<Integer> cuts = new ArrayList<>();
                for (int i = 0; i < text.length(); ) {
                    int n = trial == 0 ? 1 : 1 + random.nextInt(6);
                    int end = Math.min(text.length(), i + n);
                    shown.append(stream.accept(text.substring(i, end)));
                    cuts.add(shown.length());
                    i = end;
                }
                ToolCallStream.Result r = stream.finish();
                assertThat(shown + r.remainingContent()).as(text).isEqualTo(whole.content());
                assertThat(r.response()).isEqualTo(whole);
                if (whole.hasToolCalls()) assertThat(shown.toString()).doesNotContain("<tool_call>").doesNotContain("\"name\"");
            }
        }
        ToolCallStream s = new ToolCallStream(Set.of(), new SplittableRandom(1));
        assertThat(s.accept("Let me check. <tool")).isEqualTo("Let me check. ");
        assertThat(s.accept("_call>\n{\"name\": \"f\"}\n</tool_call>")).isEmpty();
        assertThat(s.finish().response().toolCalls()).extracting(ToolCall::name).containsExactly("f");
        ToolCallStream plain = new ToolCallStream(Set.of(), new SplittableRandom(1));
        assertThat(plain.accept("Use <to")).isEqualTo("Use ");
        assertThat(plain.accept("ols> wisely")).isEqualTo("<tools> wisely");
    }

    @Test
    void callsRenderedByTheQwenTemplateParseBackToThemselves() throws IOException {
        String source = Files.readString(Fixtures.path("templates/Qwen-Qwen2.5-7B-Instruct.jinja"));
        ChatTemplate template = ChatTemplate.of("qwen2.5", source);
        List<ToolCall> calls = List.of(new ToolCall("call_1", "get_weather", Map.of("city", "Paris")),
                new ToolCall("call_2", "add", Map.of("a", 1L, "b", List.of(true, "x"))));
        String rendered = template.apply(List.of(ChatTemplate.Message.user("hi"), ChatTemplate.Message.assistant("Checking.", null, calls)),
                List.of(), false, Map.of());
        String assistant = rendered.substring(rendered.lastIndexOf("<|im_start|>assistant\n") + "<|im_start|>assistant\n".length(),
                rendered.lastIndexOf("<|im_end|>"));
        ParsedResponse r = parse(assistant);
        assertThat(r.content().strip()).isEqualTo("Checking.");
        assertThat(r.toolCalls()).extracting(ToolCall::name).containsExactly("get_weather", "add");
        assertThat(r.toolCalls()).extracting(ToolCall::arguments).containsExactly(Map.of("city", "Paris"), Map.of("a", 1L, "b", List.of(true, "x")));
    }
}
