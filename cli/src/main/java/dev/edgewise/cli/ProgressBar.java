package dev.edgewise.cli;

import dev.edgewise.loader.Progress;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The one progress display of the command line: a single line on stderr, redrawn in place, for
 * work that is still running after a second (loading and packing a model, writing a synthetic
 * model, quantizing, evaluating, benchmarking). Shown only on a terminal and never with
 * {@code --quiet}; it draws nothing for work that ends within the first second, and erases itself
 * when closed, so output and scripts never see it.
 */
final class ProgressBar implements Progress, AutoCloseable {
    static final long DELAY_NANOS = 1_000_000_000L;
    static final long REDRAW_NANOS = 100_000_000L;
    private static final int WIDTH = 24;

    private final PrintWriter out;
    private final boolean enabled;
    private final LongSupplier clock;
    private final long start;
    private boolean drawn;
    private long lastDraw;

    ProgressBar(PrintWriter out, boolean enabled, LongSupplier clock) {
        this.out = out;
        this.enabled = enabled;
        this.clock = clock;
        this.start = clock.getAsLong();
    }

    /** A display on {@code err} if the process runs on a terminal and {@code quiet} is off; otherwise one that draws nothing. */
    static ProgressBar start(PrintWriter err, boolean quiet) {
        return new ProgressBar(err, !quiet && onTerminal(), System::nanoTime);
    }

    /** Whether stdin and stdout are a terminal that understands carriage return and erase-line. */
    static boolean onTerminal() {
        Console c = System.console();
        return c != null && c.isTerminal() && !"dumb".equals(System.getenv("TERM"));
    }

    @Override
    public synchronized void update(String stage, long done, long total) {
        if (!enabled) return;
        long now = clock.getAsLong();
        if (now - start < DELAY_NANOS) return;
        if (drawn && now - lastDraw < REDRAW_NANOS) return;
        lastDraw = now;
        drawn = true;
        out.print("\r" + line(stage, done, total, now - start) + "\033[K");
        out.flush();
    }

    /** The line shown: stage, bar and percentage when the total is known, elapsed seconds. */
    static String line(String stage, long done, long total, long elapsedNanos) {
        StringBuilder sb = new StringBuilder(stage);
        if (total > 0) {
            double f = Math.clamp((double) done / total, 0, 1);
            int filled = (int) Math.round(f * WIDTH);
            sb.append("  [").append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append(']')
              .append(String.format(Locale.ROOT, " %3.0f%%", 100 * f));
        }
        return sb.append(String.format(Locale.ROOT, "  %.1f s", elapsedNanos / 1e9)).toString();
    }

    /** Erases the line if one was drawn. */
    @Override
    public synchronized void close() {
        if (drawn) {
            out.print("\r\033[K");
            out.flush();
            drawn = false;
        }
    }
}
