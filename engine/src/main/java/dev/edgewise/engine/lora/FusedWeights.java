package dev.edgewise.engine.lora;

import dev.edgewise.engine.ModelWeights;

import java.lang.foreign.Arena;

/**
 * Model weights with adapters merged in, and the arena holding the fused matrices.
 * {@link #weights()} shares every untouched tensor with the base {@link ModelWeights}, so it is
 * usable only while both the base model's file and this object are open.
 *
 * @param fusedMatrices how many matrices were rewritten
 * @param bytes         bytes of the fused matrices (the memory this object adds to the base model)
 */
public record FusedWeights(ModelWeights weights, Arena arena, int fusedMatrices, long bytes) implements AutoCloseable {

    /** Frees the fused matrices. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
