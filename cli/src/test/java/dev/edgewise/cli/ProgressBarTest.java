package dev.edgewise.cli;

import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The progress display: silent for the first second, throttled, erased at the end, off when not on a terminal. */
class ProgressBarTest {
    @Test
    void drawsOnlyAfterASecondThrottledAndErasesItself() {
        StringWriter sink = new StringWriter();
        AtomicLong now = new AtomicLong(5_000_000_000L);
        ProgressBar bar = new ProgressBar(new PrintWriter(sink), true, now::get);
        bar.update("loading", 1, 10);
        now.addAndGet(900_000_000L);
        bar.update("loading", 2, 10);
        assertThat(sink.toString()).isEmpty(); // quick work shows nothing

        now.addAndGet(200_000_000L);
        bar.update("packing Q4_0", 5, 10);
        assertThat(sink.toString()).isEqualTo("\rpacking Q4_0  [############............]  50%  1.1 s\033[K");
        now.addAndGet(50_000_000L);
        bar.update("packing Q4_0", 6, 10); // within 100 ms of the last draw
        assertThat(sink.toString()).doesNotContain("60%");
        now.addAndGet(100_000_000L);
        bar.update("packing Q4_0", 7, 10);
        assertThat(sink.toString()).contains(" 70%  1.3 s");

        bar.close();
        assertThat(sink.toString()).endsWith("\r\033[K");
        int length = sink.toString().length();
        bar.close();
        assertThat(sink.toString()).hasSize(length);
    }

    @Test
    void disabledDrawsNothingAndUnknownTotalsShowTimeOnly() {
        StringWriter sink = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressBar bar = new ProgressBar(new PrintWriter(sink), false, now::get);
        now.addAndGet(10_000_000_000L);
        bar.update("x", 1, 2);
        bar.close();
        assertThat(sink.toString()).isEmpty();
        assertThat(ProgressBar.line("writing out.gguf", 0, 0, 2_500_000_000L)).isEqualTo("writing out.gguf  2.5 s");
        assertThat(ProgressBar.line("s", 20, 10, 0)).contains("[########################] 100%");
    }

    @Test
    void commandsOffATerminalPrintNoProgress() {
        // tests run without a terminal: the display stays off, so no carriage return reaches stderr
        CliTest.Run r = CliTest.run("run", "--model", Fixtures.path("models/tiny-real-q4_0.gguf").toString(), "-n", "4", "--threads", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("\r").doesNotContain("\033[");
        CliTest.Run quiet = CliTest.run("run", "--quiet", "--model", Fixtures.path("models/nano-q8_0.gguf").toString(), "-n", "2");
        assertThat(quiet.exit()).as(quiet.err()).isZero();
    }
}
