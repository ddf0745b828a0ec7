package dev.edgewise.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * UTF-8 read and written the way llama.cpp's tokenizer does it (unicode_cpts_from_utf8 and
 * unicode_cpt_to_utf8), which is not strict UTF-8: a lead byte and the right number of continuation
 * bytes make a code point whatever its value (overlong forms such as {@code C0 80} give U+0000,
 * {@code ED A0 80} the surrogate value D800); a byte that starts no such sequence becomes U+FFFD and
 * reading goes on at the next byte. Writing a code point back gives the shortest form, so surrogate
 * values come back as their 3 bytes. Values above U+10FFFF (from F4 90.. to F7 ..) are refused,
 * as llama.cpp's writer throws on them.
 */
final class LenientUtf8 {
    private LenientUtf8() {}

    static int[] codepoints(byte[] b) {
        int[] out = new int[b.length];
        int n = 0;
        for (int i = 0; i < b.length; ) {
            int b0 = b[i] & 0xFF;
            int need = b0 < 0x80 ? 0 : b0 < 0xC0 ? -1 : b0 < 0xE0 ? 1 : b0 < 0xF0 ? 2 : b0 < 0xF8 ? 3 : -1;
            boolean ok = need >= 0 && i + need < b.length;
            for (int k = 1; ok && k <= need; k++) ok = (b[i + k] & 0xC0) == 0x80;
            if (!ok) {
                out[n++] = 0xFFFD;
                i++;
                continue;
            }
            int cp = need == 0 ? b0 : b0 & (0x3F >> need);
            for (int k = 1; k <= need; k++) cp = (cp << 6) | (b[i + k] & 0x3F);
            if (cp > Character.MAX_CODE_POINT) {
                throw new IllegalArgumentException(String.format(
                        "bytes at offset %d encode the value 0x%X, above U+10FFFF (llama.cpp cannot tokenize it either)", i, cp));
            }
            out[n++] = cp;
            i += need + 1;
        }
        return Arrays.copyOf(out, n);
    }

    /** The shortest-form bytes of {@code cps[from, to)}, surrogate values included. */
    static byte[] bytes(int[] cps, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from + 8);
        for (int i = from; i < to; i++) {
            int cp = cps[i];
            if (cp < 0x80) {
                out.write(cp);
            } else if (cp < 0x800) {
                out.write(0xC0 | cp >> 6);
                out.write(0x80 | cp & 0x3F);
            } else if (cp < 0x10000) {
                out.write(0xE0 | cp >> 12);
                out.write(0x80 | cp >> 6 & 0x3F);
                out.write(0x80 | cp & 0x3F);
            } else {
                out.write(0xF0 | cp >> 18);
                out.write(0x80 | cp >> 12 & 0x3F);
                out.write(0x80 | cp >> 6 & 0x3F);
                out.write(0x80 | cp & 0x3F);
            }
        }
        return out.toByteArray();
    }
}
