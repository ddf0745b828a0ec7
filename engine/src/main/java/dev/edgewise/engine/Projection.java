package dev.edgewise.engine;

/** The seven linear projections of a Qwen2 block (the targets of LoRA adapters). */
public enum Projection {
    Q, K, V, O, GATE, UP, DOWN
}
