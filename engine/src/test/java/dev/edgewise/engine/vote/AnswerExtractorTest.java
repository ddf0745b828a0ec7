package dev.edgewise.engine.vote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnswerExtractorTest {
    private final AnswerExtractor defaults = AnswerExtractor.defaults();

    private Optional<String> extract(String text) {
        return defaults.extract(text);
    }

    @Test
    void boxedAnswerIsReturnedRawAndTrimmed() {
        assertThat(extract("So the total is 12 apples.\n\nThe answer is $\\boxed{ 42 }$.")).contains("42");
    }

    @Test
    void nestedBracesAreKept() {
        assertThat(extract("Thus $x = \\boxed{\\frac{1}{2}}$ and we are done; check: 7")).contains("\\frac{1}{2}");
        assertThat(extract("\\boxed{\\left\\{ \\frac{a}{b^{2}} \\right\\}}")).contains("\\left\\{ \\frac{a}{b^{2}} \\right\\}");
    }

    @Test
    void lastOfSeveralBoxedWins() {
        String text = "First guess \\boxed{3}. Wait, I made an error. Recomputing: \\boxed{5}. Final: 7 steps";
        assertThat(extract(text)).contains("5");
    }

    @Test
    void spacedBoxedAndFboxAreRecognised() {
        assertThat(extract("answer: \\boxed {17}")).contains("17");
        assertThat(extract("\\boxed{1} then \\fbox{x+1}")).contains("x+1");
    }

    @Test
    void boxedLookalikesAreNotBoxed() {
        // "\boxedx{..}" is a different command; falls back to the last number.
        assertThat(extract("\\boxedx{9} and 4")).contains("4");
    }

    @Test
    void unbalancedLastBoxedFallsBackToEarlierCompleteOne() {
        assertThat(extract("\\boxed{10} ... so the answer is \\boxed{\\frac{3}{4}")).contains("10");
        // Truncated generation in the middle of the only boxed answer: last number instead.
        assertThat(extract("The result is 8, hence \\boxed{\\frac{8")).contains("8");
    }

    @Test
    void earlierBoxedSwallowingAnUnclosedLaterOneIsNotComplete() {
        // The first group's braces only close if the second one's do; neither does.
        assertThat(extract("\\boxed{a \\boxed{b} c \\boxed{d")).contains("b");
        assertThat(extract("\\boxed{a \\boxed{d")).isEmpty();
        assertThat(extract("\\boxed{a \\boxed{d} e")).contains("d");
    }

    @Test
    void escapedBracesDoNotCountAsGroups() {
        assertThat(extract("\\boxed{\\{1, 2\\}}")).contains("\\{1, 2\\}");
        assertThat(extract("\\boxed{\\}}")).contains("\\}");
    }

    @Test
    void blankBoxedIsIgnored() {
        assertThat(extract("\\boxed{6} and then \\boxed{  }")).contains("6");
        assertThat(extract("\\boxed{}")).isEmpty();
    }

    @Test
    void noBoxedFallsBackToLastNumber() {
        assertThat(extract("There are 3 red and 4 blue balls, so 7 in total.")).contains("7");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NONE", value = {
            "The answer is 1,234 dollars.             | 1,234",
            "it costs 3.50 now                        | 3.50",
            "temperature fell to -7 degrees           | -7",
            "x = −3                                   | −3",
            "so we get +5                             | +5",
            "Avogadro: 6.022e23 per mole              | 6.022e23",
            "about .5 of them                         | .5",
            "10-3                                     | 3",
            "f(2)-1                                   | 1",
            "the 5th item                             | 5",
            "x2 is a variable                         | NONE",
            "H2O                                      | NONE",
            "version 1.2.3                            | 1.2",
            "list 1,2,3                               | 3",
            "1,2345                                   | 2345",
            "Done. 12.                                | 12",
            "no digits here                           | NONE",
            "''                                       | NONE",
    })
    void lastNumber(String text, String expected) {
        assertThat(extract(text)).isEqualTo(Optional.ofNullable(expected));
    }

    @Test
    void regexModeUsesGroupOneOfTheLastMatch() {
        AnswerExtractor ex = AnswerExtractor.withRegex("Answer:\\s*([A-E])");
        assertThat(ex.extract("Answer: B ... on reflection Answer: D, which is 4")).contains("D");
    }

    @Test
    void regexModeWithoutGroupUsesWholeMatch() {
        AnswerExtractor ex = AnswerExtractor.withRegex("\\([A-D]\\)");
        assertThat(ex.extract("Options (A) 3 and (C) 5; I pick 5")).contains("(C)");
    }

    @Test
    void regexModeStillPrefersBoxedAndFallsBackToLastNumber() {
        AnswerExtractor ex = AnswerExtractor.withRegex("Answer:\\s*(\\w+)");
        assertThat(ex.extract("Answer: B but really \\boxed{C}")).contains("C");
        assertThat(ex.extract("no marker, just 12 and 13")).contains("13");
    }

    @Test
    void regexModeUsesWholeMatchWhenGroupOneDidNotParticipate() {
        AnswerExtractor ex = AnswerExtractor.withRegex("final=(\\d+)|done");
        assertThat(ex.extract("final=3 then done")).contains("done");
        assertThat(ex.extract("done then final=3")).contains("3");
    }

    @Test
    void blankRegexMatchesAreSkipped() {
        AnswerExtractor ex = AnswerExtractor.withRegex("ans:(\\s*)");
        assertThat(ex.extract("ans:   and 9")).contains("9");
    }

    @Test
    void invalidRegexIsRejectedClearly() {
        assertThatThrownBy(() -> AnswerExtractor.withRegex("(unclosed"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid answer regex '(unclosed'");
    }

    @Test
    void manyUnbalancedBoxedStayFast() {
        // The search is linear; scanning each of these 100k unclosed groups to the end of the text
        // instead would take ~3*10^10 steps, and this test would visibly stall.
        String text = "\\boxed{1} " + "\\boxed{".repeat(100_000);
        assertThat(extract(text)).contains("1");
    }
}
