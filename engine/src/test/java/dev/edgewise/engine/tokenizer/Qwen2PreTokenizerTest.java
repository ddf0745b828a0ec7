package dev.edgewise.engine.tokenizer;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class Qwen2PreTokenizerTest {

    static List<String> split(String s) {
        int[] cps = s.codePoints().toArray();
        byte[] cls = new byte[cps.length];
        for (int i = 0; i < cps.length; i++) cls[i] = CodepointClass.of(cps[i]);
        IntArrayList ends = new IntArrayList();
        Qwen2PreTokenizer.split(cps, cls, cps.length, ends);
        List<String> pieces = new ArrayList<>();
        int a = 0;
        for (int k = 0; k < ends.size(); k++) {
            pieces.add(new String(cps, a, ends.getInt(k) - a));
            a = ends.getInt(k);
        }
        return pieces;
    }

    @Test
    void splitsLikeTheQwen2Regex() {
        assertThat(split("Hello world")).containsExactly("Hello", " world");
        assertThat(split("Hello  world")).containsExactly("Hello", " ", " world");
        assertThat(split("I'm here, they'RE")).containsExactly("I", "'m", " here", ",", " they", "'RE");
        assertThat(split("'xyz")).containsExactly("'xyz");
        assertThat(split("12345")).containsExactly("1", "2", "3", "4", "5");
        assertThat(split("a  \n\n b")).containsExactly("a", "  \n\n", " b");
        assertThat(split("x \n  ")).containsExactly("x", " \n", "  ");
        assertThat(split("trailing   ")).containsExactly("trailing", "   ");
        assertThat(split("hi   there")).containsExactly("hi", "  ", " there");
        assertThat(split("!!!\n\nabc")).containsExactly("!!!\n\n", "abc");
        assertThat(split(" !!x")).containsExactly(" !!", "x");
        assertThat(split("\t!!")).containsExactly("\t", "!!");
        assertThat(split("\tword $var")).containsExactly("\tword", " $", "var"); // " $" is alternative 4
        assertThat(split("$var")).containsExactly("$var");
        assertThat(split("\nword")).containsExactly("\n", "word");
        assertThat(split("你好，世界")).containsExactly("你好", "，世界");
        assertThat(split("\u3000\u3000x")).containsExactly("\u3000", "\u3000x"); // U+3000 is White_Space
        assertThat(split("a\u00A0b")).containsExactly("a", "\u00A0b");
        assertThat(split("3\u00BD\u0663")).containsExactly("3", "\u00BD", "\u0663"); // No and Nd are \p{N}
        assertThat(split("\uD83D\uDE00\uD83D\uDE00 ok")).containsExactly("\uD83D\uDE00\uD83D\uDE00", " ok");
        assertThat(split("e\u0301t\u00E9")).containsExactly("e", "\u0301t\u00E9"); // a combining mark is not \p{L}
        assertThat(split("")).isEmpty();
    }

    @Test
    void classifiesLikeLlamaCpp() {
        assertThat(CodepointClass.of('\u000B')).isEqualTo(CodepointClass.WHITESPACE);
        assertThat(CodepointClass.of(0x1C)).isEqualTo(CodepointClass.OTHER); // Java isWhitespace says yes, Unicode says no
        assertThat(CodepointClass.of(0x85)).isEqualTo(CodepointClass.WHITESPACE);
        assertThat(CodepointClass.of(0x2007)).isEqualTo(CodepointClass.WHITESPACE); // Java isWhitespace says no
        assertThat(CodepointClass.of(0x200B)).isEqualTo(CodepointClass.OTHER); // zero width space is Cf
        assertThat(CodepointClass.of(0x2160)).isEqualTo(CodepointClass.NUMBER); // Roman numeral, Nl
        assertThat(CodepointClass.of(0x02B0)).isEqualTo(CodepointClass.LETTER); // modifier letter
        assertThat(CodepointClass.of('_')).isEqualTo(CodepointClass.OTHER);
    }

    /**
     * The scanner against the regex itself: java.util.regex run the way llama.cpp runs std::regex, over a
     * text where every non-ASCII code point is collapsed to one stand-in character per class.
     */
    @Test
    void agreesWithBacktrackingRegexOnCollapsedText() {
        Pattern regex = Pattern.compile("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
                + "|[^\\r\\n\\u00D2A-Za-z\\u00D10-9]?[\\u00D2A-Za-z]+|[\\u00D10-9]"
                + "| ?[^\\s\\u00D2A-Za-z\\u00D10-9]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
        int[] pool = {'a', 'Z', 's', 't', 'r', 'e', 'v', 'm', 'l', 'L', 'd', 'D', '\'', ' ', ' ', ' ', '\t', '\n', '\r',
                0x0B, 0x0C, '1', '!', '.', '$', '_', 0x1C, 0x00, 0xE9, 0x4E2D, 0x0663, 0x2160, 0x00A0, 0x3000, 0x2028,
                0x0085, 0x200B, 0x0301, 0x1F600, 0xFF0C, 0x00BD};
        Random random = new Random(42);
        for (int iter = 0; iter < 3000; iter++) {
            int n = random.nextInt(24);
            int[] cps = new int[n];
            for (int i = 0; i < n; i++) cps[i] = pool[random.nextInt(pool.length)];
            String s = new String(cps, 0, n);
            StringBuilder collapsed = new StringBuilder();
            for (int cp : cps) {
                if (cp < 128) collapsed.append((char) cp);
                else collapsed.append(switch (CodepointClass.of(cp)) {
                    case CodepointClass.WHITESPACE -> '\u000B';
                    case CodepointClass.LETTER -> '\u00D2';
                    case CodepointClass.NUMBER -> '\u00D1';
                    default -> '\u00D0';
                });
            }
            List<String> expected = new ArrayList<>();
            Matcher m = regex.matcher(collapsed);
            int last = 0;
            while (m.find()) {
                assertThat(m.start()).as("regex leaves no gaps").isEqualTo(last);
                expected.add(new String(cps, m.start(), m.end() - m.start()));
                last = m.end();
            }
            assertThat(last).isEqualTo(n);
            assertThat(split(s)).as("split of %s", s.codePoints().mapToObj(Integer::toHexString).toList()).isEqualTo(expected);
        }
    }
}
