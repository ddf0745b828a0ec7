package dev.edgewise.server;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.TokenEvent;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tools.ParsedResponse;
import dev.edgewise.engine.tools.ToolCallParser;
import dev.edgewise.engine.tools.ToolCallStream;
import dev.edgewise.server.api.CompletionCall;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * What one choice of a chat response says, split from its branch's raw text: the thinking
 * ({@code reasoning_content}), the answer ({@code content}) and, when the request offered tools,
 * the tool calls in the answer (content is then the text outside them). Completions keep the raw text.
 *
 * @param reasoning the thinking, "" if none
 * @param content   the answer text outside tool calls
 * @param toolCalls the calls (empty if none)
 */
record ChatAnswer(String reasoning, String content, List<ChatTemplate.ToolCall> toolCalls) {

    /** The answer of a finished branch. */
    static ChatAnswer of(BranchResult b, CompletionCall call) {
        if (!call.chat()) return new ChatAnswer("", b.text(), List.of());
        if (call.tools() == null) return new ChatAnswer(b.reasoningContent(), b.content(), List.of());
        ParsedResponse r = ToolCallParser.parse(b.content(), toolNames(call.tools()), new SplittableRandom());
        return new ChatAnswer(b.reasoningContent(), r.hasToolCalls() && r.content().isBlank() ? "" : r.content(), r.toolCalls());
    }

    /** The names of the offered tools ({@code function.name}), which make a bare {@code {"name": ...}} object a call. */
    static Set<String> toolNames(List<Object> tools) {
        Set<String> names = new LinkedHashSet<>();
        for (Object t : tools) {
            if (t instanceof Map<?, ?> m && m.get("function") instanceof Map<?, ?> fn && fn.get("name") instanceof String name) names.add(name);
        }
        return names;
    }

    /**
     * The same split while one choice streams: thinking and answer as each token's event carries them,
     * the answer held back from where a tool call may open until {@link #finish}.
     */
    static final class Stream {
        private final boolean chat;
        private final ToolCallStream calls;

        Stream(CompletionCall call) {
            this.chat = call.chat();
            this.calls = call.chat() && call.tools() != null ? new ToolCallStream(toolNames(call.tools()), new SplittableRandom()) : null;
        }

        /** The delta of one event: thinking, and the answer text now known not to be part of a call. */
        ChatAnswer accept(TokenEvent e) {
            if (!chat) return new ChatAnswer("", e.text(), List.of());
            return new ChatAnswer(e.reasoningContent(), calls == null ? e.content() : calls.accept(e.content()), List.of());
        }

        /** The last delta: answer text held back, and the tool calls; null when there is nothing more. */
        ChatAnswer finish() {
            if (calls == null) return null;
            ToolCallStream.Result r = calls.finish();
            List<ChatTemplate.ToolCall> toolCalls = r.response().toolCalls();
            String rest = !toolCalls.isEmpty() && r.remainingContent().isBlank() ? "" : r.remainingContent();
            return rest.isEmpty() && toolCalls.isEmpty() ? null : new ChatAnswer("", rest, toolCalls);
        }
    }
}
