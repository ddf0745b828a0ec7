package dev.edgewise.engine.vote;

import static dev.edgewise.engine.vote.AnswerNormalizer.normalize;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AnswerNormalizerTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" -> \"{1}\"")
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
            // numbers
            "42|42",
            "1,000|1000",
            "1,234,567.80|1234567.8",
            "3.50|3.5",
            "3.0|3",
            "3.|3",
            "+3|3",
            "-0|0",
            "-0.00|0",
            "007|7",
            ".5|0.5",
            "-.5|-0.5",
            "0.5|0.5",
            "1e3|1000",
            "1.5E-3|0.0015",
            "−7|-7",
            "1e200|1E+200",
            "1{,}000|1000",
            "1\\,000|1000",
            "1,23|1,23",
            "1, 234|1,234",
            // percent kept as a unit
            "50\\%|50%",
            "50.0 %|50%",
            "$12.50\\%$|12.5%",
            // fractions
            "4/2|2",
            "6/4|3/2",
            " 6 / 4 |3/2",
            "-6/4|-3/2",
            "1/-2|-1/2",
            "0/5|0",
            "1/0|1/0",
            "\\frac{6}{4}|3/2",
            "\\dfrac{1}{2}|1/2",
            "\\tfrac{10}{5}|2",
            "-\\frac{2}{4}|-1/2",
            "-\\frac{-2}{4}|1/2",
            "\\frac {3} { 9 }|1/3",
            "\\frac{a}{b}|\\frac{a}{b}",
            "\\dfrac{\\pi}{2}|\\frac{\\pi}{2}",
            "1.5/3|1.5/3",
            // wrappers, whitespace, trailing period
            "  17  |17",
            "$17$|17",
            "$$17$$|17",
            "\\(17\\)|17",
            "\\[17\\]|17",
            "$\\frac{1}{2}$.|1/2",
            "\\text{5}|5",
            "\\textbf{Yes}|yes",
            "\\mathrm{B}|b",
            "\\text{ (C) }|(c)",
            "x + 1|x+1",
            "\\frac {1} {x}|\\frac{1}{x}",
            "2 \\pi r|2\\pi r",
            "\\left( 1, 2 \\right)|(1,2)",
            "\\left[0,1\\right)|[0,1)",
            "x \\rightarrow 1|x\\rightarrow 1",
            "\\displaystyle\\frac{x}{2}|\\frac{x}{2}",
            "5 \\text{ cm}|5 cm",
            // pure text is case-insensitive, math is not
            "Yes|yes",
            "  New   York. |new york",
            "X|x",
            "2X|2X",
            "\\Pi|\\Pi",
            // degenerate
            ".|''",
            "$$|''",
    })
    void table(String raw, String expected) {
        assertThat(normalize(raw)).isEqualTo(expected);
    }

    @Test
    void tabsAndNewlinesCountAsWhitespace() {
        assertThat(normalize("x\t+\n1")).isEqualTo("x+1");
        assertThat(normalize("New\n\tYork")).isEqualTo("new york");
    }

    @Test
    void decimalAndFractionStayDistinct() {
        assertThat(normalize("0.5")).isNotEqualTo(normalize("1/2"));
        assertThat(normalize("\\frac{1}{2}")).isEqualTo(normalize("1/2")).isEqualTo(normalize("2/4"));
    }

    @Test
    void percentIsNotEquatedWithPlainNumber() {
        assertThat(normalize("50%")).isNotEqualTo(normalize("50")).isNotEqualTo(normalize("0.5"));
    }

    @Test
    void normalisationIsIdempotent() {
        for (String s : new String[] {"$\\dfrac{6}{4}$", "1,000.0", "\\text{New York}.", "x + 1", "50\\%", "1e200",
                // found by fuzzing: tightening the spaces formed "\\:", which the clean-up then removed
                "wer ,. s\\ 3z\\9 {2}.   s\\ :",
                "+ 9..."}) { // found by fuzzing: tightening made "+9", whose key is 9
            assertThat(normalize(normalize(s))).as(s).isEqualTo(normalize(s));
        }
    }

    @Test
    void hugeInputsStayCheap() {
        assertThat(normalize("1e2147483647")).isEqualTo("1E+2147483647");   // scientific, never expanded
        assertThat(normalize("1e9999999999")).isEqualTo("1e9999999999");    // exponent overflows int: kept as text
        String digits = "9".repeat(100_000);
        assertThat(normalize(digits)).isEqualTo(digits);                   // too long to be treated as a number
        assertThat(normalize(digits + "/3")).isEqualTo(digits + "/3");
    }
}
