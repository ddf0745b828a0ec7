package dev.edgewise.engine;

import dev.edgewise.engine.lora.LoraTarget;

/**
 * Adds per-row low-rank corrections to a projection's output (dynamic LoRA): after
 * {@code out = W·in} for a chunk of rows, {@code apply} may add {@code s·B·(A·in)} to the rows whose
 * adapter slot selects an adapter.
 */
@FunctionalInterface
public interface ProjectionDeltas {
    ProjectionDeltas NONE = (layer, target, in, out, rows, adapters) -> { };

    /**
     * @param in       the projection's input, [rows][in]
     * @param out      its output, [rows][out], to add to
     * @param adapters adapter slot of each row (-1: none)
     */
    void apply(int layer, LoraTarget target, float[] in, float[] out, int rows, int[] adapters);
}
