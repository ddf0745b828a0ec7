package dev.edgewise.fuzz;

import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.loader.json.JsonParseException;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What every fuzz target checks. A refused input must end in one of the documented exceptions
 * ({@link ModelFormatException}, {@link JsonParseException}, {@link IllegalArgumentException}, an
 * {@link IOException}) carrying a message; anything else (a NullPointerException, an index error, an
 * {@code Error} such as OutOfMemoryError or StackOverflowError) propagates and is a finding. Hangs are
 * bounded by Jazzer's per-input timeout, memory by the fork's heap limit (see the module pom).
 */
final class Invariants {
    private Invariants() {}

    /** Runs {@code body}; documented refusals are checked for a message and swallowed. */
    static void refusesCleanly(ThrowingRunnable body) {
        try {
            body.run();
        } catch (ModelFormatException | JsonParseException | IllegalArgumentException | UncheckedIOException e) {
            message(e);
        } catch (IOException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("IOException without a message", e);
        }
    }

    static void message(RuntimeException e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("exception without a message", e);
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws IOException;
    }
}
