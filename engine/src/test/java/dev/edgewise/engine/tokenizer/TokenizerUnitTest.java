package dev.edgewise.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The tokenizer on small hand-made vocabularies, where every expected id can be worked out by hand. */
class TokenizerUnitTest {

    private static int id(Tokenizer t, String raw) {
        int id = t.vocabulary().id(TestVocab.mapped(raw));
        assertThat(id).as("token for %s", raw).isNotNegative();
        return id;
    }

    @Test
    void byteLevelMappingIsGpt2BytesToUnicode() {
        assertThat(ByteLevelMapping.toChar(' ')).isEqualTo('\u0120'); // Ġ
        assertThat(ByteLevelMapping.toChar('\n')).isEqualTo('\u010A'); // Ċ
        assertThat(ByteLevelMapping.toChar('A')).isEqualTo('A');
        assertThat(ByteLevelMapping.toChar(0xAD)).isEqualTo('\u0143');
        assertThat(ByteLevelMapping.toChar(0xFF)).isEqualTo('\u00FF');
        for (int b = 0; b < 256; b++) assertThat(ByteLevelMapping.toByte(ByteLevelMapping.toChar(b))).isEqualTo(b);
        assertThat(ByteLevelMapping.toByte(' ')).isEqualTo(-1);
    }

    @Test
    void mergesApplyInRankOrderWithinEachPreToken() {
        Tokenizer t = new TestVocab().merge("h", "e").merge("l", "l").merge("he", "ll").merge("hell", "o")
                .merge(" ", "w").merge("o", " ").tokenizer();
        assertThat(t.encode("hello", false)).containsExactly(id(t, "hello"));
        assertThat(t.encode("hellx", false)).containsExactly(id(t, "hell"), 'x');
        // "o " never merges: the space starts the next pre-token
        assertThat(t.encode("hello world", false))
                .containsExactly(id(t, "hello"), id(t, " w"), 'o', 'r', 'l', 'd');
    }

    @Test
    void lowerRankWinsAndTiesGoLeftmost() {
        Tokenizer bcFirst = new TestVocab().merge("b", "c").merge("a", "b").tokenizer();
        assertThat(bcFirst.encode("abc", false)).containsExactly('a', id(bcFirst, "bc"));
        Tokenizer abFirst = new TestVocab().merge("a", "b").merge("b", "c").tokenizer();
        assertThat(abFirst.encode("abc", false)).containsExactly(id(abFirst, "ab"), 'c');

        Tokenizer aa = new TestVocab().merge("a", "a").tokenizer();
        int aaId = id(aa, "aa");
        assertThat(aa.encode("aaa", false)).containsExactly(aaId, 'a');
        assertThat(aa.encode("aaaa", false)).containsExactly(aaId, aaId);
        assertThat(aa.encode("aaaaa", false)).containsExactly(aaId, aaId, 'a');
    }

    @Test
    void newPairsFormedByAMergeCompeteByRank() {
        // after "b c" (rank 0), the pair "a bc" (rank 1) beats "bc d" (rank 2)
        Tokenizer t = new TestVocab().merge("b", "c").merge("a", "bc").merge("bc", "d").tokenizer();
        assertThat(t.encode("abcd", false)).containsExactly(id(t, "abc"), 'd');
    }

    @Test
    void multiByteCharactersWithoutMergesBecomeByteTokens() {
        Tokenizer t = new TestVocab().tokenizer();
        assertThat(t.encode("\u00E9", false)).containsExactly(0xC3, 0xA9);
        assertThat(t.encode("\uD83D\uDE00", false)).containsExactly(0xF0, 0x9F, 0x98, 0x80);
        assertThat(t.decode(new int[] {0xF0, 0x9F, 0x98, 0x80})).isEqualTo("\uD83D\uDE00");
        assertThat(t.piece(0xF0)).isEqualTo("\uFFFD");
        assertThat(t.tokenBytes(0xF0)).containsExactly((byte) 0xF0);
    }

    @Test
    void mergeResultsMissingFromTheVocabularyFallBackLikeLlamaCpp() {
        // "x y" makes "xy", which is no token: its one-byte characters are looked up instead
        Tokenizer t = new TestVocab().merge("x", "y").withoutMergeResults().tokenizer();
        assertThat(t.encode("xy", false)).containsExactly('x', 'y');
        // but "xy" can still take part in a later merge whose result is a token
        Tokenizer t2 = new TestVocab().merge("x", "y").merge("xy", "z").withoutMergeResults().normal("xyz").tokenizer();
        assertThat(t2.encode("xyz", false)).containsExactly(id(t2, "xyz"));
        assertThat(t2.encode("xyx", false)).containsExactly('x', 'y', 'x');
    }

    @Test
    void specialTokensAreFoundLongestFirstAndUserDefinedOnesEvenWithoutSpecialParsing() {
        Tokenizer t = new TestVocab()
                .added("<|im_start|>", Vocabulary.CONTROL)
                .added("<tool>", Vocabulary.USER_DEFINED)
                .added("ab", Vocabulary.USER_DEFINED)
                .added("bcd", Vocabulary.USER_DEFINED)
                .tokenizer();
        Vocabulary v = t.vocabulary();
        int start = v.id("<|im_start|>"), tool = v.id("<tool>"), ab = v.id("ab"), bcd = v.id("bcd");
        assertThat(t.encode("<|im_start|>x<tool>", true)).containsExactly(start, 'x', tool);
        assertThat(t.encode("<|im_start|>x<tool>", false))
                .containsExactly('<', '|', 'i', 'm', '_', 's', 't', 'a', 'r', 't', '|', '>', 'x', tool);
        // llama.cpp partitions by token, longest first, not by leftmost match
        assertThat(t.encode("abcd", false)).containsExactly('a', bcd);
        assertThat(t.encode("abab", false)).containsExactly(ab, ab);
        assertThat(t.decode(t.encode("<|im_start|>x<tool>abcd", true))).isEqualTo("<|im_start|>x<tool>abcd");
    }

    @Test
    void controlLookingTokensArePromotedAndEndGeneration() {
        // "<|im_end|>" stored as NORMAL: llama.cpp makes it CONTROL and EOG by its text
        Tokenizer t = new TestVocab()
                .added("<|im_end|>", Vocabulary.NORMAL)
                .added("<|fim_pad|>", Vocabulary.CONTROL)
                .added("<|fim_prefix|>", Vocabulary.NORMAL)
                .added("<|im_start|>", Vocabulary.CONTROL)
                .eos("<|endoftext|>")
                .tokenizer();
        Vocabulary v = t.vocabulary();
        int imEnd = v.id("<|im_end|>");
        assertThat(t.endOfGenerationTokens()).containsExactly(imEnd, v.id("<|fim_pad|>"), v.id("<|endoftext|>"));
        assertThat(t.isEndOfGeneration(v.id("<|im_start|>"))).isFalse();
        assertThat(t.encode("<|im_end|>", true)).containsExactly(imEnd);
        assertThat(t.encode("<|im_end|>", false)).hasSize(10);
        assertThat(t.encode("<|fim_prefix|>", true)).containsExactly(v.id("<|fim_prefix|>"));
        // CONTROL tokens are hidden when not rendering specials
        assertThat(t.decode(new int[] {'a', imEnd}, false)).isEqualTo("a");
        assertThat(t.decode(new int[] {'a', imEnd})).isEqualTo("a<|im_end|>");
    }

    @Test
    void explicitEndOfTurnIdAndGptOssEndMarkerWorkaround() {
        TestVocab tv = new TestVocab().added("<|end|>", Vocabulary.CONTROL).added("<|return|>", Vocabulary.CONTROL)
                .added("<|call|>", Vocabulary.CONTROL).added("<turn>", Vocabulary.CONTROL);
        Vocabulary base = tv.build();
        String[] tokens = new String[base.size()];
        int[] types = new int[base.size()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = base.token(i);
            types[i] = base.type(i);
        }
        int turn = base.id("<turn>");
        Tokenizer t = new Tokenizer(new Vocabulary(tokens, types, new String[0], -1, -1, -1, turn, -1, "qwen2"));
        // "<|end|>" leaves EOG and becomes USER_DEFINED next to "<|return|>" and "<|call|>"
        assertThat(t.endOfGenerationTokens()).containsExactly(base.id("<|return|>"), base.id("<|call|>"), turn);
        assertThat(t.encode("<|end|>", false)).containsExactly(base.id("<|end|>"));
    }

    @Test
    void tokenBytesFollowTokenTypes() {
        Tokenizer t = new TestVocab().added("<0x41>", Vocabulary.BYTE).added("[PAD1]", Vocabulary.UNUSED)
                .added("<unk>", Vocabulary.UNKNOWN).added("\u00FCber", Vocabulary.USER_DEFINED).tokenizer();
        Vocabulary v = t.vocabulary();
        assertThat(t.tokenBytes(v.id("<0x41>"))).containsExactly('A');
        assertThat(t.tokenBytes(v.id("[PAD1]"))).isEmpty();
        assertThat(t.piece(v.id("<unk>"))).isEqualTo("<unk>");
        assertThat(t.decode(new int[] {v.id("<unk>")}, false)).isEmpty();
        assertThat(t.tokenBytes(v.id("\u00FCber"))).containsExactly("\u00FCber".getBytes(StandardCharsets.UTF_8));
        assertThat(t.tokenBytes(' ')).containsExactly(' ');
        assertThatThrownBy(() -> t.decode(new int[] {v.size()})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(v.size()));
    }

    @Test
    void unpairedSurrogatesAreEncodedAsReplacementCharacter() {
        Tokenizer t = new TestVocab().tokenizer();
        assertThat(t.encode("a\uD800b", false)).containsExactly(t.encode("a\uFFFDb", false));
        assertThat(t.encode("", true)).isEmpty();
    }

    @Test
    void vocabularyRejectsInconsistentInput() {
        String[] tokens = {"a", "b"};
        assertThatThrownBy(() -> new Vocabulary(new String[] {"a", "a"}, new int[] {1, 1}, new String[0], -1, -1, -1, "qwen2"))
                .hasMessageContaining("duplicate token").hasMessageContaining("'a'");
        assertThatThrownBy(() -> new Vocabulary(tokens, new int[] {1}, new String[0], -1, -1, -1, "qwen2"))
                .hasMessageContaining("token type count 1");
        assertThatThrownBy(() -> new Vocabulary(tokens, new int[] {1, 1}, new String[] {"ab"}, -1, -1, -1, "qwen2"))
                .hasMessageContaining("merge 0");
        assertThatThrownBy(() -> new Vocabulary(tokens, new int[] {1, 1}, new String[0], -1, 2, -1, "qwen2"))
                .hasMessageContaining("eos token id 2");
        Vocabulary v = new Vocabulary(new String[] {"a", ""}, new int[] {1, 1}, new String[0], -1, -1, -1, "llama3");
        assertThat(v.token(1)).isEqualTo("[EMPTY_1]");
        assertThatThrownBy(() -> new Tokenizer(v)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'llama3'");
    }
}
