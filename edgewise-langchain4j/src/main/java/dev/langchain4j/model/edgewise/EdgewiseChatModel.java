package dev.langchain4j.model.edgewise;

import dev.edgewise.engine.BudgetForcing;
import dev.edgewise.engine.ReasoningMode;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.ScaledAdapter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.TokenListener;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * A LangChain4j {@link ChatModel} running a local GGUF model in-process with Edgewise. The prompt
 * is rendered with the model's own chat template (tools included); the answer's thinking section
 * goes to {@code AiMessage.thinking()}, its tool calls to {@code ToolExecutionRequest}s, and a
 * JSON response format is enforced while sampling. Several LangChain4j models may share one
 * loaded {@link Model} (built with {@link Builder#model(Model)}); requests to it run one at a time.
 *
 * <pre>{@code
 * ChatModel model = EdgewiseChatModel.builder().modelPath(Path.of("qwen2.5-0.5b-instruct-q4_0.gguf")).build();
 * String answer = model.chat("Why is the sky blue?");
 * }</pre>
 */
public final class EdgewiseChatModel implements ChatModel, AutoCloseable {
    private final Model model;
    private final boolean owned;
    private final EdgewiseRequests requests;
    private final EdgewiseRequests.Generation generation;

    private EdgewiseChatModel(Builder b) {
        this.owned = b.model == null;
        this.model = owned ? load(b.path, b.options) : b.model;
        this.requests = new EdgewiseRequests(b.maxTokens, b.sampling, b.seed, b.reasoning(model));
        this.generation = b.generation;
    }

    static Model load(Path path, ModelOptions options) {
        Objects.requireNonNull(path, "give modelPath(...) or model(...)");
        try {
            return Model.load(path, options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        GenerationResult result = generation.generate(model, requests.toGeneration(request), TokenListener.NONE);
        return requests.toResponse(result, requests.parse(result, EdgewiseRequests.toolNames(request)));
    }

    @Override
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }

    /** The loaded model (shared or owned). */
    public Model model() {
        return model;
    }

    /** Closes the model if this chat model loaded it (a model given to the builder stays open). */
    @Override
    public void close() {
        if (owned) model.close();
    }

    /** Configuration: the model (a file, or one already loaded), sampling, limits. */
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

        /** A GGUF file to load (closed with the chat model). */
        public Builder modelPath(Path p) { this.path = p; return this; }
        /** A model already loaded, shared with other users (not closed by the chat model). */
        public Builder model(Model m) { this.model = m; return this; }
        /** Threads, context size, KV cache for a model loaded from {@link #modelPath}. */
        public Builder modelOptions(ModelOptions o) { this.options = o; return this; }
        /** Default sampling (temperature, top-k, top-p, min-p, repetition penalty, seed); request parameters override. */
        public Builder sampling(SamplingParams s) { this.sampling = s; return this; }
        public Builder temperature(double t) { this.sampling = sampling.withTemperature((float) t); return this; }
        /** Generated-token limit when a request sets none. */
        public Builder maxTokens(int n) { this.maxTokens = n; return this; }
        /** Seed of the sampler and of tool-call ids. */
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

        public EdgewiseChatModel build() {
            return new EdgewiseChatModel(this);
        }
    }
}
