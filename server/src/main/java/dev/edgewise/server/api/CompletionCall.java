package dev.edgewise.server.api;

import dev.edgewise.engine.constraint.ResponseFormat;
import dev.edgewise.engine.tokenizer.ChatTemplate;

import java.util.List;
import java.util.Map;

/**
 * A parsed {@code /v1/chat/completions} or {@code /v1/completions} request, every field checked
 * for type and range; what the model and the server's limits allow is checked when it runs.
 *
 * @param chat            true for chat completions (then {@code messages} is set)
 * @param model           the model name the client gave (informational)
 * @param messages        chat messages, or null
 * @param prompt          a text prompt, or null
 * @param promptTokens    a prompt given as token ids, or null
 * @param maxTokens       the token budget, or null for the server's default
 * @param temperature     sampling temperature (0 = greedy)
 * @param topP            nucleus sampling
 * @param topK            top-k (0 = off), an extension
 * @param minP            min-p (0 = off), an extension
 * @param repeatPenalty   llama.cpp's repetition penalty (1 = off), an extension
 * @param seed            seed of choice 0 (choice i uses seed + i), or null for a random one
 * @param n               choices, forked from one prefill
 * @param stop            stop strings
 * @param stream          answer as server-sent events
 * @param includeUsage    stream a final chunk with usage
 * @param logprobs        return each token's log-probability
 * @param topLogprobs     alternatives per position (0 = none)
 * @param ignoreEos       keep generating past end-of-generation tokens
 * @param lora            adapters by name and scale
 * @param reasoning       the reasoning pipeline's settings, or null for plain generation
 * @param templateKwargs  {@code chat_template_kwargs} as JSON values, or null
 * @param tools           {@code tools} as JSON values, or null when none are offered (or {@code tool_choice} is "none")
 * @param responseFormat  the JSON output constraint of {@code response_format}, or null for free text
 * @param echo            completions: prepend the prompt to the text
 */
public record CompletionCall(boolean chat, String model, List<ChatTemplate.Message> messages, String prompt, int[] promptTokens,
                             Integer maxTokens, float temperature, float topP, int topK, float minP, float repeatPenalty,
                             Long seed, int n, List<String> stop, boolean stream, boolean includeUsage, boolean logprobs,
                             int topLogprobs, boolean ignoreEos, List<LoraChoice> lora, Reasoning reasoning,
                             Map<String, Object> templateKwargs, List<Object> tools, ResponseFormat responseFormat, boolean echo) {

    /** An adapter chosen by its {@code --lora} name, with a scale. */
    public record LoraChoice(String name, float scale) {}

    /**
     * The reasoning pipeline ({@code Model.reason}): switcher, adapter, budget forcing, branches, vote.
     *
     * @param mode     auto, on or off
     * @param budget   response-token budget for budget forcing, or null
     * @param branches reasoning branches
     * @param vote     majority, weighted or best, or null for the default
     */
    public record Reasoning(String mode, Integer budget, int branches, String vote) {}
}
