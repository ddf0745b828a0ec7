package dev.edgewise.engine.lora;

import dev.edgewise.engine.LayerWeights;
import dev.edgewise.engine.ModelConfig;
import dev.edgewise.kernels.WeightMatrix;

/**
 * The linear layers of a decoder block that a LoRA adapter may adapt. Each has a llama.cpp name
 * (the GGUF tensor {@code blk.N.<ggufName>.weight}) and a Hugging Face / PEFT module name
 * ({@code model.layers.N.<peftName>}). Embeddings and the output head are deliberately absent:
 * adapters touching them are rejected at load, as are Qwen3's per-head q/k norms (vectors, not
 * linear layers; PEFT does not target them either).
 */
public enum LoraTarget {
    ATTN_Q("attn_q", "self_attn.q_proj"),
    ATTN_K("attn_k", "self_attn.k_proj"),
    ATTN_V("attn_v", "self_attn.v_proj"),
    ATTN_OUTPUT("attn_output", "self_attn.o_proj"),
    FFN_GATE("ffn_gate", "mlp.gate_proj"),
    FFN_UP("ffn_up", "mlp.up_proj"),
    FFN_DOWN("ffn_down", "mlp.down_proj");

    private static final LoraTarget[] VALUES = values();

    private final String ggufName;
    private final String peftName;

    LoraTarget(String ggufName, String peftName) {
        this.ggufName = ggufName;
        this.peftName = peftName;
    }

    /** llama.cpp's name, e.g. {@code "attn_q"}. */
    public String ggufName() {
        return ggufName;
    }

    /** PEFT's module path inside a decoder layer, e.g. {@code "self_attn.q_proj"}. */
    public String peftName() {
        return peftName;
    }

    /** The last component of {@link #peftName()}, what PEFT's {@code target_modules} lists: {@code "q_proj"}. */
    public String peftModule() {
        return peftName.substring(peftName.indexOf('.') + 1);
    }

    /** The base matrix this target adapts in {@code l}. */
    public WeightMatrix of(LayerWeights l) {
        return switch (this) {
            case ATTN_Q -> l.wq();
            case ATTN_K -> l.wk();
            case ATTN_V -> l.wv();
            case ATTN_OUTPUT -> l.wo();
            case FFN_GATE -> l.gate();
            case FFN_UP -> l.up();
            case FFN_DOWN -> l.down();
        };
    }

    /** A copy of {@code l} with this target's matrix replaced by {@code m}; everything else is shared. */
    public LayerWeights with(LayerWeights l, WeightMatrix m) {
        return l.withMatrices(
                this == ATTN_Q ? m : l.wq(),
                this == ATTN_K ? m : l.wk(),
                this == ATTN_V ? m : l.wv(),
                this == ATTN_OUTPUT ? m : l.wo(),
                this == FFN_GATE ? m : l.gate(),
                this == FFN_UP ? m : l.up(),
                this == FFN_DOWN ? m : l.down());
    }

    /** Input width of the projection: the columns of the base matrix and of LoRA's A. */
    public int inDim(ModelConfig c) {
        return switch (this) {
            case FFN_DOWN -> c.ffnDim();
            case ATTN_OUTPUT -> c.qDim();
            default -> c.dim();
        };
    }

    /** Output width of the projection: the rows of the base matrix and of LoRA's B. */
    public int outDim(ModelConfig c) {
        return switch (this) {
            case ATTN_Q -> c.qDim();
            case ATTN_OUTPUT, FFN_DOWN -> c.dim();
            case ATTN_K, ATTN_V -> c.kvDim();
            case FFN_GATE, FFN_UP -> c.ffnDim();
        };
    }

    /** The target whose {@link #ggufName()} is {@code name}, or null. */
    public static LoraTarget fromGgufName(String name) {
        for (LoraTarget t : VALUES) if (t.ggufName.equals(name)) return t;
        return null;
    }

    /** The target whose {@link #peftName()} ({@code "self_attn.q_proj"}) or {@link #peftModule()} ({@code "q_proj"}) is {@code name}, or null. */
    public static LoraTarget fromPeftName(String name) {
        for (LoraTarget t : VALUES) if (t.peftName.equals(name) || t.peftModule().equals(name)) return t;
        return null;
    }
}
