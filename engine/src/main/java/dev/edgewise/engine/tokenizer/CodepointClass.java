package dev.edgewise.engine.tokenizer;

/**
 * The four code point classes the Qwen2 pre-tokenizer regex distinguishes, classified the way llama.cpp
 * does it. llama.cpp runs that regex with std::regex over a "collapsed" text: code points below 128 stay
 * themselves (so {@code \s} is C isspace: 9..13 and 32, letters are A-Z a-z, numbers 0-9), others become
 * a whitespace stand-in if they are Unicode White_Space, else a letter/number stand-in by general category
 * (L*, N*), else something that is none of the three.
 *
 * <p>llama.cpp's category table comes from UnicodeData.txt; here {@link Character#getType} supplies the
 * same general categories (the JDK's Unicode version may differ only for recently assigned code points).
 */
final class CodepointClass {
    static final byte OTHER = 0;
    static final byte LETTER = 1;
    static final byte NUMBER = 2;
    static final byte WHITESPACE = 3;

    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            byte k = OTHER;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) k = LETTER;
            else if (c >= '0' && c <= '9') k = NUMBER;
            else if ((c >= 0x09 && c <= 0x0D) || c == ' ') k = WHITESPACE;
            ASCII[c] = k;
        }
    }

    private CodepointClass() {}

    static byte of(int cp) {
        if (cp < 128) return ASCII[cp];
        if (isUnicodeWhiteSpace(cp)) return WHITESPACE;
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /** The Unicode White_Space property (PropList.txt), as llama.cpp's unicode_set_whitespace lists it. */
    static boolean isUnicodeWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
