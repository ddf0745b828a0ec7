package dev.langchain4j.model.edgewise;

import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
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
        this.model = b.openModel();
        this.requests = b.requests(model);
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

    /** Configuration: see {@link EdgewiseModelBuilder}. */
    public static final class Builder extends EdgewiseModelBuilder<Builder> {
        @Override
        Builder self() {
            return this;
        }

        public EdgewiseChatModel build() {
            return new EdgewiseChatModel(this);
        }
    }
}
