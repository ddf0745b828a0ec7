package dev.edgewise.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** decode(encode(s)) == s, streaming decoding, and special tokens as text or as tokens, on the real vocabularies. */
class RoundTripTest {

    private static void assertRoundTrip(Tokenizer t, String s) {
        for (boolean parseSpecial : new boolean[] {false, true}) {
            int[] ids = t.encode(s, parseSpecial);
            assertThat(t.decode(ids)).as("decode(encode(%s, %s))", s, parseSpecial).isEqualTo(s);
            assertThat(streamed(t, ids)).isEqualTo(s);
        }
    }

    private static String streamed(Tokenizer t, int[] ids) {
        StreamingDecoder d = t.streamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(d.accept(id));
        return sb.append(d.flush()).toString();
    }

    @Test
    void cjkEmojiWhitespaceAndNewlinesRoundTrip() {
        List<String> samples = List.of("\u4F60\u597D\uFF0C\u4E16\u754C\uFF01 \u3053\u3093\u306B\u3061\u306F \uC548\uB155",
                "emoji \uD83D\uDE00\uD83E\uDD9C\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67 flags \uD83C\uDDEF\uD83C\uDDF5",
                "\t\t  \n\n\r\n   x   \n", "   ", "\n", "line1\nline2\r\nline3\n\n\n", "a\u00A0b\u2028c\u3000d",
                "caf\u00E9 na\u00EFve e\u0301", "I'm sure they'LL say 'hello'", "x = f(y) + 42; // \u03C0 \u2248 3.14159",
                "<|im_start|>user\nhi<|im_end|>\n<tool_call>{\"a\": 1}</tool_call>", "\u0000\u0001\u001F\u007F");
        for (Tokenizer t : List.of(FixtureTokenizers.real(), FixtureTokenizers.mini())) {
            for (String s : samples) assertRoundTrip(t, s);
        }
    }

    @Test
    void randomUnicodeStringsRoundTripOnFixtureVocabularies() {
        Random r = new Random(2024);
        Tokenizer real = FixtureTokenizers.real();
        Tokenizer mini = FixtureTokenizers.mini();
        for (int i = 0; i < 400; i++) {
            String s = RandomText.next(r, 40);
            assertRoundTrip(real, s);
            assertRoundTrip(mini, s);
        }
    }

    @Test
    void randomUnicodeStringsRoundTripOnHandMadeVocabulary() {
        Random r = new Random(2025);
        Tokenizer unit = new TestVocab().merge("a", "b").merge(" ", "t").merge("\n", "\n")
                .added("<x>", Vocabulary.USER_DEFINED).added("<|im_start|>", Vocabulary.CONTROL).tokenizer();
        for (int i = 0; i < 400; i++) assertRoundTrip(unit, RandomText.next(r, 40));
    }

    @Test
    void specialTokensAreTextWithoutSpecialParsingAndTokensWithIt() {
        Tokenizer real = FixtureTokenizers.real();
        String chat = "<|im_start|>user\nHi<|im_end|>\n";
        int[] plain = real.encode(chat, false);
        assertThat(plain).doesNotContain(151644, 151645);
        assertThat(real.decode(plain)).isEqualTo(chat);
        assertThat(real.encode(chat, true)).startsWith(151644).contains(151645);
        // USER_DEFINED <tool_call> is a token either way
        assertThat(real.encode("<tool_call>", false)).containsExactly(151657);
        assertThat(real.encode("<tool_call>", true)).containsExactly(151657);
        // adjacent specials and text
        assertThat(real.encode("<|im_end|><|im_start|>", true)).containsExactly(151645, 151644);
        assertThat(real.piece(151645)).isEqualTo("<|im_end|>");
        assertThat(real.decode(new int[] {151644, 872, 151645}, false)).isEqualTo("user");
        // UNUSED padding ids render as nothing, as in llama.cpp
        assertThat(real.vocabulary().token(151665)).isEqualTo("[PAD151665]");
        assertThat(real.tokenBytes(151665)).isEmpty();
    }

    @Test
    void emojiSplitOverByteTokensStreamsOutOnceComplete() {
        Tokenizer real = FixtureTokenizers.real();
        String emoji = "\uD83D\uDE00"; // F0 9F 98 80
        int[] byteTokens = new int[4];
        byte[] utf8 = emoji.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < 4; i++) byteTokens[i] = real.vocabulary().id(String.valueOf(ByteLevelMapping.toChar(utf8[i])));
        StreamingDecoder d = real.streamingDecoder();
        List<String> outputs = new ArrayList<>();
        for (int id : new int[] {9707, byteTokens[0], byteTokens[1], byteTokens[2], byteTokens[3], 0}) outputs.add(d.accept(id));
        assertThat(outputs).containsExactly("Hello", "", "", "", emoji, "!");
        assertThat(d.flush()).isEmpty();

        // however the real vocabulary splits a rarer emoji, it comes out exactly once and whole
        String parrot = "\uD83E\uDD9C";
        int[] ids = real.encode(parrot, false);
        assertThat(ids.length).isGreaterThan(1);
        StreamingDecoder d2 = real.streamingDecoder();
        List<String> parts = new ArrayList<>();
        for (int id : ids) parts.add(d2.accept(id));
        assertThat(parts.subList(0, parts.size() - 1)).allMatch(String::isEmpty);
        assertThat(parts.getLast()).isEqualTo(parrot);

        // an unfinished character is flushed as U+FFFD, and an invalid continuation is not held back
        StreamingDecoder d3 = real.streamingDecoder();
        assertThat(d3.accept(byteTokens[0])).isEmpty();
        assertThat(d3.accept(byteTokens[1])).isEmpty();
        assertThat(d3.flush()).isEqualTo("\uFFFD");
        StreamingDecoder d4 = real.streamingDecoder();
        assertThat(d4.accept(byteTokens[0])).isEmpty();
        assertThat(d4.accept(9707)).isEqualTo("\uFFFDHello");
    }
}
