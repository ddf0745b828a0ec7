package dev.edgewise.engine.tokenizer;

import java.util.Arrays;

/**
 * GPT-2's {@code bytes_to_unicode}: every byte value gets a printable code point so that byte-level BPE
 * vocabularies can be stored as text. Printable Latin-1 bytes map to themselves; the 68 others
 * (controls, space, DEL, NBSP, soft hyphen...) map to U+0100.. in byte order (space -> 'Ġ', '\n' -> 'Ċ').
 */
public final class ByteLevelMapping {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[256 + 68];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + shifted++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevelMapping() {}

    /** The vocabulary character standing for byte {@code b} (0..255). */
    public static char toChar(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a vocabulary code point stands for, or -1 if it is not one of the 256 mapped characters. */
    static int toByte(int codePoint) {
        return codePoint >= 0 && codePoint < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[codePoint] : -1;
    }
}
