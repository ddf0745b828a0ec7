package dev.langchain4j.model.edgewise;

import dev.edgewise.engine.BudgetForcing;
import dev.edgewise.engine.ReasoningMode;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.ScaledAdapter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.tools.ToolCallStream;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

import java.nio.file.Path;
import java.util.Set;

/**
 * A LangChain4j {@link StreamingChatModel} on Edgewise: thinking streams as partial thinking,
 * the answer as partial responses (text that may belong to a tool call is held back until it is
 * known not to), and the complete response carries the tool execution requests, token usage and
 * finish reason. Generation runs on the calling thread.
 */
public final class EdgewiseStreamingChatModel implements StreamingChatModel, AutoCloseable {
    private final Model model;
    private final boolean owned;
    private final EdgewiseRequests requests;
    private final EdgewiseRequests.Generation generation;

    private EdgewiseStreamingChatModel(Builder b) {
        this.owned = b.model == null;
        this.model = owned ? EdgewiseChatModel.load(b.path, b.options) : b.model;
        this.requests = new EdgewiseRequests(b.maxTokens, b.sampling, b.seed, b.reasoning(model));
        this.generation = b.generation;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        try {
            GenerationRequest g = requests.toGeneration(request);
            ToolCallStream calls = new ToolCallStream(EdgewiseRequests.toolNames(request), requests.ids());
            GenerationResult result = generation.generate(model, g, event -> {
                if (!event.reasoningContent().isEmpty()) handler.onPartialThinking(new PartialThinking(event.reasoningContent()));
                String content = calls.accept(event.content());
                if (!content.isEmpty()) handler.onPartialResponse(content);
            });
            ToolCallStream.Result end = calls.finish();
            if (!end.remainingContent().isEmpty() && !end.response().hasToolCalls()) handler.onPartialResponse(end.remainingContent());
            handler.onCompleteResponse(requests.toResponse(result, end.response()));
        } catch (RuntimeException e) {
            handler.onError(e);
        }
    }

    @Override
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }

    public Model model() {
        return model;
    }

    @Override
    public void close() {
        if (owned) model.close();
    }

    /** Configuration, as {@link EdgewiseChatModel.Builder}. */
    public static final class Builder {
        private Path path;
        private Model model;
        private ModelOptions options = ModelOptions.defaults();
        private SamplingParams sampling = SamplingParams.defaults(42);
        private int maxTokens = 512;
        private long seed = 42;
        private EdgewiseRequests.Generation generation = EdgewiseRequests.MODEL;
        private final List<ScaledAdapter> adapters = new ArrayList<>();
        private final List<Map.Entry<Path, Float>> adapterPaths = new ArrayList<>();
        private Boolean thinking;
        private BudgetForcing budget;

        public Builder modelPath(Path p) { this.path = p; return this; }
        public Builder model(Model m) { this.model = m; return this; }
        public Builder modelOptions(ModelOptions o) { this.options = o; return this; }
        public Builder sampling(SamplingParams s) { this.sampling = s; return this; }
        public Builder temperature(double t) { this.sampling = sampling.withTemperature((float) t); return this; }
        public Builder maxTokens(int n) { this.maxTokens = n; return this; }
        public Builder seed(long s) { this.seed = s; this.sampling = sampling.withSeed(s); return this; }
        /** A LoRA adapter already loaded on the model ({@code Model.loadAdapter}), applied to every request. */
        public Builder adapter(ScaledAdapter a) { this.adapters.add(a); return this; }
        /** A LoRA adapter (PEFT directory or adapter GGUF) loaded onto the model when built, applied with {@code scale}. */
        public Builder adapterPath(Path p, float scale) { this.adapterPaths.add(Map.entry(p, scale)); return this; }
        /**
         * Thinking on or off through the template's {@code enable_thinking} (Qwen3, DeepSeek-R1-Distill as
         * llama.cpp ships it); {@code auto} needs the switcher of the reasoning pipeline ({@code Model.reason})
         * and is refused here.
         */
        public Builder reasoning(ReasoningMode mode) {
            if (mode == ReasoningMode.AUTO) {
                throw new IllegalArgumentException("reasoning auto needs the reasoning pipeline's switcher (Model.reason); a chat model takes on or off");
            }
            this.thinking = mode == null ? null : mode == ReasoningMode.ON;
            return this;
        }
        /** Budget forcing: the thinking section is ended after {@code maxResponseTokens} tokens of response. */
        public Builder budget(int maxResponseTokens) { this.budget = BudgetForcing.of(maxResponseTokens); return this; }

        /** Loads the adapters given by path onto {@code m}; what every request applies. */
        EdgewiseRequests.Reasoning reasoning(Model m) {
            List<ScaledAdapter> all = new ArrayList<>(adapters);
            for (Map.Entry<Path, Float> e : adapterPaths) {
                try {
                    all.add(new ScaledAdapter(m.loadAdapter(e.getKey(), AdapterPrecision.F16), e.getValue()));
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            }
            return new EdgewiseRequests.Reasoning(all, thinking, budget);
        }

        Builder generation(EdgewiseRequests.Generation g) { this.generation = g; return this; }

        public EdgewiseStreamingChatModel build() {
            return new EdgewiseStreamingChatModel(this);
        }
    }
}
