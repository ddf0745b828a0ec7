package dev.edgewise.engine.template;

/**
 * Bounds on one render, so that a malformed or hostile template ends with a clear error instead of a hang,
 * a stack overflow or an OutOfMemoryError.
 *
 * @param maxOutputChars  rendered characters, also the longest string an expression may build
 * @param maxIterations   loop iterations and list elements built by filters, over the whole render
 * @param maxCallDepth    nested macro calls
 * @param maxNanos        wall-clock time of one render
 */
public record Limits(int maxOutputChars, long maxIterations, int maxCallDepth, long maxNanos) {
    /** 8 M characters, 1 M iterations, 64 nested macro calls, 5 seconds. */
    public static final Limits DEFAULT = new Limits(8 << 20, 1_000_000L, 64, 5_000_000_000L);

    public Limits {
        if (maxOutputChars < 1 || maxIterations < 1 || maxCallDepth < 1 || maxNanos < 1) {
            throw new IllegalArgumentException("template limits must be positive");
        }
    }
}
