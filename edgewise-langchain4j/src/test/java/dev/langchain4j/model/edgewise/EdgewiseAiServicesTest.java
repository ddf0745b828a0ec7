package dev.langchain4j.model.edgewise;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.ThinkingSplitter;
import dev.edgewise.engine.TokenEvent;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The provider under LangChain4j's own AiServices, on a fixture model (random weights, the Qwen2.5
 * chat template in the file). Random weights cannot choose tools, so the model's output is scripted
 * through the provider's generation seam: each request still runs the real model, whose rendered
 * prompt (tools, tool calls and tool results through the template) is recorded; its text is then
 * replaced by the scripted output, which the provider parses into tool calls.
 */
class EdgewiseAiServicesTest {
    private static Model model;

    @BeforeAll
    static void load() throws IOException {
        model = Model.load(Fixtures.path("models/nano-q8_0.gguf"), ModelOptions.defaults().withThreads(1).withContextSize(2048));
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    /** Runs the model for real (a few tokens), records the prompt, returns the next scripted output as the text. */
    static final class Script implements EdgewiseRequests.Generation {
        final Deque<String> outputs;
        final List<String> prompts = new ArrayList<>();

        Script(String... outputs) {
            this.outputs = new ArrayDeque<>(List.of(outputs));
        }

        @Override
        public GenerationResult generate(Model m, GenerationRequest request, TokenListener listener) {
            prompts.add(m.renderPrompt(request));
            GenerationResult real = m.generate(GenerationRequest.tokens(m.promptTokens(request)).maxTokens(2).build(), TokenListener.NONE);
            String text = outputs.removeFirst();
            ThinkingSplitter split = new ThinkingSplitter("<think>", "</think>", false);
            for (int i = 0; i < text.length(); i += 7) { // streamed in pieces, as tokens would be
                String piece = text.substring(i, Math.min(text.length(), i + 7));
                ThinkingSplitter.Chunk c = split.accept(piece);
                listener.onToken(new TokenEvent(0, i, -1, piece, 0f, c.thinking(), c.content()));
            }
            ThinkingSplitter.Chunk last = split.flush();
            if (!last.thinking().isEmpty() || !last.content().isEmpty()) listener.onToken(new TokenEvent(0, -1, -1, "", 0f, last.thinking(), last.content()));
            BranchResult r = real.branches().getFirst();
            BranchResult scripted = new BranchResult(0, text, r.tokens(), r.logProbs(), dev.edgewise.engine.FinishReason.END_OF_GENERATION,
                    0, -1, 0, split.thinking(), split.content());
            return new GenerationResult(List.of(scripted), real.promptTokens(), real.timings());
        }
    }

    static final class Calculator {
        final List<String> calls = new ArrayList<>();

        @Tool("Adds two integers")
        long add(@P(name = "a", value = "first addend") long a, @P(name = "b", value = "second addend") long b) {
            calls.add("add(" + a + ", " + b + ")");
            return a + b;
        }

        @Tool("Multiplies two integers")
        long multiply(@P(name = "a", value = "first factor") long a, @P(name = "b", value = "second factor") long b) {
            calls.add("multiply(" + a + ", " + b + ")");
            return a * b;
        }
    }

    interface Assistant {
        String chat(String message);
    }

    @Test
    void aiServicesCallsBothToolsAndAnswers() {
        Script script = new Script(
                "<think>I need to add first.</think>\n\n<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 2, \"b\": 3}}\n</tool_call>",
                "<tool_call>\n{\"name\": \"multiply\", \"arguments\": {\"a\": 5, \"b\": 5}}\n</tool_call>",
                "(2 + 3) * 5 = 25.");
        Calculator calculator = new Calculator();
        try (EdgewiseChatModel chat = EdgewiseChatModel.builder().model(model).maxTokens(64).generation(script).build()) {
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(chat).tools(calculator).build();
            String answer = assistant.chat("What is (2 + 3) * 5?");
            assertThat(answer).isEqualTo("(2 + 3) * 5 = 25.");
        }
        assertThat(calculator.calls).containsExactly("add(2, 3)", "multiply(5, 5)");
        assertThat(script.prompts).hasSize(3);
        // the tools reached the template; the calls and their results came back through it
        assertThat(script.prompts.get(0)).contains("<tools>").contains("\"name\": \"add\"").contains("\"name\": \"multiply\"")
                .contains("Adds two integers").endsWith("<|im_start|>assistant\n");
        assertThat(script.prompts.get(1)).contains("<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 2, \"b\": 3}}\n</tool_call>")
                .contains("<tool_response>\n5\n</tool_response>");
        assertThat(script.prompts.get(2)).contains("<tool_response>\n25\n</tool_response>");
    }

    @Test
    void thinkingToolRequestsUsageAndFinishReasonInTheResponse() {
        Script script = new Script("<think>Plan: call add.</think>\n\nCalling.\n<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 1}}\n</tool_call>");
        try (EdgewiseChatModel chat = EdgewiseChatModel.builder().model(model).generation(script).build()) {
            ChatResponse r = chat.chat(ChatRequest.builder().messages(UserMessage.from("1+1?"))
                    .toolSpecifications(dev.langchain4j.agent.tool.ToolSpecifications.toolSpecificationsFrom(new Calculator())).build());
            AiMessage m = r.aiMessage();
            assertThat(m.thinking()).isEqualTo("Plan: call add.");
            assertThat(m.text()).isEqualTo("Calling.");
            assertThat(m.toolExecutionRequests()).singleElement().satisfies(t -> {
                assertThat(t.name()).isEqualTo("add");
                assertThat(Json.parse(t.arguments())).isEqualTo(Map.of("a", 1L, "b", 1L));
                assertThat(t.id()).matches("call_[A-Za-z0-9]{24}");
            });
            assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
            int promptTokens = model.tokenizer().encode(script.prompts.getFirst(), true).length;
            assertThat(r.tokenUsage().inputTokenCount()).isEqualTo(promptTokens).isGreaterThan(100); // the tools are in the prompt
            assertThat(r.tokenUsage().outputTokenCount()).isEqualTo(2);
        }
    }

    @Test
    void streamingSendsThinkingAndContentAndCompletesWithTheCalls() {
        Script script = new Script("<think>Let me think.</think>\n\nSure, adding now. <tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 4, \"b\": 5}}\n</tool_call>");
        StringBuilder thinking = new StringBuilder(), content = new StringBuilder();
        ChatResponse[] complete = new ChatResponse[1];
        try (EdgewiseStreamingChatModel chat = EdgewiseStreamingChatModel.builder().model(model).generation(script).build()) {
            chat.chat(ChatRequest.builder().messages(UserMessage.from("4+5?"))
                    .toolSpecifications(dev.langchain4j.agent.tool.ToolSpecifications.toolSpecificationsFrom(new Calculator())).build(),
                    new StreamingChatResponseHandler() {
                        @Override public void onPartialResponse(String s) { content.append(s); }
                        @Override public void onPartialThinking(PartialThinking t) { thinking.append(t.text()); }
                        @Override public void onCompleteResponse(ChatResponse r) { complete[0] = r; }
                        @Override public void onError(Throwable e) { throw new AssertionError(e); }
                    });
        }
        assertThat(thinking.toString()).isEqualTo("Let me think.");
        assertThat(content.toString()).isEqualTo("Sure, adding now. ");
        assertThat(complete[0].aiMessage().toolExecutionRequests()).extracting(t -> t.name()).containsExactly("add");
        assertThat(complete[0].aiMessage().thinking()).isEqualTo("Let me think.");
    }

    @Test
    void responseFormatSchemaIsEnforcedOnTheRealModel() {
        try (EdgewiseChatModel chat = EdgewiseChatModel.builder().model(model).maxTokens(200).seed(3).build()) {
            ResponseFormat format = ResponseFormat.builder().type(dev.langchain4j.model.chat.request.ResponseFormatType.JSON)
                    .jsonSchema(JsonSchema.builder().name("flag").rootElement(JsonObjectSchema.builder()
                            .addBooleanProperty("ok").addEnumProperty("level", List.of("low", "high")).required("ok", "level").build()).build())
                    .build();
            ChatResponse r = chat.chat(ChatRequest.builder().messages(UserMessage.from("Answer in JSON.")).responseFormat(format).build());
            assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
            @SuppressWarnings("unchecked")
            Map<String, Object> value = (Map<String, Object>) Json.parse(r.aiMessage().text());
            assertThat(value.get("ok")).isInstanceOf(Boolean.class);
            assertThat(value.get("level")).isIn("low", "high");
        }
    }
}
