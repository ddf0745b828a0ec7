package dev.edgewise.engine.tokenizer;

import dev.edgewise.engine.template.JinjaTemplate;
import dev.edgewise.engine.template.Limits;
import dev.edgewise.engine.template.TemplateException;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's chat prompt format: the Jinja template stored in the GGUF file ({@code tokenizer.chat_template})
 * or given by the user, rendered as Hugging Face transformers' {@code apply_chat_template} does (see
 * {@link dev.edgewise.engine.template}); or, for files without a template, the built-in Qwen2.5 ChatML
 * ({@link #builtin()}).
 *
 * <p>The template sees {@code messages} (OpenAI shape: role, content, reasoning_content, tool_calls,
 * tool_call_id), {@code tools}, {@code documents} (None), {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token} and any extra keyword arguments ({@code enable_thinking}, ...); every other name is
 * undefined. The output is meant to be tokenized with special-token parsing on and without adding a BOS:
 * templates that want one write {@code bos_token} themselves.
 */
public final class ChatTemplate {
    public static final String DEFAULT_SYSTEM_PROMPT = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
    /** The GGUF metadata key of the template. */
    public static final String GGUF_KEY = "tokenizer.chat_template";

    /** A call of a tool by the assistant. {@code arguments} is a JSON object (a Map) or a JSON string. */
    public record ToolCall(String id, String name, Object arguments) {
        public ToolCall {
            Objects.requireNonNull(name, "name");
            if (arguments != null && !(arguments instanceof Map<?, ?>) && !(arguments instanceof String)) {
                throw new IllegalArgumentException("tool call arguments must be a JSON object (Map) or a JSON string");
            }
        }

        /** The OpenAI shape: {@code {"id"?, "type": "function", "function": {"name", "arguments"}}}. */
        public Map<String, Object> toJson() {
            Map<String, Object> fn = new LinkedHashMap<>();
            fn.put("name", name);
            fn.put("arguments", arguments);
            Map<String, Object> m = new LinkedHashMap<>();
            if (id != null) m.put("id", id);
            m.put("type", "function");
            m.put("function", fn);
            return m;
        }
    }

    /**
     * One chat message.
     *
     * @param role             system, user, assistant, tool, ...
     * @param content          the text, or null (None in the template; then {@code contentParts} may hold a list)
     * @param contentParts     typed content parts ({@code [{"type":"text","text":...}]}) instead of text, or null
     * @param toolCalls        the assistant's tool calls (empty if none)
     * @param reasoningContent the assistant's separated thinking, or null
     * @param toolCallId       for a tool result, the id of the call it answers, or null
     */
    public record Message(String role, String content, List<Object> contentParts, List<ToolCall> toolCalls,
                          String reasoningContent, String toolCallId) {
        public Message {
            Objects.requireNonNull(role, "role");
            if (content != null && contentParts != null) throw new IllegalArgumentException("give content or contentParts, not both");
            contentParts = contentParts == null ? null : List.copyOf(contentParts);
            toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        }

        public Message(String role, String content) {
            this(role, content, null, null, null, null);
        }

        public static Message system(String content) { return new Message("system", content); }
        public static Message user(String content) { return new Message("user", content); }
        public static Message assistant(String content) { return new Message("assistant", content); }

        /** An assistant turn with separated thinking and/or tool calls. */
        public static Message assistant(String content, String reasoningContent, List<ToolCall> toolCalls) {
            return new Message("assistant", content, null, toolCalls, reasoningContent, null);
        }

        /** A tool result answering the call {@code toolCallId} (may be null). */
        public static Message tool(String content, String toolCallId) {
            return new Message("tool", content, null, null, null, toolCallId);
        }

        /** This message with its text content replaced. */
        public Message withContent(String text) {
            return new Message(role, text, null, toolCalls, reasoningContent, toolCallId);
        }

        /**
         * The message as the template sees it, in the OpenAI shape: role, content, then reasoning_content,
         * tool_calls and tool_call_id when present.
         */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", role);
            m.put("content", contentParts != null ? contentParts : content);
            if (reasoningContent != null) m.put("reasoning_content", reasoningContent);
            if (!toolCalls.isEmpty()) m.put("tool_calls", toolCalls.stream().map(ToolCall::toJson).toList());
            if (toolCallId != null) m.put("tool_call_id", toolCallId);
            return m;
        }

        /**
         * A message from its OpenAI JSON shape (as parsed by {@code dev.edgewise.loader.json.Json}).
         *
         * @throws IllegalArgumentException naming the field that is missing or of the wrong type
         */
        public static Message fromJson(Object json) {
            if (!(json instanceof Map<?, ?> m)) throw new IllegalArgumentException("a message must be a JSON object");
            if (!(m.get("role") instanceof String role)) throw new IllegalArgumentException("message field 'role' must be a string");
            Object c = m.get("content");
            String content = null;
            List<Object> parts = null;
            if (c instanceof String s) content = s;
            else if (c instanceof List<?> l) parts = new ArrayList<>(l);
            else if (c != null) throw new IllegalArgumentException("message field 'content' must be a string, a list or null");
            List<ToolCall> calls = new ArrayList<>();
            if (m.get("tool_calls") instanceof List<?> l) {
                for (Object o : l) calls.add(toolCall(o));
            } else if (m.get("tool_calls") != null) {
                throw new IllegalArgumentException("message field 'tool_calls' must be a list");
            }
            return new Message(role, content, parts, calls, optionalString(m, "reasoning_content"), optionalString(m, "tool_call_id"));
        }

        private static ToolCall toolCall(Object o) {
            if (!(o instanceof Map<?, ?> call) || !(call.get("function") instanceof Map<?, ?> fn)) {
                throw new IllegalArgumentException("a tool call must be {\"type\":\"function\",\"function\":{\"name\":...,\"arguments\":...}}");
            }
            if (!(fn.get("name") instanceof String name)) throw new IllegalArgumentException("tool call field 'function.name' must be a string");
            Object args = fn.get("arguments");
            if (args != null && !(args instanceof Map<?, ?>) && !(args instanceof String)) {
                throw new IllegalArgumentException("tool call field 'function.arguments' must be an object or a string");
            }
            return new ToolCall(optionalString(call, "id"), name, args);
        }

        private static String optionalString(Map<?, ?> m, String key) {
            Object v = m.get(key);
            if (v == null || v instanceof String) return (String) v;
            throw new IllegalArgumentException("message field '" + key + "' must be a string");
        }
    }

    private final JinjaTemplate template;
    private final String bosToken;
    private final String eosToken;
    private final LocalDateTime now;

    private ChatTemplate(JinjaTemplate template, String bosToken, String eosToken, LocalDateTime now) {
        this.template = template;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.now = now;
    }

    /** The built-in Qwen2.5 ChatML format (for files without a template). */
    public static ChatTemplate builtin() {
        return new ChatTemplate(null, "", "", null);
    }

    /**
     * A Jinja chat template.
     *
     * @param name   names the template in error messages (file name or {@link #GGUF_KEY})
     * @throws TemplateException on a syntax error (one line: name, line, message)
     */
    public static ChatTemplate of(String name, String source) {
        return new ChatTemplate(JinjaTemplate.compile(name, source), "", "", null);
    }

    /** The template of a tokenizer's file, or the built-in one if it has none; bos/eos from its vocabulary. */
    public static ChatTemplate forVocabulary(String source, Vocabulary vocab) {
        ChatTemplate t = source == null ? builtin() : of(GGUF_KEY, source);
        return t.withSpecialTokens(vocab.bos() >= 0 ? vocab.token(vocab.bos()) : "", vocab.eos() >= 0 ? vocab.token(vocab.eos()) : "");
    }

    /** This template with {@code bos_token} / {@code eos_token} bound to these strings. */
    public ChatTemplate withSpecialTokens(String bos, String eos) {
        return new ChatTemplate(template, Objects.requireNonNull(bos, "bos"), Objects.requireNonNull(eos, "eos"), now);
    }

    /** This template with {@code strftime_now} fixed at {@code time} (null: the current time at each render). */
    public ChatTemplate withTime(LocalDateTime time) {
        return new ChatTemplate(template, bosToken, eosToken, time);
    }

    /** Whether this is the built-in ChatML format rather than a Jinja template. */
    public boolean isBuiltin() {
        return template == null;
    }

    /** The Jinja source, or null for the built-in format. */
    public String source() {
        return template == null ? null : template.source();
    }

    public String bosToken() { return bosToken; }

    public String eosToken() { return eosToken; }

    /** Renders messages without tools or extra variables. */
    public String apply(List<Message> messages, boolean addGenerationPrompt) {
        return apply(messages, null, addGenerationPrompt, Map.of());
    }

    /**
     * Renders a conversation.
     *
     * @param tools  tool definitions as JSON values ({@code {"type":"function","function":{...}}}), or null
     * @param kwargs extra template variables ({@code enable_thinking}, ...): JSON-like Java values
     * @throws TemplateException if the template fails (one line: name, line, message)
     */
    public String apply(List<Message> messages, List<?> tools, boolean addGenerationPrompt, Map<String, ?> kwargs) {
        Objects.requireNonNull(messages, "messages");
        if (template == null) {
            if (tools != null && !tools.isEmpty()) throw new IllegalArgumentException("the built-in chat format has no tools; give a chat template");
            return render(messages, addGenerationPrompt);
        }
        return applyJson(messages.stream().map(m -> (Object) m.toJson()).toList(), tools, addGenerationPrompt, kwargs);
    }

    /**
     * Renders messages given as JSON values (OpenAI shape, passed to the template unchanged), as the
     * {@code template} command and the conformance tests do.
     */
    public String applyJson(List<?> messages, List<?> tools, boolean addGenerationPrompt, Map<String, ?> kwargs) {
        if (template == null) return render(messages.stream().map(Message::fromJson).toList(), addGenerationPrompt);
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", messages);
        vars.put("tools", tools);
        vars.put("documents", null);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        if (kwargs != null) vars.putAll(kwargs);
        return template.render(vars, now != null ? now : LocalDateTime.now(), Limits.DEFAULT);
    }

    /**
     * The built-in Qwen2.5 ChatML prompt, character for character what the Qwen2.5 template renders without
     * tools: a leading system turn (the first message if it is a system message, else
     * {@link #DEFAULT_SYSTEM_PROMPT}); each user, assistant and later system message as
     * {@code <|im_start|>{role}\n{content}<|im_end|>\n}; consecutive tool messages in one user turn of
     * {@code <tool_response>} blocks; with a generation prompt, {@code <|im_start|>assistant\n}. Messages of
     * other roles are rejected; null content renders as empty.
     */
    public static String render(List<Message> messages, boolean addGenerationPrompt) {
        Objects.requireNonNull(messages, "messages");
        StringBuilder sb = new StringBuilder();
        boolean firstIsSystem = !messages.isEmpty() && messages.getFirst().role().equals("system");
        sb.append("<|im_start|>system\n")
                .append(firstIsSystem ? text(messages.getFirst()) : DEFAULT_SYSTEM_PROMPT)
                .append("<|im_end|>\n");
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            switch (m.role()) {
                case "system" -> {
                    if (i > 0) appendTurn(sb, m);
                }
                case "user", "assistant" -> appendTurn(sb, m);
                case "tool" -> {
                    if (i == 0 || !messages.get(i - 1).role().equals("tool")) sb.append("<|im_start|>user");
                    sb.append("\n<tool_response>\n").append(text(m)).append("\n</tool_response>");
                    if (i == messages.size() - 1 || !messages.get(i + 1).role().equals("tool")) sb.append("<|im_end|>\n");
                }
                default -> throw new IllegalArgumentException("message " + i + " has role '" + m.role()
                        + "'; the built-in Qwen2.5 format renders only system, user, assistant and tool");
            }
        }
        if (addGenerationPrompt) sb.append("<|im_start|>assistant\n");
        return sb.toString();
    }

    private static String text(Message m) {
        if (m.contentParts() != null) throw new IllegalArgumentException("the built-in chat format takes text content only");
        return m.content() == null ? "" : m.content();
    }

    private static void appendTurn(StringBuilder sb, Message m) {
        sb.append("<|im_start|>").append(m.role()).append('\n').append(text(m)).append("<|im_end|>\n");
    }
}
