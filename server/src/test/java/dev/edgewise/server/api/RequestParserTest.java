package dev.edgewise.server.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestParserTest {
    private static CompletionCall chat(String json) {
        return RequestParser.chat(json.getBytes(StandardCharsets.UTF_8));
    }

    private static ApiException refused(String json) {
        try {
            chat(json);
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("accepted: " + json);
    }

    @Test
    void readsOpenAisFieldsAndExtensions() {
        CompletionCall c = chat("""
                {"model":"m","messages":[{"role":"developer","content":"be brief"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],
                 "max_completion_tokens":7,"max_tokens":9,"temperature":0,"top_p":0.5,"seed":-3,"n":2,"stop":"x","stream":true,
                 "stream_options":{"include_usage":true},"logprobs":true,"ignore_eos":true,"lora":[{"name":"r","scale":0.5}],
                 "chat_template_kwargs":{"enable_thinking":false},"unknown_field":{"anything":[1,2]}}""");
        assertThat(c.messages()).extracting(m -> m.role() + ":" + m.content()).containsExactly("system:be brief", "user:ab");
        assertThat(c.maxTokens()).isEqualTo(7); // max_completion_tokens wins over the deprecated max_tokens
        assertThat(c.temperature()).isZero();
        assertThat(c.topP()).isEqualTo(0.5f);
        assertThat(c.seed()).isEqualTo(-3L);
        assertThat(c.n()).isEqualTo(2);
        assertThat(c.stop()).containsExactly("x");
        assertThat(c.stream()).isTrue();
        assertThat(c.includeUsage()).isTrue();
        assertThat(c.ignoreEos()).isTrue();
        assertThat(c.lora()).containsExactly(new CompletionCall.LoraChoice("r", 0.5f));
        assertThat(c.templateKwargs().get("enable_thinking")).isEqualTo(false);
        assertThat(c.reasoning()).isNull();
    }

    @Test
    void reasoningExtensions() {
        CompletionCall c = chat("{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],\"reasoning\":\"ON\",\"reasoning_budget\":100,\"branches\":4,\"vote\":\"Weighted\"}");
        assertThat(c.reasoning()).isEqualTo(new CompletionCall.Reasoning("on", 100, 4, "weighted"));
        assertThat(refused("{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],\"branches\":2,\"n\":2}").param()).isEqualTo("n");
    }

    @Test
    void completionPromptsAsTextOrTokenIds() {
        CompletionCall t = RequestParser.completion("{\"prompt\":[\"one\"],\"logprobs\":2,\"echo\":true}".getBytes(StandardCharsets.UTF_8));
        assertThat(t.prompt()).isEqualTo("one");
        assertThat(t.logprobs()).isTrue();
        assertThat(t.topLogprobs()).isEqualTo(2);
        assertThat(t.echo()).isTrue();
        CompletionCall ids = RequestParser.completion("{\"prompt\":[1,2,3]}".getBytes(StandardCharsets.UTF_8));
        assertThat(ids.promptTokens()).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> RequestParser.completion("{\"prompt\":[\"a\",\"b\"]}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ApiException.class).hasMessageContaining("one per request");
    }

    @Test
    void refusalsNameTheField() {
        String base = "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],";
        assertThat(refused(base + "\"max_tokens\":1e30}").param()).isEqualTo("max_tokens");
        assertThat(refused(base + "\"max_tokens\":1.5}").getMessage()).contains("integer");
        assertThat(refused(base + "\"temperature\":1e400}").param()).isEqualTo("temperature");
        assertThat(refused(base + "\"seed\":123456789012345678901234567890}").param()).isEqualTo("seed");
        assertThat(refused(base + "\"stop\":[\"a\",1]}").getMessage()).contains("stop[1]");
        assertThat(refused(base + "\"stream_options\":{\"include_usage\":1}}").param()).isEqualTo("stream_options.include_usage");
        assertThat(refused("{\"messages\":[{\"role\":\"user\",\"content\":5}]}").param()).isEqualTo("messages[0].content");
        assertThat(refused("{\"messages\":[]}").param()).isEqualTo("messages");
        assertThat(refused("{}").param()).isEqualTo("messages");
    }

    @Test
    void toolMessagesToolsAndResponseFormat() {
        CompletionCall c = chat("""
                {"messages":[{"role":"user","content":"weather?"},
                  {"role":"assistant","content":null,"reasoning_content":"a tool knows",
                   "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"18 C"}],
                 "tools":[{"type":"function","function":{"name":"get_weather"}}],"tool_choice":"auto",
                 "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"}}}}""");
        var assistant = c.messages().get(1);
        assertThat(assistant.content()).isNull();
        assertThat(assistant.reasoningContent()).isEqualTo("a tool knows");
        assertThat(assistant.toolCalls().getFirst().id()).isEqualTo("call_1");
        assertThat(assistant.toolCalls().getFirst().arguments()).isEqualTo(java.util.Map.of("city", "Paris")); // a JSON string becomes the object
        assertThat(c.messages().get(2).toolCallId()).isEqualTo("call_1");
        assertThat(c.tools()).hasSize(1);
        assertThat(c.responseFormat()).hasToString("json_schema");
        assertThat(chat("{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],\"response_format\":{\"type\":\"text\"}}").responseFormat()).isNull();

        String base = "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],";
        assertThat(refused(base + "\"tools\":[{\"type\":\"function\",\"function\":{}}]}").param()).isEqualTo("tools[0].function.name");
        assertThat(refused(base + "\"tool_choice\":\"required\"}").param()).isEqualTo("tool_choice");
        assertThat(refused(base + "\"response_format\":{\"type\":\"grammar\"}}").param()).isEqualTo("response_format");
        ApiException keyword = refused(base + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":{\"type\":\"string\",\"format\":\"email\"}}}}");
        assertThat(keyword.param()).isEqualTo("response_format");
        assertThat(keyword.getMessage()).contains("'format'");
        assertThat(refused("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"arguments\":1}}]}]}").param())
                .isEqualTo("messages[0]");
    }

    @Test
    void malformedBodiesAreBadJson() {
        assertThat(refused("").code()).isEqualTo("invalid_json");
        assertThat(refused("{\"a\":1} {\"b\":2}").code()).isEqualTo("invalid_json");
        assertThat(refused("{\"a\":1,\"a\":2}").code()).isEqualTo("invalid_json");
        assertThat(refused("[" .repeat(100) + "]".repeat(100)).code()).isEqualTo("invalid_json");
        assertThat(refused("\"just a string\"").getMessage()).contains("a string");
        assertThat(refused("{\"n\":1e-2147483648}").getMessage()).contains("number out of range");
        assertThat(refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"q\"}]}]}").getMessage())
                .contains("'messages[0].content[0].type' is missing");
        byte[] encodedSurrogate = {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'};
        assertThatThrownBy(() -> RequestParser.chat(encodedSurrogate)).isInstanceOf(ApiException.class).hasMessageContaining("UTF-8 (at byte 6)");
    }
}
