package dev.edgewise.engine.tokenizer;

import java.util.Random;

/** Random well-formed text mixing ASCII, whitespace runs, Latin, CJK, emoji, marks and special-token text. */
final class RandomText {
    private static final String[] FRAGMENTS = {"<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>", "<think>",
            "<|endoftext|>", "</s>", "'s", "'LL", "\r\n", "   ", "\t\t", "\n\n\n", " \u00A0 ", "\u3000"};

    private RandomText() {}

    static String next(Random r, int maxCodePoints) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(maxCodePoints + 1);
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(10);
            int cp = switch (kind) {
                case 0, 1, 2 -> 0x20 + r.nextInt(0x5F);                 // printable ASCII
                case 3 -> " \t\n\r\u000B\u000C".charAt(r.nextInt(6));  // ASCII whitespace
                case 4 -> 0xA0 + r.nextInt(0x250);                      // Latin-1, Latin Extended, IPA
                case 5 -> 0x4E00 + r.nextInt(0x5000);                   // CJK
                case 6 -> 0x1F300 + r.nextInt(0x300);                   // emoji (4-byte UTF-8)
                case 7 -> r.nextBoolean() ? 0x300 + r.nextInt(0x70) : 0x0600 + r.nextInt(0x100); // marks, Arabic
                case 8 -> r.nextInt(0x20);                              // controls
                default -> -1;
            };
            if (cp >= 0) {
                sb.appendCodePoint(cp);
            } else {
                sb.append(FRAGMENTS[r.nextInt(FRAGMENTS.length)]);
            }
        }
        return sb.toString();
    }
}
