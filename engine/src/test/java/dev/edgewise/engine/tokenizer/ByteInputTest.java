package dev.edgewise.engine.tokenizer;

import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tokenizing raw bytes as llama_tokenize does: valid UTF-8 gives the fixture vectors' ids, NUL is the
 * byte token of 0x00, a byte llama.cpp cannot read becomes U+FFFD, overlong forms and encoded
 * surrogates are read at face value and tokenized as their own bytes (llama.cpp's unicode_cpts_from_utf8
 * and unicode_cpt_to_utf8).
 */
class ByteInputTest {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    @Test
    void fixtureVectorsAsBytesGiveLlamaCppIds() throws IOException {
        for (String name : new String[] {"qwen2", "mini"}) {
            Tokenizer tok = name.equals("qwen2") ? FixtureTokenizers.real() : FixtureTokenizers.mini();
            byte[] inp = Files.readAllBytes(Fixtures.path("tokenizer/" + name + ".inp"));
            String[] outs = Files.readString(Fixtures.path("tokenizer/" + name + ".out"), StandardCharsets.UTF_8).split("\n", -1);
            String text = new String(inp, StandardCharsets.UTF_8);
            String[] inputs = text.substring(0, text.length() - SEPARATOR.length()).split(SEPARATOR, -1);
            for (int i = 0; i < inputs.length; i++) {
                String t = outs[i].trim();
                int[] expected = t.isEmpty() ? new int[0] : java.util.Arrays.stream(t.split(" ")).mapToInt(Integer::parseInt).toArray();
                assertThat(tok.encode(inputs[i].getBytes(StandardCharsets.UTF_8), false)).as("%s #%d", name, i).containsExactly(expected);
            }
        }
    }

    @Test
    void nulIsTheByteTokenOfZero() {
        Tokenizer tok = FixtureTokenizers.real();
        int nul = tok.vocabulary().id("\u0100"); // GPT-2 bytes_to_unicode maps byte 0x00 to U+0100
        assertThat(nul).isGreaterThanOrEqualTo(0);
        int[] ids = tok.encode(new byte[] {'a', 0, 'b', 0, 0}, false);
        assertThat(concat(tok, ids)).containsExactly('a', 0, 'b', 0, 0);
        assertThat(ids).contains(nul);
        assertThat(ids).containsExactly(tok.encode("a\0b\0\0", false));
    }

    @Test
    void unreadableBytesBecomeReplacementCharacters() {
        Tokenizer tok = FixtureTokenizers.real();
        // stray continuation, truncated 3-byte sequence before ASCII, 0xFF, lead byte at the end
        byte[] in = {'H', 'i', (byte) 0x80, ' ', (byte) 0xE2, (byte) 0x82, 'x', (byte) 0xFF, '!', (byte) 0xC3};
        assertThat(tok.encode(in, false)).containsExactly(tok.encode("Hi\uFFFD \uFFFD\uFFFDx\uFFFD!\uFFFD", false));
    }

    @Test
    void overlongFormsAndSurrogatesAreTakenAtFaceValue() {
        Tokenizer tok = FixtureTokenizers.real();
        // C0 80 is an overlong NUL: llama.cpp reads code point 0 and writes byte 00
        assertThat(tok.encode(new byte[] {'a', (byte) 0xC0, (byte) 0x80}, false)).containsExactly(tok.encode("a\0", false));
        // ED A0 80 ED B8 80: two encoded surrogates (not one supplementary character), kept as their bytes
        byte[] surrogates = {'x', ' ', (byte) 0xED, (byte) 0xA0, (byte) 0xBD, (byte) 0xED, (byte) 0xB8, (byte) 0x80, 'y'};
        int[] ids = tok.encode(surrogates, false);
        assertThat(concat(tok, ids)).containsExactly(surrogates);
        assertThat(ids).doesNotContain(tok.encode("\uD83D\uDE00", false)); // not the emoji's tokens
    }

    @Test
    void specialTokensAreFoundBetweenInvalidBytes() {
        Tokenizer tok = FixtureTokenizers.real();
        byte[] in = concatBytes(new byte[] {(byte) 0xE3}, "<|im_start|>user".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0x80});
        assertThat(tok.encode(in, true)).containsExactly(tok.encode("\uFFFD<|im_start|>user\uFFFD", true));
        assertThat(tok.encode(in, true)[1]).isEqualTo(151644);
    }

    @Test
    void valuesAboveUnicodeAreRefusedAsLlamaCppRefusesThem() {
        Tokenizer tok = FixtureTokenizers.real();
        assertThatThrownBy(() -> tok.encode(new byte[] {'a', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset 1").hasMessageContaining("0x110000");
    }

    private static byte[] concat(Tokenizer tok, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) out.writeBytes(tok.tokenBytes(id));
        return out.toByteArray();
    }

    private static byte[] concatBytes(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
