package dev.edgewise.engine.tokenizer;

/**
 * UTF-8 decoding with U+FFFD for each maximal ill-formed subpart (Unicode 3.9 "best practice", as
 * Python's {@code errors="replace"} does; the JDK decoder differs, e.g. for encoded surrogates), and the
 * ability to stop before an incomplete but so-far valid sequence at the end of the input so that a
 * stream of token bytes can be decoded piecewise with the same result as decoding it whole.
 */
final class Utf8 {
    private Utf8() {}

    /**
     * Decodes {@code b[off, off+len)} into {@code out}. If {@code endOfInput} is false, a trailing sequence
     * that is incomplete but could still become valid is left undecoded.
     *
     * @return the number of bytes consumed
     */
    static int decode(byte[] b, int off, int len, StringBuilder out, boolean endOfInput) {
        int end = off + len;
        int i = off;
        while (i < end) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need, lo = 0x80, hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) need = 1;
            else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                if (b0 == 0xE0) lo = 0xA0;
                else if (b0 == 0xED) hi = 0x9F; // no surrogates
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                if (b0 == 0xF0) lo = 0x90;
                else if (b0 == 0xF4) hi = 0x8F; // nothing above U+10FFFF
            } else {
                out.append('\uFFFD'); // continuation byte without lead, C0/C1, F5..FF
                i++;
                continue;
            }
            int cp = b0 & (0x3F >> need);
            int j = i + 1;
            boolean complete = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= end) {
                    if (!endOfInput) return i - off; // wait for the rest of the sequence
                    complete = false;
                    break;
                }
                int c = b[j] & 0xFF;
                int min = k == 0 ? lo : 0x80, max = k == 0 ? hi : 0xBF;
                if (c < min || c > max) {
                    complete = false;
                    break;
                }
                cp = (cp << 6) | (c & 0x3F);
            }
            if (complete) out.appendCodePoint(cp);
            else out.append('\uFFFD'); // the valid prefix [i, j) is one maximal subpart
            i = j;
        }
        return len;
    }

    static String decode(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        decode(b, 0, b.length, sb, true);
        return sb.toString();
    }
}
