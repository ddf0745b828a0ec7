package dev.edgewise.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgewise.engine.FinishReason;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.loader.json.Json;

import java.util.List;

/**
 * The JSON of OpenAI's responses: completions, streamed chunks, usage, logprobs, model lists and
 * errors. One place for their shapes, used by the streaming and the whole-response paths alike.
 */
public final class Responses {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Responses() {}

    /** A token's alternatives and log-probability, as OpenAI reports them. */
    public record TokenLogprob(String token, byte[] bytes, float logprob) {}

    /** Identity of one response: id, creation time, model. */
    public record Header(String id, long created, String model, boolean chat) {}

    public static ObjectNode completion(Header h) {
        ObjectNode o = F.objectNode();
        o.put("id", h.id());
        o.put("object", h.chat() ? "chat.completion" : "text_completion");
        o.put("created", h.created());
        o.put("model", h.model());
        o.put("system_fingerprint", "edgewise");
        o.putArray("choices");
        return o;
    }

    public static ObjectNode chunk(Header h) {
        ObjectNode o = F.objectNode();
        o.put("id", h.id());
        o.put("object", h.chat() ? "chat.completion.chunk" : "text_completion");
        o.put("created", h.created());
        o.put("model", h.model());
        o.put("system_fingerprint", "edgewise");
        o.putArray("choices");
        return o;
    }

    /**
     * A choice of a whole response (chat: a message; completions: text). {@code reasoning} goes to
     * {@code reasoning_content} when non-empty; with tool calls, {@code content} is null when
     * {@code text} is empty and the finish reason is {@code tool_calls}; {@code logprobs} is null
     * when not asked for.
     */
    public static ObjectNode choice(Header h, int index, String text, String reasoning, List<ChatTemplate.ToolCall> toolCalls,
                                    ArrayNode logprobs, FinishReason finish) {
        ObjectNode c = F.objectNode();
        c.put("index", index);
        boolean calls = toolCalls != null && !toolCalls.isEmpty();
        if (h.chat()) {
            ObjectNode m = c.putObject("message");
            m.put("role", "assistant");
            m.put("content", calls && text.isEmpty() ? null : text);
            if (reasoning != null && !reasoning.isEmpty()) m.put("reasoning_content", reasoning);
            if (calls) m.set("tool_calls", toolCalls(toolCalls, false));
            m.putNull("refusal");
        } else {
            c.put("text", text);
        }
        putLogprobs(h, c, logprobs);
        c.put("finish_reason", calls ? "tool_calls" : finishReason(finish));
        return c;
    }

    /**
     * A streamed delta of one choice; {@code role} on a choice's first chunk; {@code content} and
     * {@code reasoning_content} when non-null, {@code tool_calls} (with their {@code index}) when non-empty.
     */
    public static ObjectNode deltaChoice(Header h, int index, boolean role, String text, String reasoning,
                                         List<ChatTemplate.ToolCall> toolCalls, ArrayNode logprobs) {
        ObjectNode c = F.objectNode();
        c.put("index", index);
        if (h.chat()) {
            ObjectNode d = c.putObject("delta");
            if (role) d.put("role", "assistant");
            if (text != null) d.put("content", text);
            if (reasoning != null) d.put("reasoning_content", reasoning);
            if (toolCalls != null && !toolCalls.isEmpty()) d.set("tool_calls", toolCalls(toolCalls, true));
        } else {
            c.put("text", text == null ? "" : text);
        }
        putLogprobs(h, c, logprobs);
        c.putNull("finish_reason");
        return c;
    }

    /** The closing chunk of one choice, with its finish reason ({@code tool_calls} if the choice called tools). */
    public static ObjectNode finishChoice(Header h, int index, FinishReason finish, boolean toolCalls) {
        ObjectNode c = F.objectNode();
        c.put("index", index);
        if (h.chat()) c.putObject("delta");
        else c.put("text", "");
        c.putNull("logprobs");
        c.put("finish_reason", toolCalls ? "tool_calls" : finishReason(finish));
        return c;
    }

    /**
     * OpenAI's {@code tool_calls}: {@code [{id, type: "function", function: {name, arguments}}]} with the
     * arguments as a JSON string; in a streamed delta each call also carries its {@code index}.
     */
    public static ArrayNode toolCalls(List<ChatTemplate.ToolCall> calls, boolean streamed) {
        ArrayNode out = F.arrayNode();
        for (int i = 0; i < calls.size(); i++) {
            ChatTemplate.ToolCall call = calls.get(i);
            ObjectNode o = out.addObject();
            if (streamed) o.put("index", i);
            o.put("id", call.id());
            o.put("type", "function");
            ObjectNode fn = o.putObject("function");
            fn.put("name", call.name());
            Object args = call.arguments();
            fn.put("arguments", args == null ? "{}" : args instanceof String s ? s : Json.write(args));
        }
        return out;
    }

    private static void putLogprobs(Header h, ObjectNode c, ArrayNode logprobs) {
        if (logprobs == null) {
            c.putNull("logprobs");
        } else if (h.chat()) {
            c.putObject("logprobs").set("content", logprobs);
            ((ObjectNode) c.get("logprobs")).putNull("refusal");
        } else {
            // the legacy completions layout: parallel arrays
            ObjectNode lp = c.putObject("logprobs");
            ArrayNode tokens = lp.putArray("tokens"), values = lp.putArray("token_logprobs"), top = lp.putArray("top_logprobs");
            for (var item : logprobs) {
                tokens.add(item.get("token"));
                values.add(item.get("logprob"));
                ObjectNode alternatives = F.objectNode();
                for (var alt : item.get("top_logprobs")) alternatives.set(alt.get("token").asText(), alt.get("logprob"));
                top.add(alternatives);
            }
        }
    }

    /** One entry of {@code logprobs.content}: the token, its log-probability, its bytes, alternatives. */
    public static ObjectNode logprob(TokenLogprob t, java.util.List<TokenLogprob> top) {
        ObjectNode o = tokenLogprob(t);
        ArrayNode alternatives = o.putArray("top_logprobs");
        if (top != null) for (TokenLogprob a : top) alternatives.add(tokenLogprob(a));
        return o;
    }

    private static ObjectNode tokenLogprob(TokenLogprob t) {
        ObjectNode o = F.objectNode();
        o.put("token", t.token());
        if (Float.isNaN(t.logprob())) o.putNull("logprob"); // tokens injected by budget forcing were not sampled
        else o.put("logprob", Math.max(t.logprob(), -9999f));
        ArrayNode bytes = o.putArray("bytes");
        for (byte b : t.bytes()) bytes.add(b & 0xff);
        return o;
    }

    public static ObjectNode usage(int prompt, int completion, int cached) {
        ObjectNode u = F.objectNode();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens", cached);
        return u;
    }

    public static ObjectNode models(String id, long created) {
        ObjectNode o = F.objectNode();
        o.put("object", "list");
        ObjectNode m = o.putArray("data").addObject();
        m.put("id", id);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "edgewise");
        return o;
    }

    public static ObjectNode error(ApiException e) {
        ObjectNode o = F.objectNode();
        ObjectNode err = o.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        if (e.param() == null) err.putNull("param");
        else err.put("param", e.param());
        if (e.code() == null) err.putNull("code");
        else err.put("code", e.code());
        return o;
    }

    /** OpenAI's finish reasons: stop (end of generation or a stop string) or length (any budget). */
    public static String finishReason(FinishReason f) {
        if (f == null) return null;
        return switch (f) {
            case END_OF_GENERATION, STOP_STRING -> "stop";
            case MAX_TOKENS, CONTEXT_FULL, CACHE_FULL, BUDGET -> "length";
            case CANCELLED -> "cancelled";
        };
    }
}
