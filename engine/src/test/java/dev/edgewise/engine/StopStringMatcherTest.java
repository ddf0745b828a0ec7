package dev.edgewise.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StopStringMatcherTest {
    @Test
    void passesTextThroughWithoutStops() {
        StopStringMatcher m = new StopStringMatcher(List.of());
        assertThat(m.accept("abc")).isEqualTo("abc");
        assertThat(m.flush()).isEmpty();
    }

    @Test
    void holdsBackAPossibleStopPrefixAndCutsAtTheStop() {
        StopStringMatcher m = new StopStringMatcher(List.of("</answer>"));
        assertThat(m.accept("42 </ans")).isEqualTo("42 ");
        assertThat(m.accept("wer> trailing")).isEmpty();
        assertThat(m.stopped()).isTrue();
        assertThat(m.accept("more")).isEmpty();
    }

    @Test
    void releasesHeldTextWhenItTurnsOutNotToBeAStop() {
        StopStringMatcher m = new StopStringMatcher(List.of("STOP"));
        assertThat(m.accept("ST")).isEmpty();
        assertThat(m.accept("ART")).isEqualTo("START");
        assertThat(m.accept("ST")).isEmpty();
        assertThat(m.flush()).isEqualTo("ST");
        assertThat(m.stopped()).isFalse();
    }

    @Test
    void earliestOfSeveralStopsWins() {
        StopStringMatcher m = new StopStringMatcher(List.of("b", "xa"));
        assertThat(m.accept("1xab")).isEqualTo("1");
    }
}
