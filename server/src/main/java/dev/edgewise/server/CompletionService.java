package dev.edgewise.server;

import dev.edgewise.engine.BudgetForcing;
import dev.edgewise.engine.Cancellation;
import dev.edgewise.engine.ChatOptions;
import dev.edgewise.engine.ContextOverflowException;
import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ReasoningMode;
import dev.edgewise.engine.ReasoningRequest;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.SchedulerFullException;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.template.TemplateException;
import dev.edgewise.engine.vote.VoteMethod;
import dev.edgewise.server.api.ApiException;
import dev.edgewise.server.api.CompletionCall;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a parsed request against the served model and the server's limits, and runs it on the
 * model's scheduler: plain generation ({@code n} choices as branches of one prefill) or the
 * reasoning pipeline. Engine refusals become {@link ApiException}s with the right status.
 */
final class CompletionService {
    private static final SecureRandom SEEDS = new SecureRandom();

    private final ServedModel served;
    private final ServerOptions options;

    CompletionService(ServedModel served, ServerOptions options) {
        this.served = served;
        this.options = options;
    }

    /**
     * A request ready to run.
     *
     * @param call      the parsed request
     * @param prompt    its prompt as token ids
     * @param generate  the plain generation, or null
     * @param reason    the reasoning request, or null
     * @param top       recorder of top_logprobs alternatives, or null
     */
    record Prepared(CompletionCall call, int[] prompt, GenerationRequest generate, ReasoningRequest reason, TopLogprobs top) {}

    /** Tokenizes and checks a request; every refusal is a 400 naming the field. */
    Prepared prepare(CompletionCall call, Cancellation cancellation) {
        Model model = served.model();
        GenerationRequest.Builder b;
        ChatOptions chat = ChatOptions.DEFAULT.withKwargs(call.templateKwargs()).withTools(call.tools());
        if (call.chat()) b = GenerationRequest.chat(call.messages()).chatOptions(chat);
        else if (call.promptTokens() != null) b = GenerationRequest.tokens(call.promptTokens());
        else b = GenerationRequest.prompt(call.prompt()).parseSpecial(true);
        String promptField = call.chat() ? "messages" : "prompt";
        if (call.chat() && call.tools() != null && model.chatTemplate().isBuiltin()) {
            throw ApiException.invalid("tools", "this model file has no chat template, and the built-in chat format renders no tools");
        }
        int[] prompt;
        try {
            prompt = model.promptTokens(b.build());
        } catch (IllegalArgumentException | TemplateException e) { // a message the template refuses (raise_exception) too
            throw ApiException.invalid(promptField, e.getMessage());
        }
        if (prompt.length == 0) throw ApiException.invalid(promptField, "the prompt is empty");
        int vocab = model.config().vocabSize();
        for (int t : prompt) {
            if (t >= vocab) throw ApiException.invalid("prompt", "token id " + t + " is outside the vocabulary (" + vocab + " tokens)");
        }
        int context = model.contextSize();
        if (prompt.length >= context) {
            throw new ApiException(400, "invalid_request_error", promptField, "context_length_exceeded",
                    "the prompt has " + prompt.length + " tokens; this model's context holds " + context
                            + " and at least one must be left to generate", null);
        }
        int maxTokens = maxTokens(call, context - prompt.length);
        int limit = Math.min(options.modelOptions().batchSize(), options.modelOptions().maxSequences());
        if (call.n() > limit) throw ApiException.invalid("n", "'n' is " + call.n() + "; this server decodes at most " + limit + " choices per request");
        List<ScaledAdapter> adapters = adapters(call.lora());
        long seed = call.seed() != null ? call.seed() : SEEDS.nextLong() >>> 1;
        SamplingParams sampling = new SamplingParams(call.temperature(), call.topK(), call.topP(), call.minP(), call.repeatPenalty(), 64, seed);
        if (call.reasoning() != null) {
            if (call.topLogprobs() > 0) throw ApiException.invalid("top_logprobs", "top_logprobs is not available with the reasoning pipeline");
            if (call.responseFormat() != null) {
                throw ApiException.invalid("response_format", "response_format is not available with the reasoning pipeline");
            }
            return new Prepared(call, prompt, null, reasoning(call, chat, adapters, sampling, maxTokens, cancellation), null);
        }
        TopLogprobs top = call.topLogprobs() > 0 ? new TopLogprobs(call.topLogprobs()) : null;
        GenerationRequest request = GenerationRequest.tokens(prompt).maxTokens(maxTokens).sampling(sampling).stopStrings(call.stop())
                .ignoreEndOfGeneration(call.ignoreEos()).branches(call.n()).adapters(adapters).cancellation(cancellation)
                .constraint(top).responseFormat(call.responseFormat()).build();
        return new Prepared(call, prompt, request, null, top);
    }

    private int maxTokens(CompletionCall call, int room) {
        Integer asked = call.maxTokens();
        String field = "max_tokens";
        if (asked == null) return Math.min(options.maxTokens(), room);
        if (asked > options.maxTokens()) {
            throw ApiException.invalid(field, "'max_tokens' is " + asked + "; this server allows at most " + options.maxTokens());
        }
        return Math.min(asked, room);
    }

    private List<ScaledAdapter> adapters(List<CompletionCall.LoraChoice> choices) {
        List<ScaledAdapter> out = new ArrayList<>();
        for (CompletionCall.LoraChoice c : choices) {
            LoraAdapter a = served.adapters().get(c.name());
            if (a == null) {
                throw new ApiException(400, "invalid_request_error", "lora", "unknown_adapter", "no adapter named '" + c.name()
                        + "' is loaded (loaded: " + (served.adapters().isEmpty() ? "none" : String.join(", ", served.adapters().keySet())) + ")", null);
            }
            if (c.scale() != 0f) out.add(new ScaledAdapter(a, c.scale()));
        }
        return out;
    }

    private ReasoningRequest reasoning(CompletionCall call, ChatOptions chat, List<ScaledAdapter> adapters, SamplingParams sampling, int maxTokens,
                                       Cancellation cancellation) {
        if (!call.chat()) throw ApiException.invalid("reasoning", "the reasoning pipeline takes chat messages: use /v1/chat/completions");
        CompletionCall.Reasoning r = call.reasoning();
        int limit = Math.min(options.modelOptions().batchSize(), options.modelOptions().maxSequences());
        if (r.branches() > limit) throw ApiException.invalid("branches", "'branches' is " + r.branches() + "; this server decodes at most " + limit);
        if (!r.mode().equals("off") && adapters.isEmpty() && !served.adapters().isEmpty()) {
            adapters = List.of(new ScaledAdapter(served.adapters().values().iterator().next(), 1f)); // the first --lora reasons by default
        }
        ReasoningRequest.Builder b = ReasoningRequest.builder(call.messages()).mode(ReasoningMode.parse(r.mode())).adapters(adapters)
                .heads(served.heads()).branches(r.branches()).sampling(sampling).maxTokens(Math.max(1, maxTokens))
                .chatOptions(chat).cancellation(cancellation);
        if (r.budget() != null) b.budget(BudgetForcing.of(Math.max(1, r.budget())));
        if (r.vote() != null) b.vote(VoteMethod.parse(r.vote()));
        return b.build();
    }

    /** Runs a plain generation, streaming tokens to {@code listener} (called on the scheduler's thread). */
    GenerationResult generate(Prepared p, TokenListener listener) {
        try {
            return served.model().generate(p.generate(), listener);
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    ReasoningResult reason(Prepared p, TokenListener listener) {
        try {
            return served.model().reason(p.reason(), listener);
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    /** Engine refusals as API errors: a full waiting queue is 429, bad values 400. */
    static RuntimeException translate(RuntimeException e) {
        if (e instanceof ApiException) return e;
        if (e instanceof SchedulerFullException) return ApiException.busy(e.getMessage());
        if (e instanceof ContextOverflowException) {
            return new ApiException(400, "invalid_request_error", null, "context_length_exceeded", e.getMessage(), null);
        }
        if (e instanceof IllegalArgumentException) return ApiException.invalid(null, e.getMessage());
        return e;
    }
}
