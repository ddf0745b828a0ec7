package dev.edgewise.engine.tools;

import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Tool-call parsing while text streams in: {@link #accept} returns at once the text that can no
 * longer be part of a call (so content shows as it is generated) and holds back the rest from
 * the first place a call may open (a {@code <tool_call>} tag, a fence, a DeepSeek opener, a bare
 * object naming an offered tool, or a prefix of one at the end of the text). {@link #finish} parses
 * the whole text with {@link ToolCallParser} and returns the calls and the content not yet
 * released; released content is always a prefix of the final content. Not thread-safe: one per
 * generated stream.
 */
public final class ToolCallStream {
    private final Set<String> toolNames;
    private final RandomGenerator ids;
    private final StringBuilder released = new StringBuilder();
    private final StringBuilder pending = new StringBuilder();
    private boolean holding;

    /**
     * @param toolNames the offered tools' names (a bare {@code {"name": ...}} object naming one is a call)
     * @param ids       where call ids come from
     */
    public ToolCallStream(Set<String> toolNames, RandomGenerator ids) {
        this.toolNames = Set.copyOf(toolNames);
        this.ids = ids;
    }

    /** Appends generated text; returns the part of the text now known to be content (often all of {@code piece}, maybe nothing). */
    public String accept(String piece) {
        pending.append(piece);
        if (holding) return "";
        String p = pending.toString();
        int end = contentEnd(p, 0, toolNames, true);
        if (end < p.length() && openerAt(p, end, toolNames, true) == Match.FULL) holding = true;
        String out = p.substring(0, end);
        released.append(out);
        pending.delete(0, end);
        return out;
    }

    /** The result of the whole stream. */
    public record Result(ParsedResponse response, String remainingContent) {}

    /** Ends the stream: the parse of all text, and the content {@link #accept} has not returned yet. */
    public Result finish() {
        String all = released + pending.toString();
        ParsedResponse r = ToolCallParser.parse(all, toolNames, ids);
        String content = r.content();
        String rest = content.startsWith(released.toString()) ? content.substring(released.length()) : content;
        return new Result(r, rest);
    }

    enum Match { NO, PARTIAL, FULL }

    /** The first index at or after {@code from} where a call may open; the text's length if none. */
    static int contentEnd(String text, int from, Set<String> names, boolean deepSeek) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c == '<' || c == '`' || c == '{') && openerAt(text, i, names, deepSeek) != Match.NO) return i;
        }
        return text.length();
    }

    /** Whether a call opens at {@code i}: surely, maybe (the text ends before it is decided), or not. */
    static Match openerAt(String text, int i, Set<String> names, boolean deepSeek) {
        char c = text.charAt(i);
        if (c == '`') return fence(text, i, names);
        if (c == '{') return names.isEmpty() ? Match.NO : bareObject(text, i, names);
        if (c != '<') return Match.NO;
        Match best = tagged(text, i);
        best = max(best, literal(text, i, "<function="));
        best = max(best, literal(text, i, "<function name=\""));
        if (deepSeek) for (String o : ToolCallParser.DS_OPENERS) best = max(best, literal(text, i, o));
        return best;
    }

    /** A Hermes tag followed by the start of an object with a name. */
    private static Match tagged(String text, int i) {
        Match best = Match.NO;
        for (String tag : ToolCallParser.HERMES_TAGS) {
            Match m = literal(text, i, tag);
            if (m == Match.FULL) m = namedObject(text, i + tag.length());
            best = max(best, m);
        }
        return best;
    }

    /** {@code ```}, optionally {@code json} or {@code xml}, a newline, spaces, then a tagged call or a bare one. */
    private static Match fence(String text, int i, Set<String> names) {
        Match m = literal(text, i, "```");
        if (m != Match.FULL) return m;
        int j = i + 3;
        for (String lang : new String[] {"json", "xml"}) {
            Match l = literal(text, j, lang);
            if (l == Match.PARTIAL) return Match.PARTIAL;
            if (l == Match.FULL) {
                j += lang.length();
                break;
            }
        }
        if (j >= text.length()) return Match.PARTIAL;
        if (text.charAt(j) != '\n') return Match.NO;
        j = ToolCallParser.skipSpaces(text, j + 1);
        if (j >= text.length()) return Match.PARTIAL;
        if (text.charAt(j) == '<') return tagged(text, j);
        return text.charAt(j) == '{' && !names.isEmpty() ? bareObject(text, j, names) : Match.NO;
    }

    /** Spaces, then {@code {"name"} (with spaces allowed around). */
    private static Match namedObject(String text, int j) {
        j = ToolCallParser.skipSpaces(text, j);
        if (j >= text.length()) return Match.PARTIAL;
        if (text.charAt(j) != '{') return Match.NO;
        j = ToolCallParser.skipSpaces(text, j + 1);
        return j >= text.length() ? Match.PARTIAL : literal(text, j, "\"name\"");
    }

    /** {@code {"name": "N"} where N is an offered tool. */
    private static Match bareObject(String text, int i, Set<String> names) {
        Match m = namedObject(text, i);
        if (m != Match.FULL) return m;
        int j = ToolCallParser.skipSpaces(text, text.indexOf("\"name\"", i) + 6);
        if (j >= text.length()) return Match.PARTIAL;
        if (text.charAt(j) != ':') return Match.NO;
        j = ToolCallParser.skipSpaces(text, j + 1);
        if (j >= text.length()) return Match.PARTIAL;
        if (text.charAt(j) != '"') return Match.NO;
        int end = j + 1;
        while (end < text.length() && text.charAt(end) != '"' && text.charAt(end) != '\\') end++;
        if (end >= text.length()) return Match.PARTIAL;
        return text.charAt(end) == '"' && names.contains(text.substring(j + 1, end)) ? Match.FULL : Match.NO;
    }

    private static Match literal(String text, int i, String lit) {
        int avail = text.length() - i;
        if (avail >= lit.length()) return text.startsWith(lit, i) ? Match.FULL : Match.NO;
        return lit.regionMatches(0, text, i, avail) ? Match.PARTIAL : Match.NO;
    }

    private static Match max(Match a, Match b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }
}
