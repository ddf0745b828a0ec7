package dev.edgewise.engine.vote;

/** Brace matching for the small LaTeX subset that answers use. */
final class Braces {
    private Braces() {}

    /**
     * Index of the '}' closing the '{' at {@code open}, or -1 when no closing brace occurs before
     * {@code limit}. A backslash escapes the next character, so {@code \{}, {@code \}} and
     * {@code \\} never count as group delimiters.
     */
    static int closing(String s, int open, int limit) {
        int depth = 0;
        for (int i = open; i < limit; i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++; // skip the escaped character
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }
}
