package dev.edgewise.cli.chat;

import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.loader.AtomicFile;
import dev.edgewise.loader.json.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One conversation of {@code edgewise chat}: its messages and the settings the slash commands change.
 * An assistant message holds the model's raw text exactly as generated (thinking markers included), so the
 * next turn's rendered prompt starts with the tokens already in the KV cache and only the new ones are
 * evaluated. Not thread-safe: the terminal loop owns it.
 */
public final class ChatSession {
    private final List<ChatTemplate.Message> history = new ArrayList<>();
    private String system;
    private ThinkMode think = ThinkMode.DEFAULT;
    private int branches = 1;
    private String lora;

    /**
     * @param system the system message, or null for the template's default
     * @param lora   the adapter answers use at first (a name given with --lora), or null for none
     */
    public ChatSession(String system, String lora) {
        this.system = system == null || system.isEmpty() ? null : system;
        this.lora = lora;
    }

    /** The messages of a turn: system, the conversation so far, and {@code user}. */
    public List<ChatTemplate.Message> withUser(String user) {
        List<ChatTemplate.Message> m = new ArrayList<>(messages());
        m.add(new ChatTemplate.Message("user", user));
        return m;
    }

    /** Records a finished turn: the user's text and the answer as the model produced it. */
    public void addTurn(String user, String assistantRawText) {
        history.add(new ChatTemplate.Message("user", user));
        history.add(new ChatTemplate.Message("assistant", assistantRawText));
    }

    /** The system message (if any) and every turn so far. */
    public List<ChatTemplate.Message> messages() {
        List<ChatTemplate.Message> m = new ArrayList<>(history.size() + 1);
        if (system != null) m.add(new ChatTemplate.Message("system", system));
        m.addAll(history);
        return m;
    }

    /** Turns so far. */
    public int turns() {
        return history.size() / 2;
    }

    /** Forgets the conversation; the system message and settings stay. */
    public void reset() {
        history.clear();
    }

    /** A new system message (empty: none); the conversation starts again. */
    public void system(String text) {
        system = text == null || text.isEmpty() ? null : text;
        reset();
    }

    public String system() { return system; }
    public ThinkMode think() { return think; }
    public void think(ThinkMode mode) { think = mode; }
    public int branches() { return branches; }
    public void branches(int n) {
        if (n < 1) throw new IllegalArgumentException("branches must be >= 1, got " + n);
        branches = n;
    }
    /** The active adapter's name, or null. */
    public String lora() { return lora; }
    public void lora(String name) { lora = name; }

    /** The conversation as a JSON array of {@code {"role": ..., "content": ...}} objects, OpenAI's message shape. */
    public String toJson() {
        List<Object> out = new ArrayList<>();
        for (ChatTemplate.Message m : messages()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("role", m.role());
            o.put("content", m.content());
            out.add(o);
        }
        return Json.write(out) + "\n";
    }

    /** Writes {@link #toJson()} to {@code file}, whole or not at all ({@link AtomicFile}). */
    public void save(Path file) throws IOException {
        AtomicFile.writeString(file, toJson());
    }
}
