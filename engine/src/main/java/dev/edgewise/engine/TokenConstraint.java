package dev.edgewise.engine;

/**
 * A per-sequence restriction of what may be generated, applied to the logits before sampling
 * (JSON and JSON-schema output: {@link dev.edgewise.engine.constraint.ResponseFormat}). Each
 * branch owns its own instance: its state follows that branch's tokens only.
 */
public interface TokenConstraint {
    /** Sets the logits of every token that may not come next to negative infinity ({@code logits[off .. off+vocab)}). */
    void mask(float[] logits, int off);

    /** Advances past a token the sequence took. */
    void accept(int token);

    /** Whether the constrained output is complete, so the sequence must end now. */
    boolean complete();
}
