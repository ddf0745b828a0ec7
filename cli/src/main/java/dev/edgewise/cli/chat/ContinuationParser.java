package dev.edgewise.cli.chat;

import org.jline.reader.CompletingParsedLine;
import org.jline.reader.EOFError;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;

import java.util.List;

/**
 * Reads a chat message as one word, verbatim (no quoting or escapes, so "don't" is fine), and asks for
 * another line while the input ends with a backslash: {@link #join} turns each "\" + newline into a newline.
 */
final class ContinuationParser implements Parser {
    @Override
    public ParsedLine parse(String line, int cursor, ParseContext context) {
        if (context == ParseContext.ACCEPT_LINE && line.endsWith("\\")) throw new EOFError(-1, -1, "continued", "\\");
        return new Whole(line, cursor);
    }

    /** The text of an accepted (possibly continued) input. */
    static String join(String raw) {
        return raw.replace("\\\n", "\n");
    }

    private record Whole(String line, int cursor) implements CompletingParsedLine {
        @Override public CharSequence escape(CharSequence candidate, boolean complete) { return candidate; }
        @Override public int rawWordCursor() { return cursor; }
        @Override public int rawWordLength() { return line.length(); }
        @Override public String word() { return line; }
        @Override public int wordCursor() { return cursor; }
        @Override public int wordIndex() { return 0; }
        @Override public List<String> words() { return List.of(line); }
    }
}
