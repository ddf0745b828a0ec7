package dev.edgewise.engine;

import dev.edgewise.loader.ModelFormatException;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The decoder architectures Edgewise runs: what differs between them, and nothing else. Every one
 * is the same pre-norm transformer (RMSNorm, grouped-query attention with NeoX RoPE, SwiGLU MLP,
 * final RMSNorm, tied or separate output matrix), read by one forward pass
 * ({@link TransformerForward}); an architecture only says which optional tensors its blocks have.
 *
 * <table>
 *   <caption>Per-block tensors ({@code blk.N.}), besides the norms, projections and MLP every architecture has</caption>
 *   <tr><th>architecture</th><th>{@code attn_q/k/v.bias}</th><th>{@code attn_q_norm}, {@code attn_k_norm} [head_dim]</th></tr>
 *   <tr><td>{@code qwen2}</td><td>yes</td><td>no</td></tr>
 *   <tr><td>{@code qwen3}</td><td>no</td><td>yes: each head's q and k RMS-normalised after the projection, before RoPE</td></tr>
 * </table>
 *
 * <p>Hyper-parameters are read from the {@code <name>.}-prefixed GGUF keys by {@link ModelConfig}.
 * The head dimension is {@code <name>.attention.key_length} when present (Qwen3 writes it; Qwen3-4B
 * has 32 heads of 128 in a 2560 wide model), else {@code embedding_length / head_count}.
 */
public enum Architecture {
    /** Qwen2, Qwen2.5, QwQ, DeepSeek-R1-Distill-Qwen: q/k/v biases. */
    QWEN2("qwen2", "Qwen2, Qwen2.5, QwQ, DeepSeek-R1-Distill-Qwen", true, false),
    /** Qwen3 (dense): no biases, per-head RMSNorm of q and k before RoPE. */
    QWEN3("qwen3", "Qwen3", false, true);

    private final String key;
    private final String models;
    private final boolean qkvBias;
    private final boolean qkNorm;

    Architecture(String key, String models, boolean qkvBias, boolean qkNorm) {
        this.key = key;
        this.models = models;
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
    }

    /** The {@code general.architecture} value, which is also the prefix of the hyper-parameter keys. */
    public String key() {
        return key;
    }

    /** Model families published with this architecture, for messages. */
    public String models() {
        return models;
    }

    /** Whether the q, k and v projections have biases ({@code attn_q.bias} ...). */
    public boolean qkvBias() {
        return qkvBias;
    }

    /** Whether q and k are RMS-normalised per head ({@code attn_q_norm.weight}, {@code attn_k_norm.weight}). */
    public boolean qkNorm() {
        return qkNorm;
    }

    /** The full metadata key of a hyper-parameter: {@code "qwen3.attention.key_length"}. */
    public String metadataKey(String suffix) {
        return key + "." + suffix;
    }

    /**
     * The architecture a file declares.
     *
     * @throws ModelFormatException naming the file and the architectures Edgewise runs
     */
    public static Architecture of(String declared, String file) {
        for (Architecture a : values()) if (a.key.equals(declared)) return a;
        throw new ModelFormatException(file + ": general.architecture is '" + declared + "', but Edgewise runs only "
                + Arrays.stream(values()).map(a -> "'" + a.key + "' (" + a.models + ")").collect(Collectors.joining(", ")) + " models");
    }

    @Override
    public String toString() {
        return key;
    }
}
