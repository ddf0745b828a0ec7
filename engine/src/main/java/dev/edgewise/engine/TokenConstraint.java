package dev.edgewise.engine;

/**
 * A per-sequence restriction of the next token (e.g. a JSON grammar), applied to a branch's logits
 * row before its sampler draws. One instance per branch ({@code GenerationRequest.constraint} is a
 * factory), used from the scheduler thread only.
 */
public interface TokenConstraint {
    /** Sets the logits of tokens not allowed next to negative infinity in {@code logits[offset .. offset+vocab)}. */
    void mask(float[] logits, int offset, int vocab);

    /** Advances the constraint's state with a token the branch accepted (sampled or injected). */
    void accept(int token);
}
