package dev.edgewise.engine;

/** A sequence needs more positions than its KV cache allows. */
public class ContextOverflowException extends RuntimeException {
    public ContextOverflowException(String message) {
        super(message);
    }
}
