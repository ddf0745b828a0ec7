package dev.langchain4j.model.edgewise;

import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.tools.ToolCallStream;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

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
        this.model = b.openModel();
        this.requests = b.requests(model);
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

    /** Configuration: see {@link EdgewiseModelBuilder}. */
    public static final class Builder extends EdgewiseModelBuilder<Builder> {
        @Override
        Builder self() {
            return this;
        }

        public EdgewiseStreamingChatModel build() {
            return new EdgewiseStreamingChatModel(this);
        }
    }
}
