package dev.edgewise.engine.constraint;

import dev.edgewise.engine.TokenConstraint;
import dev.edgewise.engine.tokenizer.Tokenizer;

/**
 * JSON output for one sequence: before each token, every token whose bytes the automaton's state
 * rejects gets logit -inf, and end-of-generation is allowed only where the document may end.
 * The mask of a state is computed by one walk of the vocabulary trie and kept while the state
 * stays the same (as it does through the plain text of a string), so most tokens inside strings
 * cost nothing.
 *
 * <p>A token the automaton rejects (text injected by budget forcing, say) breaks the constraint:
 * from then on only end-of-generation is allowed.
 */
public final class JsonConstraint implements TokenConstraint {
    private final Tokenizer tokenizer;
    private final TokenTrie trie;
    private final int[] endOfGeneration;
    private JsonState state;
    private boolean broken;
    private JsonState maskedState;
    private long[] allowed;
    private long maskNanos;
    private int masks;

    JsonConstraint(SchemaNode root, Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.trie = TokenTrie.of(tokenizer);
        this.endOfGeneration = tokenizer.endOfGenerationTokens();
        this.state = root.start(JsonState.TOP);
        this.allowed = new long[(trie.size() + 63) >>> 6];
    }

    @Override
    public void mask(float[] logits, int off, int vocab) {
        long start = System.nanoTime();
        if (broken) {
            java.util.Arrays.fill(logits, off, off + vocab, Float.NEGATIVE_INFINITY);
            for (int id : endOfGeneration) logits[off + id] = 0f;
            return;
        }
        if (state != maskedState) {
            java.util.Arrays.fill(allowed, 0L);
            trie.walk(state, allowed);
            maskedState = state;
        }
        boolean any = false;
        int[] sorted = trie.sortedTokens;
        for (int w = 0; w < allowed.length; w++) {
            long banned = ~allowed[w];
            if (allowed[w] != 0) any = true;
            while (banned != 0) {
                int i = (w << 6) + Long.numberOfTrailingZeros(banned);
                if (i >= sorted.length) break;
                logits[off + sorted[i]] = Float.NEGATIVE_INFINITY;
                banned &= banned - 1;
            }
        }
        for (int id : trie.excluded) logits[off + id] = Float.NEGATIVE_INFINITY;
        // ids past the tokenizer's (padding rows of a larger output matrix) have no text: never allowed
        for (int id = tokenizer.vocabulary().size(); id < vocab; id++) logits[off + id] = Float.NEGATIVE_INFINITY;
        if (!state.canEnd()) {
            if (!any) broken = true; // nothing can follow (cannot happen with a byte-complete vocabulary): end rather than sample -inf
            else for (int id : endOfGeneration) logits[off + id] = Float.NEGATIVE_INFINITY;
        }
        maskNanos += System.nanoTime() - start;
        masks++;
    }

    @Override
    public void accept(int token) {
        if (broken) return;
        if (tokenizer.isEndOfGeneration(token)) {
            if (!state.canEnd()) broken = true;
            else state = JsonState.DONE;
            return;
        }
        JsonState s = state;
        for (byte b : tokenizer.tokenBytes(token)) {
            s = s.next(b & 0xFF);
            if (s == null) {
                broken = true;
                return;
            }
        }
        state = s;
    }

    @Override
    public boolean complete() {
        return !broken && state.done();
    }

    /** Whether a token outside the constraint was taken (the output will not be valid JSON). */
    public boolean broken() {
        return broken;
    }

    /** Time spent masking so far, and how many masks: the per-token cost. */
    public long maskNanos() {
        return maskNanos;
    }

    public int masks() {
        return masks;
    }
}
