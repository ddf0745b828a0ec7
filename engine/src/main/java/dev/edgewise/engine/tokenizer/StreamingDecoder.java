package dev.edgewise.engine.tokenizer;

import java.util.Arrays;

/**
 * Turns generated token ids into text as they arrive. A character whose UTF-8 bytes are split across
 * tokens (byte tokens of an emoji or CJK character) is returned once its last byte has arrived;
 * invalid byte sequences become U+FFFD. The concatenation of all {@link #accept} results and
 * {@link #flush} equals {@link Tokenizer#decode} of the whole id sequence. One instance per stream;
 * not thread-safe.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean renderSpecial;
    private byte[] pending = new byte[16];
    private int pendingLength;

    StreamingDecoder(Tokenizer tokenizer, boolean renderSpecial) {
        this.tokenizer = tokenizer;
        this.renderSpecial = renderSpecial;
    }

    /** Adds one token; returns the text that became complete (possibly empty). */
    public String accept(int id) {
        byte[] bytes = tokenizer.tokenBytes(id, renderSpecial);
        if (pendingLength + bytes.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + bytes.length));
        }
        System.arraycopy(bytes, 0, pending, pendingLength, bytes.length);
        pendingLength += bytes.length;
        StringBuilder out = new StringBuilder(pendingLength);
        int consumed = Utf8.decode(pending, 0, pendingLength, out, false);
        System.arraycopy(pending, consumed, pending, 0, pendingLength - consumed);
        pendingLength -= consumed;
        return out.toString();
    }

    /** Ends the stream: held-back bytes of an unfinished character come out as U+FFFD. */
    public String flush() {
        StringBuilder out = new StringBuilder();
        Utf8.decode(pending, 0, pendingLength, out, true);
        pendingLength = 0;
        return out.toString();
    }
}
