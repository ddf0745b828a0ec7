package dev.edgewise.engine.sched;

import dev.edgewise.engine.HiddenStateSink;
import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.kv.PrefixCache;

import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * Tokens evaluated into one KV sequence in chunks, as many per step as the step's prefill budget
 * leaves: a prompt (on a new sequence that may start on prefix-cache blocks) or an extension of
 * an existing sequence (a verification prompt after a branch's response). Every position it will
 * write is reserved when it starts, so it cannot run out of blocks halfway.
 */
public final class Prefill implements LogitsSink {
    /** Which rows' hidden states are wanted. */
    public enum Hidden { NONE, ALL, LAST }

    private final Job<?> owner;
    private final int[] tokens;
    private final IntUnaryOperator slotAt;
    private final boolean lookup, register;
    private int hiddenLayer;
    private Hidden hidden = Hidden.NONE;
    private HiddenStateSink hiddenSink;
    private KvSequence sequence;
    /** Index into {@link #tokens} of the next token to feed. */
    private int next;
    private int cached;
    private int vocab;
    private float[] lastLogits;

    private Prefill(Job<?> owner, KvSequence sequence, int[] tokens, IntUnaryOperator slotAt, boolean lookup, boolean register) {
        if (tokens.length == 0) throw new IllegalArgumentException("nothing to prefill");
        this.owner = owner;
        this.sequence = sequence;
        this.tokens = tokens;
        this.slotAt = slotAt;
        this.lookup = lookup;
        this.register = register;
    }

    /**
     * A prompt on a new sequence; row p runs with adapter slot {@code slotAt(p)}. With
     * {@code cached}, it starts on the prefix cache's longest match and registers its full blocks
     * when done.
     */
    public static Prefill prompt(Job<?> owner, int[] tokens, IntUnaryOperator slotAt, boolean cached) {
        return new Prefill(owner, null, tokens, slotAt, cached, cached);
    }

    /** {@code tokens} appended to {@code sequence}; row p (absolute position) runs with {@code slotAt(p)}. */
    public static Prefill extend(Job<?> owner, KvSequence sequence, int[] tokens, IntUnaryOperator slotAt) {
        return new Prefill(owner, sequence, tokens, slotAt, false, false);
    }

    /** Hidden states of all rows (no prefix-cache start then) or of the last one go to {@code sink}, taken at {@code layer}. */
    public Prefill captureHidden(int layer, Hidden which, HiddenStateSink sink) {
        this.hiddenLayer = layer;
        this.hidden = which;
        this.hiddenSink = sink;
        return this;
    }

    /** Opens the sequence (prefix-cache lookup) and reserves every position still to write. */
    public void start(Scheduler s) {
        vocab = s.vocab();
        PagedKvCache cache = s.cache();
        PrefixCache prefixes = s.prefixCache();
        boolean opened = sequence == null;
        if (opened) {
            sequence = lookup && prefixes != null && hidden != Hidden.ALL ? prefixes.open(tokens, tokens.length, slotAt) : cache.create();
            cached = next = sequence.length();
        }
        try {
            cache.reserve(sequence, tokens.length - next);
        } catch (RuntimeException e) {
            if (opened) { // give back the cached blocks it started on
                cache.release(sequence);
                sequence = null;
            }
            throw e;
        }
    }

    /** Adds as many of the remaining tokens as the step allows. */
    public void plan(Step step) {
        if (next == tokens.length) return;
        if (hidden != Hidden.NONE && !step.captureLayer(hiddenLayer)) return;
        int n = Math.min(tokens.length - next, step.prefillBudget());
        int base = sequence.length();
        for (int i = 0; i < n; i++) {
            int t = next + i;
            boolean last = t == tokens.length - 1;
            step.add(owner, tokens[t], sequence, slotAt.applyAsInt(base + i), last ? this : null, false);
            if (hidden == Hidden.ALL || (hidden == Hidden.LAST && last)) step.captureLast(hiddenSink);
        }
        next += n;
    }

    @Override
    public void accept(float[] logits, int offset) {
        lastLogits = Arrays.copyOfRange(logits, offset, offset + vocab);
    }

    /** Whether every token was evaluated (after the step that fed the last one). */
    public boolean finished() {
        return lastLogits != null;
    }

    /** Registers the prompt's full blocks with the prefix cache (once finished). */
    public void registerBlocks(Scheduler s) {
        if (register && s.prefixCache() != null) s.prefixCache().register(sequence, tokens, slotAt);
    }

    public KvSequence sequence() {
        return sequence;
    }

    /** The logits after the last token. */
    public float[] lastLogits() {
        return lastLogits;
    }

    /** Leading tokens served from the prefix cache. */
    public int cachedTokens() {
        return cached;
    }

    public int length() {
        return tokens.length;
    }
}
