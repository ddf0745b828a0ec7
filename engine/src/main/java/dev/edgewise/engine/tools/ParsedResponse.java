package dev.edgewise.engine.tools;

import dev.edgewise.engine.tokenizer.ChatTemplate;

import java.util.List;

/**
 * Model output split into what is meant for the reader and the tools it calls.
 *
 * @param content   the text outside tool calls (the whole text when there are none or they are malformed)
 * @param toolCalls the calls, in order (empty if none)
 */
public record ParsedResponse(String content, List<ChatTemplate.ToolCall> toolCalls) {
    public ParsedResponse {
        toolCalls = List.copyOf(toolCalls);
    }

    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }
}
