package dev.edgewise.engine;

/** Receives generated tokens as they are produced. */
@FunctionalInterface
public interface TokenListener {
    TokenListener NONE = event -> { };

    void onToken(TokenEvent event);
}
