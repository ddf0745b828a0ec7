package dev.edgewise.engine.constraint;

/**
 * The inside of a JSON string as a finite automaton over bytes: plain characters, escapes
 * ({@code \\uXXXX} without surrogates), strict UTF-8 (no overlong forms, surrogates or values above
 * U+10FFFF), no control characters. Small enough that the vocabulary trie precomputes, for every
 * node and sub-state, whether its whole subtree stays inside the string or is rejected.
 */
final class StringLexer {
    static final int NORMAL = 0, ESCAPE = 1, HEX4 = 2, HEX3 = 3, HEX3_AFTER_D = 4, HEX2 = 5, HEX1 = 6,
            U1 = 7, U2 = 8, U2_E0 = 9, U2_ED = 10, U3 = 11, U3_F0 = 12, U3_F4 = 13;
    static final int STATES = 14;
    /** Results of {@link #step} besides a sub-state: the byte is refused, or it is the closing quote. */
    static final int REJECT = -1, CLOSE = -2;

    private StringLexer() {}

    static int step(int q, int b) {
        switch (q) {
            case NORMAL:
                if (b == '"') return CLOSE;
                if (b == '\\') return ESCAPE;
                if (b < 0x20) return REJECT;
                if (b < 0x80) return NORMAL;
                if (b >= 0xC2 && b <= 0xDF) return U1;
                if (b == 0xE0) return U2_E0;
                if (b == 0xED) return U2_ED;
                if (b >= 0xE1 && b <= 0xEF) return U2;
                if (b == 0xF0) return U3_F0;
                if (b >= 0xF1 && b <= 0xF3) return U3;
                if (b == 0xF4) return U3_F4;
                return REJECT;
            case ESCAPE:
                if (b == 'u') return HEX4;
                return "\"\\/bfnrt".indexOf(b) >= 0 ? NORMAL : REJECT;
            case HEX4:
                if (!hex(b)) return REJECT;
                return b == 'd' || b == 'D' ? HEX3_AFTER_D : HEX3;
            case HEX3_AFTER_D:
                return hex(b) && Character.digit(b, 16) < 8 ? HEX2 : REJECT; // D800-DFFF: surrogates refused
            case HEX3:
                return hex(b) ? HEX2 : REJECT;
            case HEX2:
                return hex(b) ? HEX1 : REJECT;
            case HEX1:
                return hex(b) ? NORMAL : REJECT;
            case U1:
                return b >= 0x80 && b <= 0xBF ? NORMAL : REJECT;
            case U2:
                return b >= 0x80 && b <= 0xBF ? U1 : REJECT;
            case U2_E0:
                return b >= 0xA0 && b <= 0xBF ? U1 : REJECT;
            case U2_ED:
                return b >= 0x80 && b <= 0x9F ? U1 : REJECT;
            case U3:
                return b >= 0x80 && b <= 0xBF ? U2 : REJECT;
            case U3_F0:
                return b >= 0x90 && b <= 0xBF ? U2 : REJECT;
            default: // U3_F4
                return b >= 0x80 && b <= 0x8F ? U2 : REJECT;
        }
    }

    private static boolean hex(int b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }
}
