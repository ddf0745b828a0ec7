package dev.edgewise.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class Utf8Test {

    private static String hex(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> sb.append(Integer.toHexString(c)).append(' '));
        return sb.toString().trim();
    }

    private static String decode(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
        return hex(Utf8.decode(b));
    }

    /** Expected values are Python's bytes.decode("utf-8", "replace"): one U+FFFD per maximal subpart. */
    @Test
    void replacesEachMaximalIllFormedSubpart() {
        assertThat(decode(0xE0, 0x80, 0x41)).isEqualTo("fffd fffd 41");
        assertThat(decode(0xF0, 0x9F, 0x98, 0x41)).isEqualTo("fffd 41");
        assertThat(decode(0xED, 0xA0, 0x80)).isEqualTo("fffd fffd fffd"); // encoded surrogate (the JDK gives one)
        assertThat(decode(0xF4, 0x90, 0x80, 0x80)).isEqualTo("fffd fffd fffd fffd");
        assertThat(decode(0xC0, 0xAF)).isEqualTo("fffd fffd");
        assertThat(decode(0xF0, 0x9F)).isEqualTo("fffd");
        assertThat(decode(0x80, 0xBF, 0xFF)).isEqualTo("fffd fffd fffd");
        assertThat(decode(0xF0, 0x9F, 0x98, 0x80)).isEqualTo("1f600");
        assertThat(decode(0xEF, 0xBF, 0xBF, 0xF4, 0x8F, 0xBF, 0xBF)).isEqualTo("ffff 10ffff");
    }

    @Test
    void validUtf8DecodesLikeTheJdk() {
        Random r = new Random(7);
        for (int i = 0; i < 500; i++) {
            String s = RandomText.next(r, 20);
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            assertThat(Utf8.decode(b)).isEqualTo(new String(b, StandardCharsets.UTF_8));
        }
    }

    @Test
    void decodingInPiecesGivesTheSameTextAsDecodingWhole() {
        Random r = new Random(11);
        int[] interesting = {0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x9F, 0xA0, 0x8F, 0x90};
        for (int iter = 0; iter < 2000; iter++) {
            byte[] b = new byte[r.nextInt(16)];
            for (int i = 0; i < b.length; i++) b[i] = (byte) (r.nextBoolean() ? interesting[r.nextInt(interesting.length)] : r.nextInt(256));
            String whole = Utf8.decode(b);
            StringBuilder pieces = new StringBuilder();
            byte[] pending = new byte[0];
            int pos = 0;
            while (pos < b.length) {
                int take = 1 + r.nextInt(3);
                take = Math.min(take, b.length - pos);
                byte[] buf = new byte[pending.length + take];
                System.arraycopy(pending, 0, buf, 0, pending.length);
                System.arraycopy(b, pos, buf, pending.length, take);
                pos += take;
                int consumed = Utf8.decode(buf, 0, buf.length, pieces, false);
                pending = java.util.Arrays.copyOfRange(buf, consumed, buf.length);
                assertThat(pending.length).isLessThan(4);
            }
            Utf8.decode(pending, 0, pending.length, pieces, true);
            assertThat(pieces.toString()).isEqualTo(whole);
        }
    }
}
