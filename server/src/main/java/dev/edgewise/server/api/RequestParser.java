package dev.edgewise.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgewise.engine.constraint.ResponseFormat;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.loader.json.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the JSON of an OpenAI completion request into a {@link CompletionCall}. Unknown fields are
 * ignored (clients send more than a server uses); known fields of the wrong type or out of range
 * are refused with a 400 naming the field.
 */
public final class RequestParser {
    /** Most stop strings, as OpenAI allows. */
    static final int MAX_STOP = 4;
    /** Most choices per request (each is a decoded branch). */
    public static final int MAX_N = 64;
    static final int MAX_TOP_LOGPROBS = 20;
    static final int MAX_MESSAGES = 4096;

    private RequestParser() {}

    public static CompletionCall chat(byte[] body) {
        ObjectNode root = JsonBody.parseObject(body);
        return parse(root, true);
    }

    public static CompletionCall completion(byte[] body) {
        ObjectNode root = JsonBody.parseObject(body);
        return parse(root, false);
    }

    private static CompletionCall parse(ObjectNode root, boolean chat) {
        Fields f = new Fields(root);
        String model = f.string("model");
        List<ChatTemplate.Message> messages = null;
        String prompt = null;
        int[] promptTokens = null;
        if (chat) {
            messages = messages(f);
        } else {
            JsonNode p = f.raw("prompt");
            if (p == null) throw ApiException.invalid("prompt", "'prompt' is required");
            if (p.isTextual()) {
                prompt = p.textValue();
            } else if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
                prompt = p.get(0).textValue();
            } else if (p.isArray() && !p.isEmpty() && p.get(0).isNumber()) {
                promptTokens = tokenIds(p);
            } else if (p.isArray() && p.size() > 1) {
                throw ApiException.invalid("prompt", "'prompt' holds " + p.size() + " prompts; this server takes one per request");
            } else {
                throw f.wrongType("prompt", "a string or an array of token ids", p);
            }
        }
        Integer maxTokens = f.integer("max_completion_tokens", 0, Integer.MAX_VALUE);
        if (maxTokens == null) maxTokens = f.integer("max_tokens", 0, Integer.MAX_VALUE);
        double temperature = orElse(f.number("temperature", 0, 2), 0.8);
        double topP = orElse(f.number("top_p", 0, 1), 0.95);
        if (topP == 0) topP = Math.ulp(1f); // top_p 0 means "only the most likely token"
        int topK = orElse(f.integer("top_k", 0, Integer.MAX_VALUE), 40);
        double minP = orElse(f.number("min_p", 0, 0.999999), 0.05);
        double repeat = orElse(f.number("repeat_penalty", 0.000001, 100), 1.0);
        f.number("presence_penalty", -2, 2);   // accepted for compatibility, not applied
        f.number("frequency_penalty", -2, 2);
        Long seed = f.longInteger("seed");
        int n = orElse(f.integer("n", 1, MAX_N), 1);
        List<String> stop = f.stringOrList("stop", MAX_STOP);
        for (int i = 0; i < stop.size(); i++) {
            if (stop.get(i).isEmpty()) throw ApiException.invalid("stop", "'stop' holds an empty string");
        }
        boolean stream = orElse(f.bool("stream"), false);
        ObjectNode streamOptions = f.object("stream_options");
        boolean includeUsage = streamOptions != null && orElse(new Fields(streamOptions, "stream_options.").bool("include_usage"), false);
        boolean logprobs;
        int topLogprobs;
        if (chat) {
            logprobs = orElse(f.bool("logprobs"), false);
            topLogprobs = orElse(f.integer("top_logprobs", 0, MAX_TOP_LOGPROBS), 0);
            if (topLogprobs > 0 && !logprobs) throw ApiException.invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true");
        } else {
            Integer lp = f.integer("logprobs", 0, 5); // the legacy API: the number of alternatives
            logprobs = lp != null;
            topLogprobs = lp == null ? 0 : lp;
        }
        boolean echo = !chat && orElse(f.bool("echo"), false);
        boolean ignoreEos = orElse(f.bool("ignore_eos"), false);
        List<CompletionCall.LoraChoice> lora = lora(f);
        CompletionCall.Reasoning reasoning = reasoning(f);
        if (reasoning != null && n > 1) throw ApiException.invalid("n", "'n' > 1 cannot be combined with the reasoning pipeline; use 'branches'");
        ObjectNode kwargs = f.object("chat_template_kwargs");
        List<Object> tools = tools(f);
        ResponseFormat format = responseFormat(f);
        return new CompletionCall(chat, model, messages, prompt, promptTokens, maxTokens, (float) temperature, (float) topP, topK,
                (float) minP, (float) repeat, seed, n, stop, stream, includeUsage, logprobs, topLogprobs, ignoreEos, lora, reasoning,
                kwargs == null ? null : asMap(kwargs), tools, format, echo);
    }

    private static List<ChatTemplate.Message> messages(Fields f) {
        JsonNode m = f.raw("messages");
        if (m == null) throw ApiException.invalid("messages", "'messages' is required");
        if (!m.isArray()) throw f.wrongType("messages", "an array", m);
        if (m.isEmpty()) throw ApiException.invalid("messages", "'messages' is empty");
        if (m.size() > MAX_MESSAGES) throw ApiException.invalid("messages", "'messages' has more than " + MAX_MESSAGES + " items");
        List<ChatTemplate.Message> out = new ArrayList<>(m.size());
        for (int i = 0; i < m.size(); i++) {
            String at = "messages[" + i + "]";
            if (!(m.get(i) instanceof ObjectNode o)) throw ApiException.invalid(at, "'" + at + "' must be an object, got " + JsonBody.kind(m.get(i)));
            Fields mf = new Fields(o, at + ".");
            String role = mf.string("role");
            if (role == null) throw ApiException.invalid(at + ".role", "'" + at + ".role' is required");
            role = switch (role) {
                case "developer" -> "system";
                case "system", "user", "assistant", "tool" -> role;
                default -> throw ApiException.invalid(at + ".role", "'" + at + ".role' must be system, developer, user, assistant or tool, got '" + role + "'");
            };
            Map<String, Object> json = new LinkedHashMap<>(asMap(o));
            json.put("role", role);
            json.put("content", mf.raw("content") == null || mf.raw("content").isNull() ? null : content(mf, at));
            if (json.get("tool_calls") instanceof List<?> calls) json.put("tool_calls", calls.stream().map(RequestParser::argumentsAsObject).toList());
            try {
                out.add(ChatTemplate.Message.fromJson(json));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(at, "'" + at + "': " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * {@code tools} as the template takes them (JSON values), and {@code tool_choice}: "auto" (the
     * default) offers them, "none" leaves them out of the prompt and the output unparsed; forcing
     * a tool is refused.
     */
    private static List<Object> tools(Fields f) {
        JsonNode tools = f.raw("tools");
        if (tools != null && !tools.isNull() && !tools.isArray()) throw f.wrongType("tools", "an array", tools);
        JsonNode choice = f.raw("tool_choice");
        if (choice != null && !choice.isNull()) {
            if (!choice.isTextual() || !(choice.textValue().equals("auto") || choice.textValue().equals("none"))) {
                throw ApiException.invalid("tool_choice", "'tool_choice' must be \"auto\" or \"none\" (forcing a tool is not supported), got " + choice);
            }
            if (choice.textValue().equals("none")) return null;
        }
        if (tools == null || tools.isNull() || tools.isEmpty()) return null;
        for (int i = 0; i < tools.size(); i++) {
            String at = "tools[" + i + "]";
            if (!(tools.get(i) instanceof ObjectNode t)) throw ApiException.invalid(at, "'" + at + "' must be an object");
            Fields tf = new Fields(t, at + ".");
            String type = tf.string("type");
            if (!"function".equals(type)) throw ApiException.invalid(at + ".type", "'" + at + ".type' must be 'function', got " + type);
            ObjectNode fn = tf.object("function");
            if (fn == null || new Fields(fn, at + ".function.").string("name") == null) {
                throw ApiException.invalid(at + ".function.name", "'" + at + ".function.name' is required");
            }
        }
        return asList(tools);
    }

    /** {@code response_format}: text (none), json_object, or json_schema with {@code json_schema.schema}. */
    private static ResponseFormat responseFormat(Fields f) {
        ObjectNode format = f.object("response_format");
        if (format == null) return null;
        Fields ff = new Fields(format, "response_format.");
        String type = ff.string("type");
        if (type == null) throw ApiException.invalid("response_format", "'response_format.type' is required");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> ResponseFormat.json();
            case "json_schema" -> {
                ObjectNode js = ff.object("json_schema");
                if (js == null) throw ApiException.invalid("response_format.json_schema", "'response_format.json_schema' is required");
                ObjectNode schema = new Fields(js, "response_format.json_schema.").object("schema");
                if (schema == null) yield ResponseFormat.json(); // OpenAI allows a schema-less json_schema: any JSON
                try {
                    yield ResponseFormat.jsonSchema(schema.toString());
                } catch (IllegalArgumentException e) { // UnsupportedSchemaException names the keyword
                    throw ApiException.invalid("response_format", "response_format.json_schema.schema: " + e.getMessage());
                }
            }
            default -> throw ApiException.invalid("response_format",
                    "response_format type '" + type + "' is not supported (text, json_object or json_schema)");
        };
    }

    /** A JSON object as the engine's JSON values (Maps, Lists, Strings, Longs, Doubles, Booleans). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(ObjectNode o) {
        return (Map<String, Object>) Json.parse(o.toString());
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(JsonNode array) {
        return (List<Object>) Json.parse(array.toString());
    }

    /** A tool call whose arguments are a JSON string holding an object, with the object: templates (Qwen2.5's tojson) want it. */
    private static Object argumentsAsObject(Object call) {
        if (call instanceof Map<?, ?> c && c.get("function") instanceof Map<?, ?> fn && fn.get("arguments") instanceof String a
                && parseOrNull(a) instanceof Map<?, ?> parsed) {
            Map<Object, Object> f = new LinkedHashMap<>(fn);
            f.put("arguments", parsed);
            Map<Object, Object> out = new LinkedHashMap<>(c);
            out.put("function", f);
            return out;
        }
        return call;
    }

    private static Object parseOrNull(String json) {
        try {
            return Json.parse(json);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A message's content: a string, or an array of text parts (other part types are refused). */
    private static String content(Fields mf, String at) {
        JsonNode c = mf.raw("content");
        if (c == null) return "";
        if (c.isTextual()) return c.textValue();
        if (!c.isArray()) throw mf.wrongType("content", "a string or an array of content parts", c);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < c.size(); i++) {
            String part = at + ".content[" + i + "]";
            if (!(c.get(i) instanceof ObjectNode p)) throw ApiException.invalid(part, "'" + part + "' must be an object");
            Fields pf = new Fields(p, part + ".");
            String type = pf.string("type");
            if (!"text".equals(type)) {
                throw ApiException.invalid(part + ".type", "'" + part + ".type' is " + (type == null ? "missing" : "'" + type + "'")
                        + ": only 'text' content parts are supported");
            }
            String text = pf.string("text");
            if (text == null) throw ApiException.invalid(part + ".text", "'" + part + ".text' is required");
            sb.append(text);
        }
        return sb.toString();
    }

    private static int[] tokenIds(JsonNode p) {
        int[] ids = new int[p.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = p.get(i);
            if (!t.canConvertToInt() || !t.isIntegralNumber() || t.intValue() < 0) {
                throw ApiException.invalid("prompt", "'prompt[" + i + "]' must be a token id (a non-negative integer), got " + t);
            }
            ids[i] = t.intValue();
        }
        return ids;
    }

    /** {@code lora}: an adapter name, or a list of {@code {name, scale}} (or {@code {id, scale}} as llama-server). */
    private static List<CompletionCall.LoraChoice> lora(Fields f) {
        JsonNode l = f.raw("lora");
        if (l == null) return List.of();
        if (l.isTextual()) return List.of(new CompletionCall.LoraChoice(l.textValue(), 1f));
        if (!l.isArray()) throw f.wrongType("lora", "an adapter name or an array of {name, scale}", l);
        List<CompletionCall.LoraChoice> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            String at = "lora[" + i + "]";
            JsonNode item = l.get(i);
            if (item.isTextual()) {
                out.add(new CompletionCall.LoraChoice(item.textValue(), 1f));
                continue;
            }
            if (!(item instanceof ObjectNode o)) throw ApiException.invalid(at, "'" + at + "' must be a name or an object {name, scale}");
            Fields lf = new Fields(o, at + ".");
            String name = lf.string("name");
            if (name == null) throw ApiException.invalid(at + ".name", "'" + at + ".name' is required");
            double scale = orElse(lf.number("scale", -100, 100), 1.0);
            out.add(new CompletionCall.LoraChoice(name, (float) scale));
        }
        return out;
    }

    private static CompletionCall.Reasoning reasoning(Fields f) {
        String mode = f.string("reasoning");
        Integer budget = f.integer("reasoning_budget", -1, 1 << 20);
        Integer branches = f.integer("branches", 1, MAX_N);
        String vote = f.string("vote");
        if (mode == null && branches == null && vote == null) {
            if (budget != null) throw ApiException.invalid("reasoning_budget", "'reasoning_budget' needs 'reasoning' (auto, on or off)");
            return null;
        }
        if (mode != null) {
            mode = mode.toLowerCase(Locale.ROOT);
            if (!mode.equals("auto") && !mode.equals("on") && !mode.equals("off")) {
                throw ApiException.invalid("reasoning", "'reasoning' must be auto, on or off, got '" + mode + "'");
            }
        }
        if (vote != null && !List.of("majority", "weighted", "best").contains(vote.toLowerCase(Locale.ROOT))) {
            throw ApiException.invalid("vote", "'vote' must be majority, weighted or best, got '" + vote + "'");
        }
        return new CompletionCall.Reasoning(mode == null ? "auto" : mode, budget == null || budget < 0 ? null : budget,
                branches == null ? 1 : branches, vote == null ? null : vote.toLowerCase(Locale.ROOT));
    }

    private static <T> T orElse(T v, T fallback) {
        return v == null ? fallback : v;
    }
}
