package dev.langchain4j.model.edgewise;

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
        this.requests = new EdgewiseRequests(b.maxTokens, b.sampling, b.seed);
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
        Builder generation(EdgewiseRequests.Generation g) { this.generation = g; return this; }

        public EdgewiseChatModel build() {
            return new EdgewiseChatModel(this);
        }
    }
}
