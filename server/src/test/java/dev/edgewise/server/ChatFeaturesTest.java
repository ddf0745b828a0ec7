package dev.edgewise.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.loader.testing.Fixtures;
import dev.edgewise.server.api.JsonBody;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine's chat features through the official OpenAI SDK: chat_template_kwargs, tools and tool
 * messages rendered by the model's template, tool_calls in responses, response_format, and the
 * reasoning_content / content split, whole and streamed.
 */
class ChatFeaturesTest {
    static EdgewiseServer qwen3;
    static OpenAIClient tinyReal, tinyQwen3;

    @BeforeAll
    static void start() throws Exception {
        EdgewiseServer shared = TestServers.shared();
        OpenAiSdkTest.server = shared;
        tinyReal = OpenAiSdkTest.client(TestServers.KEY);
        ModelOptions m = ModelOptions.defaults().withThreads(1).withContextSize(512).withKvBudgetBytes(4L << 20);
        qwen3 = TestServers.start(ServerOptions.of(Fixtures.path("models/tiny-qwen3-f32.gguf"), m).withApiKey(TestServers.KEY));
        OpenAiSdkTest.server = qwen3;
        tinyQwen3 = OpenAiSdkTest.client(TestServers.KEY);
        OpenAiSdkTest.server = shared;
    }

    @AfterAll
    static void stop() {
        qwen3.close();
    }

    private static final ChatCompletionFunctionTool WEATHER = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
            .name("get_weather").description("The weather in a city")
            .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                    .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                    .putAdditionalProperty("required", JsonValue.from(List.of("city"))).build()).build()).build();

    private static ChatCompletionCreateParams.Builder ask(String user, long maxTokens) {
        return ChatCompletionCreateParams.builder().model("tiny").addUserMessage(user).temperature(0.0).seed(1).maxCompletionTokens(maxTokens);
    }

    @Test
    void chatTemplateKwargsReachTheTemplate() {
        // Qwen3's template closes an empty thinking section in the generation prompt when enable_thinking is false
        long thinking = tinyQwen3.chat().completions().create(ask("hello", 1).build()).usage().orElseThrow().promptTokens();
        long off = tinyQwen3.chat().completions().create(ask("hello", 1)
                .putAdditionalBodyProperty("chat_template_kwargs", JsonValue.from(Map.of("enable_thinking", false))).build())
                .usage().orElseThrow().promptTokens();
        assertThat(off).isGreaterThan(thinking);
    }

    @Test
    void streamedReasoningAndContentAddUpToTheWholeMessage() {
        ChatCompletionCreateParams params = ask("Why is the sky blue?", 40).build();
        ChatCompletion whole = tinyQwen3.chat().completions().create(params);
        var message = whole.choices().getFirst().message();
        String wholeReasoning = message._additionalProperties().containsKey("reasoning_content")
                ? message._additionalProperties().get("reasoning_content").asStringOrThrow() : "";
        StringBuilder content = new StringBuilder(), reasoning = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = tinyQwen3.chat().completions().createStreaming(params)) {
            s.stream().forEach(c -> c.choices().forEach(ch -> {
                ch.delta().content().ifPresent(content::append);
                JsonValue r = ch.delta()._additionalProperties().get("reasoning_content");
                if (r != null) reasoning.append(r.asStringOrThrow());
            }));
        }
        assertThat(content.toString()).isEqualTo(message.content().orElse(""));
        assertThat(reasoning.toString()).isEqualTo(wholeReasoning);
    }

    @Test
    void anAssistantToolCallAndItsResultRenderWithTheOfferedTools() {
        ChatCompletionCreateParams.Builder conversation = ChatCompletionCreateParams.builder().model("tiny")
                .addUserMessage("What is the weather in Paris?")
                .addMessage(ChatCompletionAssistantMessageParam.builder().addToolCall(ChatCompletionMessageFunctionToolCall.builder()
                        .id("call_1").function(ChatCompletionMessageFunctionToolCall.Function.builder().name("get_weather")
                                .arguments("{\"city\":\"Paris\"}").build()).build()).build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("call_1").content("18 C, sunny").build())
                .temperature(0.0).maxCompletionTokens(2);
        long without = tinyReal.chat().completions().create(conversation.build()).usage().orElseThrow().promptTokens();
        ChatCompletion c = tinyReal.chat().completions().create(conversation.addTool(WEATHER).build());
        assertThat(c.usage().orElseThrow().promptTokens()).isGreaterThan(without + 20); // the tool's signature is in the system turn
        long none = tinyReal.chat().completions().create(conversation.toolChoice(ChatCompletionToolChoiceOption.Auto.NONE).build())
                .usage().orElseThrow().promptTokens();
        assertThat(none).isEqualTo(without);
    }

    /** A json_schema constraint that makes the model write a bare call of the offered tool. */
    private static ResponseFormatJsonSchema forcedCall() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("name", Map.of("enum", List.of("get_weather")));
        properties.put("arguments", Map.of("type", "object", "properties", Map.of("city", Map.of("enum", List.of("Paris", "Rome"))),
                "required", List.of("city")));
        return ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder().name("call")
                .schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(properties)) // in order: a call's object starts with its name
                        .putAdditionalProperty("required", JsonValue.from(List.of("name", "arguments"))).build()).build()).build();
    }

    @Test
    void aToolCallInTheOutputBecomesToolCalls() throws Exception {
        ChatCompletionCreateParams params = ask("What is the weather in Paris?", 60).addTool(WEATHER).responseFormat(forcedCall()).build();
        ChatCompletion c = tinyReal.chat().completions().create(params);
        var choice = c.choices().getFirst();
        assertThat(choice.finishReason()).as(choice.message().toString()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(choice.message().content()).isEmpty();
        var call = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
        assertThat(call.id()).startsWith("call_");
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(JsonBody.mapper().readTree(call.function().arguments()).get("city").asText()).isIn("Paris", "Rome");

        List<ChatCompletionChunk.Choice.Delta.ToolCall> streamed = new ArrayList<>();
        List<ChatCompletionChunk.Choice.FinishReason> finish = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = tinyReal.chat().completions().createStreaming(params)) {
            s.stream().forEach(k -> k.choices().forEach(ch -> {
                ch.delta().toolCalls().ifPresent(streamed::addAll);
                ch.finishReason().ifPresent(finish::add);
            }));
        }
        assertThat(streamed).hasSize(1);
        assertThat(streamed.getFirst().index()).isZero();
        assertThat(streamed.getFirst().function().orElseThrow().name()).contains("get_weather");
        assertThat(streamed.getFirst().function().orElseThrow().arguments()).contains(call.function().arguments());
        assertThat(finish).containsExactly(ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS);
    }

    @Test
    void jsonObjectFormatYieldsParseableJson() throws Exception {
        // the random-weights model answers with a JSON string; with this seed it closes it within the budget
        ChatCompletion c = tinyReal.chat().completions().create(ask("Describe a cat as JSON.", 200).temperature(0.7).seed(3)
                .responseFormat(ResponseFormatJsonObject.builder().build()).build());
        var choice = c.choices().getFirst();
        assertThat(choice.finishReason()).as(choice.message().toString()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        JsonNode json = JsonBody.mapper().readTree(choice.message().content().orElseThrow());
        assertThat(json).isNotNull();
    }

    @Test
    void unsupportedSchemaKeywordsAndToolChoicesAreRefused() {
        ResponseFormatJsonSchema pattern = ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                .name("p").schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder().putAdditionalProperty("type", JsonValue.from("string"))
                        .putAdditionalProperty("pattern", JsonValue.from("^a+$")).build()).build()).build();
        assertThatThrownBy(() -> tinyReal.chat().completions().create(ask("hi", 4).responseFormat(pattern).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.param()).contains("response_format");
                    assertThat(e.getMessage()).contains("'pattern'");
                });
        assertThatThrownBy(() -> tinyReal.chat().completions().create(ask("hi", 4).addTool(WEATHER)
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("tool_choice"));
    }
}
