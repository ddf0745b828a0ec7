package dev.edgewise.engine.heads;

import java.util.Locale;

/** How a {@link HiddenStatePooler} reduces the prompt's per-token hidden states to one vector. */
public enum Pooling {
    /** Plain mean over all tokens. */
    MEAN,
    /** Exponential moving average over the means of consecutive fixed-size chunks (see {@link HiddenStatePooler}). */
    EMA,
    /** The last token's hidden state. */
    LAST;

    /** The spelling used in heads files: {@code mean}, {@code ema} or {@code last}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses the heads-file spelling ({@code mean}, {@code ema}, {@code last}; case-insensitive).
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static Pooling parse(String s) {
        if (s != null) {
            for (Pooling p : values()) {
                if (p.key().equalsIgnoreCase(s)) return p;
            }
        }
        throw new IllegalArgumentException("unknown pooling '" + s + "' (expected mean, ema or last)");
    }
}
