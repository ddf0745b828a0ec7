package dev.langchain4j.model.edgewise;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.FinishReason;
import dev.edgewise.engine.BudgetForcing;
import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tools.ParsedResponse;
import dev.edgewise.engine.tools.ToolCallParser;
import dev.edgewise.loader.json.Json;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The one mapping between LangChain4j and the engine, shared by the blocking and the streaming
 * model: messages to chat-template messages (tool calls and results included), tool
 * specifications to the template's tool JSON, request parameters to a {@link GenerationRequest}
 * (sampling, limits, stop sequences, JSON / JSON-schema response format), and the generated
 * branch back to an {@link AiMessage} with thinking, text and tool execution requests.
 */
final class EdgewiseRequests {
    /** How a request is run: the model's own generate, or, in tests, scripted output. */
    @FunctionalInterface
    interface Generation {
        GenerationResult generate(Model model, GenerationRequest request, TokenListener listener);
    }

    static final Generation MODEL = Model::generate;

    private final int maxTokens;
    private final SamplingParams sampling;
    private final SplittableRandom ids;
    private final Reasoning reasoning;

    /**
     * What a chat model adds to every request besides sampling: adapters applied on the fly, the
     * template's thinking switch ({@code enable_thinking}, null: the template's default) and budget
     * forcing of the thinking section (null: none).
     */
    record Reasoning(List<ScaledAdapter> adapters, Boolean thinking, BudgetForcing budget) {
        static final Reasoning NONE = new Reasoning(List.of(), null, null);

        Reasoning {
            adapters = List.copyOf(adapters);
        }
    }

    EdgewiseRequests(int maxTokens, SamplingParams sampling, long idSeed, Reasoning reasoning) {
        this.maxTokens = maxTokens;
        this.sampling = sampling;
        this.ids = new SplittableRandom(idSeed);
        this.reasoning = reasoning;
    }

    GenerationRequest toGeneration(ChatRequest request) {
        List<ChatTemplate.Message> messages = new ArrayList<>();
        for (ChatMessage m : request.messages()) messages.add(message(m));
        ChatRequestParameters p = request.parameters();
        SamplingParams s = sampling;
        if (p.temperature() != null) s = s.withTemperature(p.temperature().floatValue());
        if (p.topP() != null) s = s.withTopP(p.topP().floatValue());
        if (p.topK() != null) s = s.withTopK(p.topK());
        GenerationRequest.Builder b = GenerationRequest.chat(messages)
                .maxTokens(p.maxOutputTokens() != null ? p.maxOutputTokens() : maxTokens)
                .sampling(s)
                .stopStrings(p.stopSequences() == null ? List.of() : p.stopSequences())
                .adapters(reasoning.adapters()).budget(reasoning.budget());
        if (reasoning.thinking() != null) b.chatTemplateKwargs(java.util.Map.of(Model.THINKING_VARIABLE, reasoning.thinking()));
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
            b.tools(p.toolSpecifications().stream().map(EdgewiseRequests::tool).toList());
        }
        if (p.responseFormat() != null && p.responseFormat().type() == ResponseFormatType.JSON) {
            var schema = p.responseFormat().jsonSchema();
            b.responseFormat(schema == null || schema.rootElement() == null ? dev.edgewise.engine.constraint.ResponseFormat.json()
                    : dev.edgewise.engine.constraint.ResponseFormat.jsonSchema(JsonSchemaElementUtils.toMap(schema.rootElement())));
        }
        return b.build();
    }

    private static ChatTemplate.Message message(ChatMessage m) {
        return switch (m) {
            case SystemMessage s -> ChatTemplate.Message.system(s.text());
            case UserMessage u -> ChatTemplate.Message.user(u.singleText());
            case AiMessage a -> ChatTemplate.Message.assistant(a.text(), a.thinking(), a.hasToolExecutionRequests()
                    ? a.toolExecutionRequests().stream().map(EdgewiseRequests::toolCall).toList() : List.of());
            case ToolExecutionResultMessage t -> ChatTemplate.Message.tool(t.text(), t.id());
            default -> throw new IllegalArgumentException("unsupported message type " + m.type());
        };
    }

    private static ChatTemplate.ToolCall toolCall(ToolExecutionRequest r) {
        Object args;
        try {
            args = r.arguments() == null || r.arguments().isBlank() ? Map.of() : Json.parse(r.arguments());
        } catch (RuntimeException e) {
            args = r.arguments(); // not JSON: passed on as the string it is
        }
        return new ChatTemplate.ToolCall(r.id(), r.name(), args instanceof Map<?, ?> ? args : r.arguments());
    }

    /** A tool in the OpenAI shape chat templates expect: {"type": "function", "function": {name, description, parameters}}. */
    private static Map<String, Object> tool(ToolSpecification t) {
        Map<String, Object> fn = new LinkedHashMap<>();
        fn.put("name", t.name());
        if (t.description() != null) fn.put("description", t.description());
        fn.put("parameters", t.parameters() == null ? Map.of("type", "object", "properties", Map.of())
                : JsonSchemaElementUtils.toMap(t.parameters()));
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", fn);
        return tool;
    }

    /** Tool names offered by a request (a bare JSON call naming one counts as a call). */
    static Set<String> toolNames(ChatRequest request) {
        List<ToolSpecification> specs = request.parameters().toolSpecifications();
        return specs == null ? Set.of() : Set.copyOf(specs.stream().map(ToolSpecification::name).toList());
    }

    ChatResponse toResponse(GenerationResult result, ParsedResponse parsed) {
        BranchResult b = result.branches().getFirst();
        List<ToolExecutionRequest> calls = parsed.toolCalls().stream().map(c -> ToolExecutionRequest.builder()
                .id(c.id()).name(c.name()).arguments(c.arguments() instanceof String s ? s : Json.write(c.arguments())).build()).toList();
        AiMessage.Builder message = AiMessage.builder();
        String text = parsed.content().strip();
        if (!text.isEmpty() || calls.isEmpty()) message.text(text);
        if (!b.reasoningContent().isBlank()) message.thinking(b.reasoningContent());
        if (!calls.isEmpty()) message.toolExecutionRequests(calls);
        return ChatResponse.builder()
                .aiMessage(message.build())
                .tokenUsage(new TokenUsage(result.promptTokens().length, b.tokens().length))
                .finishReason(!calls.isEmpty() ? dev.langchain4j.model.output.FinishReason.TOOL_EXECUTION
                        : b.finishReason() == FinishReason.MAX_TOKENS ? dev.langchain4j.model.output.FinishReason.LENGTH
                        : dev.langchain4j.model.output.FinishReason.STOP)
                .build();
    }

    /** The calls and content of a finished generation. */
    ParsedResponse parse(GenerationResult result, Set<String> toolNames) {
        return ToolCallParser.parse(result.branches().getFirst().content(), toolNames, ids());
    }

    /** A call-id stream for one request, split from the seeded one (requests may run on several threads). */
    RandomGenerator ids() {
        synchronized (ids) {
            return ids.split();
        }
    }
}
