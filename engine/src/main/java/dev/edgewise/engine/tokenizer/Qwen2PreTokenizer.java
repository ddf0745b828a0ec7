package dev.edgewise.engine.tokenizer;

import it.unimi.dsi.fastutil.ints.IntArrayList;

/**
 * The Qwen2 pre-tokenizer regex as llama.cpp evaluates it (leftmost-first alternation, greedy quantifiers,
 * matches found one after the other from the end of the previous one):
 * <pre>
 * (?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])   1 contraction
 * |[^\r\n\p{L}\p{N}]?\p{L}+                                 2 letters, with one optional leading non-letter
 * |\p{N}                                                    3 a single digit
 * | ?[^\s\p{L}\p{N}]+[\r\n]*                                4 punctuation/symbol run, optional leading space
 * |\s*[\r\n]+                                               5 whitespace up to the last line break
 * |\s+(?!\S)                                                6 whitespace not followed by a non-space
 * |\s+                                                      7 any other whitespace
 * </pre>
 * Every code point starts a match of some alternative, so the pieces cover the text without gaps.
 * Written as a scanner because java.util.regex classifies \s and \p{..} differently and is slow.
 */
final class Qwen2PreTokenizer {
    private Qwen2PreTokenizer() {}

    /**
     * Splits code points {@code cps[0..n)} (with their {@link CodepointClass classes}) into pre-tokens,
     * appending the exclusive end offset of each piece to {@code ends}.
     */
    static void split(int[] cps, byte[] cls, int n, IntArrayList ends) {
        int pos = 0;
        while (pos < n) {
            int end = matchAt(cps, cls, n, pos);
            ends.add(end);
            pos = end;
        }
    }

    private static int matchAt(int[] cps, byte[] cls, int n, int p) {
        int c = cps[p];

        // 1: contractions, case-insensitive by explicit classes
        if (c == '\'' && p + 1 < n) {
            int c1 = cps[p + 1] | 0x20; // folds ASCII upper to lower; non-letters cannot collide below
            if (isAsciiLetter(cps[p + 1])) {
                if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return p + 2;
                if (p + 2 < n && isAsciiLetter(cps[p + 2])) {
                    int c2 = cps[p + 2] | 0x20;
                    if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return p + 3;
                }
            }
        }

        // 2: [^\r\n\p{L}\p{N}]?\p{L}+
        if (cls[p] == CodepointClass.LETTER) {
            return letterRunEnd(cls, n, p);
        }
        if (c != '\r' && c != '\n' && cls[p] != CodepointClass.NUMBER
                && p + 1 < n && cls[p + 1] == CodepointClass.LETTER) {
            return letterRunEnd(cls, n, p + 1);
        }

        // 3: \p{N}
        if (cls[p] == CodepointClass.NUMBER) return p + 1;

        // 4: ' ?[^\s\p{L}\p{N}]+[\r\n]*' (the optional prefix is the ASCII space only)
        int start = (c == ' ' && p + 1 < n && cls[p + 1] == CodepointClass.OTHER) ? p + 1 : p;
        if (cls[start] == CodepointClass.OTHER) {
            int q = start;
            while (q < n && cls[q] == CodepointClass.OTHER) q++;
            while (q < n && (cps[q] == '\r' || cps[q] == '\n')) q++;
            return q;
        }

        // only whitespace is left: cls[p] == WHITESPACE
        int runEnd = p;
        int lastLineBreak = -1;
        while (runEnd < n && cls[runEnd] == CodepointClass.WHITESPACE) {
            if (cps[runEnd] == '\r' || cps[runEnd] == '\n') lastLineBreak = runEnd;
            runEnd++;
        }
        // 5: \s*[\r\n]+ -- \s* backtracks from the whole run to the last line break
        if (lastLineBreak >= 0) return lastLineBreak + 1;
        // 6: \s+(?!\S) -- the whole run at the end of text, else all but its last code point
        if (runEnd == n) return n;
        if (runEnd - p >= 2) return runEnd - 1;
        // 7: \s+
        return runEnd;
    }

    private static boolean isAsciiLetter(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    private static int letterRunEnd(byte[] cls, int n, int q) {
        while (q < n && cls[q] == CodepointClass.LETTER) q++;
        return q;
    }
}
