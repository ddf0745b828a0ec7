package dev.edgewise.engine.tokenizer;

import java.util.List;
import java.util.Objects;

/**
 * The Qwen2.5 ChatML prompt, character for character what the model's Jinja chat template
 * ({@code tokenizer.chat_template}, llama.cpp's models/templates/Qwen-Qwen2.5-7B-Instruct.jinja) renders
 * without tools:
 * <ul>
 * <li>a leading system turn: the first message's content if it is a system message, else the default
 *     "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";</li>
 * <li>each user, assistant and later system message as {@code <|im_start|>{role}\n{content}<|im_end|>\n};</li>
 * <li>consecutive tool messages grouped in one user turn, each as
 *     {@code \n<tool_response>\n{content}\n</tool_response>};</li>
 * <li>with a generation prompt, {@code <|im_start|>assistant\n}.</li>
 * </ul>
 * The output is meant to be encoded with special-token parsing on. The template silently drops messages
 * of other roles; here they are rejected.
 */
public final class ChatTemplate {
    public static final String DEFAULT_SYSTEM_PROMPT = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

    public record Message(String role, String content) {
        public Message {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }

        public static Message system(String content) { return new Message("system", content); }
        public static Message user(String content) { return new Message("user", content); }
        public static Message assistant(String content) { return new Message("assistant", content); }
    }

    private ChatTemplate() {}

    public static String render(List<Message> messages, boolean addGenerationPrompt) {
        Objects.requireNonNull(messages, "messages");
        StringBuilder sb = new StringBuilder();
        boolean firstIsSystem = !messages.isEmpty() && messages.getFirst().role().equals("system");
        sb.append("<|im_start|>system\n")
                .append(firstIsSystem ? messages.getFirst().content() : DEFAULT_SYSTEM_PROMPT)
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
                    sb.append("\n<tool_response>\n").append(m.content()).append("\n</tool_response>");
                    if (i == messages.size() - 1 || !messages.get(i + 1).role().equals("tool")) sb.append("<|im_end|>\n");
                }
                default -> throw new IllegalArgumentException("message " + i + " has role '" + m.role()
                        + "'; the Qwen2.5 template renders only system, user, assistant and tool");
            }
        }
        if (addGenerationPrompt) sb.append("<|im_start|>assistant\n");
        return sb.toString();
    }

    private static void appendTurn(StringBuilder sb, Message m) {
        sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
    }
}
