package dev.edgewise.quant;

import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A whole-model quantization type as {@code llama-quantize} names them (its {@code llama_ftype}),
 * with llama.cpp's rules for which type each tensor of a qwen2 model gets
 * ({@code llama_tensor_get_type}, src/llama-quant.cpp). Only the rules that can fire for these
 * presets on qwen2 are here: no importance matrix, no MoE, no Falcon, no 70B special case.
 */
public enum QuantPreset {
    F32(0, GGMLType.F32),
    F16(1, GGMLType.F16),
    BF16(32, GGMLType.BF16),
    Q8_0(7, GGMLType.Q8_0),
    Q4_0(2, GGMLType.Q4_0),
    Q4_1(3, GGMLType.Q4_1),
    Q5_0(8, GGMLType.Q5_0),
    Q5_1(9, GGMLType.Q5_1),
    Q4_K_M(15, GGMLType.Q4_K),
    Q5_K_M(17, GGMLType.Q5_K),
    Q6_K(18, GGMLType.Q6_K);

    /** llama.cpp's {@code LLAMA_FTYPE_*} value, stored as {@code general.file_type}. */
    public final int fileType;
    /** The type of every weight matrix no rule singles out. */
    public final GGMLType baseType;

    QuantPreset(int fileType, GGMLType baseType) {
        this.fileType = fileType;
        this.baseType = baseType;
    }

    /**
     * The preset called {@code name} (case-insensitive, e.g. {@code q4_k_m}).
     *
     * @throws IllegalArgumentException naming the known presets when there is none
     */
    public static QuantPreset parse(String name) {
        Objects.requireNonNull(name, "name");
        for (QuantPreset p : values()) {
            if (p.name().equalsIgnoreCase(name.trim())) return p;
        }
        throw new IllegalArgumentException("unknown quantization preset '" + name + "' (known: " + knownNames() + ")");
    }

    /** The preset names, comma-separated, for messages. */
    public static String knownNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }

    /** The preset whose {@code general.file_type} is {@code fileType}, or null. */
    public static QuantPreset fromFileType(long fileType) {
        for (QuantPreset p : values()) {
            if (p.fileType == fileType) return p;
        }
        return null;
    }

    /**
     * Whether llama-quantize converts the tensor at all ({@code tensor_allows_quantization} as it
     * applies to qwen2): matrices (two or more dimensions above 1) whose name ends in
     * {@code weight} and is not a norm. The others, norms and biases, keep their type.
     */
    public static boolean quantizes(String tensorName, long[] ne) {
        int dims = 0; // ggml_n_dims: trailing dimensions of 1 do not count
        for (int i = 0; i < ne.length; i++) {
            if (ne[i] > 1) dims = i + 1;
        }
        return dims >= 2 && tensorName.endsWith("weight") && !tensorName.contains("_norm.weight");
    }

    /**
     * The type llama-quantize gives tensor {@code tensorName} (ggml shape {@code ne}) of a qwen2
     * model with {@code nLayers} blocks, {@code tiedEmbeddings} when it has no {@code output.weight}.
     * Tensors that are not {@linkplain #quantizes quantized} get F32, the type of norms and biases
     * in every qwen2 GGUF (llama-quantize copies them unchanged).
     *
     * @throws IllegalArgumentException when the row length fits no type of the preset's fallbacks
     */
    public GGMLType typeFor(String tensorName, long[] ne, int nLayers, boolean tiedEmbeddings) {
        Objects.requireNonNull(tensorName, "tensorName");
        if (!quantizes(tensorName, ne)) return GGMLType.F32;
        GGMLType type = baseType;
        if (!isQuantized(type)) return type; // F32/F16/BF16: no per-tensor rules
        final long rowLength = ne[0];
        final boolean moreBitsPreset = this == Q4_K_M || this == Q5_K_M;
        if (tensorName.equals("output.weight") || (tiedEmbeddings && tensorName.equals("token_embd.weight"))) {
            // the output matrix (which a tied token_embd is) gets 6 bits, or Q8_0 when rows are not whole K blocks
            if (rowLength % type.blockSize != 0) {
                type = GGMLType.Q8_0;
            } else if (type != GGMLType.Q8_0) {
                type = GGMLType.Q6_K;
            }
        } else if (tensorName.contains("attn_v.weight") || tensorName.contains("attn_qkv.weight")) {
            if (moreBitsPreset && useMoreBits(layer(tensorName), nLayers)) type = GGMLType.Q6_K;
        } else if (tensorName.contains("ffn_down")) {
            if (moreBitsPreset && useMoreBits(layer(tensorName), nLayers)) type = GGMLType.Q6_K;
        }
        return fallback(tensorName, rowLength, type);
    }

    /** llama.cpp's {@code use_more_bits}: the first and last eighth of the layers, and every third in between. */
    static boolean useMoreBits(int layer, int nLayers) {
        return layer < nLayers / 8 || layer >= 7 * nLayers / 8 || (layer - nLayers / 8) % 3 == 2;
    }

    /**
     * llama.cpp's {@code tensor_type_fallback}: K types need rows of whole 256-element super-blocks;
     * otherwise the nearest 32-block type stands in, and F16 if even that does not fit.
     */
    private static GGMLType fallback(String tensorName, long rowLength, GGMLType type) {
        if (rowLength % type.blockSize == 0) return type;
        final GGMLType substitute = switch (type) {
            case Q4_K -> GGMLType.Q5_0;
            case Q5_K -> GGMLType.Q5_1;
            case Q6_K -> GGMLType.Q8_0;
            default -> throw new IllegalArgumentException("tensor '" + tensorName + "': rows of " + rowLength
                    + " elements are not whole " + type + " blocks of " + type.blockSize + ", and " + type
                    + " has no fallback type");
        };
        return rowLength % substitute.blockSize == 0 ? substitute : GGMLType.F16;
    }

    private static boolean isQuantized(GGMLType type) {
        return type.blockSize > 1;
    }

    /** The N of a {@code blk.N.} tensor name (llama.cpp counts attn_v/ffn_down tensors; in qwen2 the count is N). */
    private static int layer(String tensorName) {
        if (tensorName.startsWith("blk.")) {
            final int end = tensorName.indexOf('.', 4);
            if (end > 4) {
                try {
                    return Integer.parseInt(tensorName.substring(4, end));
                } catch (NumberFormatException ignored) {
                    // fall through
                }
            }
        }
        throw new IllegalArgumentException("tensor '" + tensorName + "' has no blk.N. layer prefix");
    }
}
