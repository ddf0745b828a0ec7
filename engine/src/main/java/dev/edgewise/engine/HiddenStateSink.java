package dev.edgewise.engine;

/** Receives hidden states the forward pass produces anyway (for the switcher and verifier heads). */
@FunctionalInterface
public interface HiddenStateSink {
    /**
     * @param row    the batch row
     * @param hidden the state is {@code hidden[offset .. offset+dim)}; valid only during the call
     */
    void accept(int row, float[] hidden, int offset);
}
