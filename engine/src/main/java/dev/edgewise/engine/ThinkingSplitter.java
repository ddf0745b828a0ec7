package dev.edgewise.engine;

import java.util.Objects;

/**
 * Separates a response's thinking from its answer while the text streams in, as OpenAI-compatible servers
 * separate {@code reasoning_content} from {@code content}:
 * <ul>
 * <li>the prompt may have opened the thinking section (DeepSeek-R1-Distill's template ends with
 *     {@code <think>\n}): everything up to the close marker is thinking;</li>
 * <li>otherwise the model may open it itself (Qwen3 writes {@code <think>} first): if the response starts,
 *     after whitespace, with the open marker, the text up to the close marker is thinking; a response that
 *     starts with anything else is all answer (also when the prompt closed an empty section, as Qwen3's
 *     template does with {@code enable_thinking=false});</li>
 * <li>a section never closed is thinking to the end; budget forcing closes it by injecting text with the
 *     close marker, which ends it like a generated one.</li>
 * </ul>
 * The markers themselves belong to neither part; whitespace around the thinking and before the answer is
 * dropped. Text arrives in arbitrary chunks: text that may be the start of a marker (or whitespace whose
 * fate is not known yet) is held back until it is decided, so the concatenated chunks equal a one-shot
 * split of the whole text.
 */
public final class ThinkingSplitter {
    /** The part of a chunk that became final: thinking text and answer text (either may be empty). */
    public record Chunk(String thinking, String content) {
        public static final Chunk EMPTY = new Chunk("", "");
    }

    private enum State { START, THINKING, ANSWER }

    private final String open, close;
    private State state;
    private final StringBuilder pending = new StringBuilder();
    /** Nothing of the current part has been emitted yet (its leading whitespace is dropped). */
    private boolean partStart = true;
    private final StringBuilder thinking = new StringBuilder();
    private final StringBuilder content = new StringBuilder();

    /**
     * @param open         the open marker, e.g. {@code <think>}
     * @param close        the close marker, e.g. {@code </think>}
     * @param startsInside the prompt ended inside an open thinking section
     */
    public ThinkingSplitter(String open, String close, boolean startsInside) {
        this.open = Objects.requireNonNull(open, "open");
        this.close = Objects.requireNonNull(close, "close");
        if (open.isEmpty() || close.isEmpty()) throw new IllegalArgumentException("empty thinking marker");
        this.state = startsInside ? State.THINKING : State.START;
    }

    /** A splitter for the default markers, inside if {@code promptText} leaves a section open. */
    public static ThinkingSplitter forPrompt(String promptText) {
        return new ThinkingSplitter("<think>", "</think>", opensThinking(promptText, "<think>", "</think>"));
    }

    /** Whether {@code promptText} ends inside a thinking section: its last open marker follows its last close marker. */
    public static boolean opensThinking(String promptText, String open, String close) {
        int o = promptText.lastIndexOf(open);
        return o >= 0 && o > promptText.lastIndexOf(close);
    }

    /** Feeds generated text; returns the thinking and answer text that became final. */
    public Chunk accept(String text) {
        pending.append(text);
        return drain(false);
    }

    /** The end of the response: everything held back is released. */
    public Chunk flush() {
        return drain(true);
    }

    /** All thinking text so far. */
    public String thinking() {
        return thinking.toString();
    }

    /** All answer text so far. */
    public String content() {
        return content.toString();
    }

    /** Whether the text so far ends inside the thinking section. */
    public boolean inThinking() {
        return state == State.THINKING;
    }

    private Chunk drain(boolean end) {
        StringBuilder t = new StringBuilder(), c = new StringBuilder();
        boolean progress = true;
        while (progress) {
            progress = false;
            if (partStart) stripLeadingSpace();
            switch (state) {
                case START -> {
                    if (pending.isEmpty()) break;
                    if (startsWith(pending, open)) {
                        pending.delete(0, open.length());
                        state = State.THINKING;
                        partStart = true;
                        progress = true;
                    } else if (end || !isPrefix(pending, open)) {
                        state = State.ANSWER;
                        progress = true;
                    }
                }
                case THINKING -> {
                    int at = pending.indexOf(close);
                    if (at >= 0) {
                        emit(t, thinking, pending.substring(0, stripTrailing(pending, at)));
                        pending.delete(0, at + close.length());
                        state = State.ANSWER;
                        partStart = true;
                        progress = true;
                    } else {
                        int keep = end ? 0 : heldBack(pending, close);
                        int upTo = pending.length() - keep;
                        int emitTo = stripTrailing(pending, upTo); // trailing whitespace waits: it may precede the close marker
                        if (end) emitTo = stripTrailing(pending, pending.length());
                        emit(t, thinking, pending.substring(0, emitTo));
                        pending.delete(0, end ? pending.length() : emitTo);
                    }
                }
                case ANSWER -> {
                    emit(c, content, pending.toString());
                    pending.setLength(0);
                }
            }
        }
        return t.isEmpty() && c.isEmpty() ? Chunk.EMPTY : new Chunk(t.toString(), c.toString());
    }

    private void emit(StringBuilder chunk, StringBuilder total, String s) {
        if (s.isEmpty()) return;
        chunk.append(s);
        total.append(s);
        partStart = false;
    }

    private void stripLeadingSpace() {
        int i = 0;
        while (i < pending.length() && Character.isWhitespace(pending.charAt(i))) i++;
        pending.delete(0, i);
    }

    /** The end of {@code s[0, upTo)} without its trailing whitespace. */
    private static int stripTrailing(CharSequence s, int upTo) {
        while (upTo > 0 && Character.isWhitespace(s.charAt(upTo - 1))) upTo--;
        return upTo;
    }

    /** Length of the longest suffix of {@code s} that is a proper prefix of {@code marker}. */
    private static int heldBack(CharSequence s, String marker) {
        for (int n = Math.min(marker.length() - 1, s.length()); n > 0; n--) {
            if (startsWith(s.subSequence(s.length() - n, s.length()), marker.substring(0, n))) return n;
        }
        return 0;
    }

    private static boolean isPrefix(CharSequence s, String marker) {
        return s.length() < marker.length() && startsWith(marker, s.toString());
    }

    private static boolean startsWith(CharSequence s, String prefix) {
        if (s.length() < prefix.length()) return false;
        for (int i = 0; i < prefix.length(); i++) if (s.charAt(i) != prefix.charAt(i)) return false;
        return true;
    }
}
