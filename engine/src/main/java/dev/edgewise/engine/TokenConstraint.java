package dev.edgewise.engine;

/**
 * A per-sequence restriction of the next token, applied to a branch's logits row before its sampler
 * draws: JSON and JSON-schema output ({@link dev.edgewise.engine.constraint.ResponseFormat}), or any
 * other hook given with {@code GenerationRequest.Builder.constraint} (a factory: one instance per
 * branch, whose state follows that branch's tokens only). Used from the scheduler thread only.
 */
public interface TokenConstraint {
    /** Sets the logits of every token that may not come next to negative infinity in {@code logits[offset .. offset+vocab)}. */
    void mask(float[] logits, int offset, int vocab);

    /** Advances the constraint's state with a token the branch accepted (sampled or injected). */
    void accept(int token);

    /** Whether the constrained output is complete, so the sequence must end now. */
    default boolean complete() {
        return false;
    }

    /** {@code first}, then {@code second} (either may be null): masks in that order, both see every token. */
    static TokenConstraint both(TokenConstraint first, TokenConstraint second) {
        if (first == null) return second;
        if (second == null) return first;
        return new TokenConstraint() {
            @Override
            public void mask(float[] logits, int offset, int vocab) {
                first.mask(logits, offset, vocab);
                second.mask(logits, offset, vocab);
            }

            @Override
            public void accept(int token) {
                first.accept(token);
                second.accept(token);
            }

            @Override
            public boolean complete() {
                return first.complete() || second.complete();
            }
        };
    }
}
