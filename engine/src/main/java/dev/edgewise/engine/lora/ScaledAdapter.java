package dev.edgewise.engine.lora;

import java.util.Objects;

/** An adapter at a strength: its pairs contribute {@code adapter.scale(userScale) * B * A}. */
public record ScaledAdapter(LoraAdapter adapter, float userScale) {

    public ScaledAdapter {
        Objects.requireNonNull(adapter, "adapter");
        if (!Float.isFinite(userScale)) throw new IllegalArgumentException("user scale " + userScale + " is not finite");
    }

    /** The factor s of this adapter's pairs. */
    public float scale() {
        return adapter.scale(userScale);
    }
}
