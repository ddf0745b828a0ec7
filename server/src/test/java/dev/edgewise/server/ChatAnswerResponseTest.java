package dev.edgewise.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.FinishReason;
import dev.edgewise.engine.TokenEvent;
import dev.edgewise.server.api.CompletionCall;
import dev.edgewise.server.api.JsonBody;
import dev.edgewise.server.api.RequestParser;
import dev.edgewise.server.api.Responses;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** A branch's thinking, answer and tool calls as they reach the response JSON, whole and streamed. */
class ChatAnswerResponseTest {
    private static final Responses.Header CHAT = new Responses.Header("chatcmpl-1", 1, "m", true);
    private static final String TOOLS = """
            "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
             "properties":{"city":{"type":"string"}}}}}]""";
    private static final String CALL_TEXT = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

    private static CompletionCall call(String extra) {
        return RequestParser.chat(("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + extra + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static BranchResult branch(String reasoning, String content) {
        String raw = "<think>\n" + reasoning + "\n</think>\n\n" + content;
        return new BranchResult(0, raw, new int[]{1, 2}, new float[]{-1f, -2f}, FinishReason.END_OF_GENERATION, 0, -1, 0, reasoning, content);
    }

    @Test
    void thinkingAndAnswerGoToReasoningContentAndContent() {
        ChatAnswer a = ChatAnswer.of(branch("Two and two.", "4"), call(""));
        ObjectNode c = Responses.choice(CHAT, 0, a.content(), a.reasoning(), a.toolCalls(), null, FinishReason.END_OF_GENERATION);
        JsonNode m = c.get("message");
        assertThat(m.get("content").asText()).isEqualTo("4");
        assertThat(m.get("reasoning_content").asText()).isEqualTo("Two and two.");
        assertThat(m.has("tool_calls")).isFalse();
        assertThat(c.get("finish_reason").asText()).isEqualTo("stop");
        ChatAnswer plain = ChatAnswer.of(branch("", "4"), call(""));
        assertThat(Responses.choice(CHAT, 0, plain.content(), plain.reasoning(), plain.toolCalls(), null, FinishReason.MAX_TOKENS)
                .get("message").has("reasoning_content")).isFalse();
    }

    @Test
    void toolCallsBecomeOpenAisToolCallsWithArgumentsAsAString() throws Exception {
        ChatAnswer a = ChatAnswer.of(branch("Weather needs a tool.", CALL_TEXT), call("," + TOOLS));
        ObjectNode c = Responses.choice(CHAT, 0, a.content(), a.reasoning(), a.toolCalls(), null, FinishReason.END_OF_GENERATION);
        JsonNode m = c.get("message");
        assertThat(c.get("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(m.get("content").asText()).isEqualTo("Let me check.\n");
        assertThat(m.get("reasoning_content").asText()).isEqualTo("Weather needs a tool.");
        JsonNode call = m.get("tool_calls").get(0);
        assertThat(m.get("tool_calls")).hasSize(1);
        assertThat(call.get("id").asText()).startsWith("call_").hasSize(29);
        assertThat(call.get("type").asText()).isEqualTo("function");
        assertThat(call.get("function").get("name").asText()).isEqualTo("get_weather");
        assertThat(call.get("function").get("arguments").isTextual()).isTrue();
        assertThat(JsonBody.mapper().readTree(call.get("function").get("arguments").asText()).get("city").asText()).isEqualTo("Paris");
        assertThat(call.has("index")).isFalse();

        ChatAnswer only = ChatAnswer.of(branch("", CALL_TEXT.substring("Let me check.\n".length())), call("," + TOOLS));
        assertThat(Responses.choice(CHAT, 0, only.content(), only.reasoning(), only.toolCalls(), null, FinishReason.END_OF_GENERATION)
                .get("message").get("content").isNull()).isTrue();
    }

    @Test
    void withoutToolsOrWithToolChoiceNoneTheTextStaysContent() {
        assertThat(ChatAnswer.of(branch("", CALL_TEXT), call("")).toolCalls()).isEmpty();
        ChatAnswer none = ChatAnswer.of(branch("", CALL_TEXT), call("," + TOOLS + ",\"tool_choice\":\"none\""));
        assertThat(none.toolCalls()).isEmpty();
        assertThat(none.content()).isEqualTo(CALL_TEXT);
    }

    @Test
    void aStreamHoldsBackTheCallAndEndsWithItInTheLastDelta() {
        ChatAnswer.Stream s = new ChatAnswer.Stream(call("," + TOOLS));
        StringBuilder content = new StringBuilder(), reasoning = new StringBuilder();
        int i = 0;
        reasoning.append(s.accept(new TokenEvent(0, i++, 5, "<think>\nhmm", 0f, "hmm", "")).reasoning());
        for (String piece : CALL_TEXT.split("(?<=\\G.{4})")) {
            ChatAnswer d = s.accept(new TokenEvent(0, i++, 5, piece, 0f, "", piece));
            content.append(d.content());
        }
        assertThat(reasoning).hasToString("hmm");
        assertThat(content.toString()).isEqualTo("Let me check.\n").doesNotContain("tool_call");
        ChatAnswer last = s.finish();
        assertThat(last.toolCalls()).hasSize(1);
        ObjectNode delta = Responses.deltaChoice(CHAT, 0, false, null, null, last.toolCalls(), null);
        JsonNode call = delta.get("delta").get("tool_calls").get(0);
        assertThat(call.get("index").asInt()).isZero();
        assertThat(call.get("function").get("name").asText()).isEqualTo("get_weather");
        assertThat(Responses.finishChoice(CHAT, 0, FinishReason.END_OF_GENERATION, true).get("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(new ChatAnswer.Stream(call("")).finish()).isNull();
    }
}
