package dev.edgewise.engine;

import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.ModelFormatException;

/**
 * Hyper-parameters of a model, read from the GGUF metadata of its {@link Architecture}
 * ({@code qwen2.*}, {@code qwen3.*} keys) and checked for consistency before any tensor is touched.
 *
 * <p>Widths: the residual stream is {@link #dim()} wide; attention has {@link #nHeads()} query heads
 * and {@link #nKvHeads()} key/value heads of {@link #headDim()} each, so queries are
 * {@link #qDim()} wide and keys/values {@link #kvDim()}. {@code qDim} equals {@code dim} for every
 * Qwen2 model but not for Qwen3 (0.6B: 1024 wide, 16 heads of 128).
 */
public record ModelConfig(
        Architecture architecture,
        String name,
        int nLayers,
        int dim,
        int nHeads,
        int nKvHeads,
        int headDim,
        int ffnDim,
        int vocabSize,
        int contextLength,
        float ropeFreqBase,
        float rmsEps,
        boolean tiedOutput) {

    /** A {@code qwen2} configuration (tests and code written before other architectures). */
    public ModelConfig(String name, int nLayers, int dim, int nHeads, int nKvHeads, int headDim, int ffnDim, int vocabSize,
                       int contextLength, float ropeFreqBase, float rmsEps, boolean tiedOutput) {
        this(Architecture.QWEN2, name, nLayers, dim, nHeads, nKvHeads, headDim, ffnDim, vocabSize, contextLength, ropeFreqBase,
                rmsEps, tiedOutput);
    }

    public ModelConfig {
        java.util.Objects.requireNonNull(architecture, "architecture");
    }

    /** Width of the query vectors of one position: all query heads ({@code attn_q} rows, {@code attn_output} columns). */
    public int qDim() {
        return nHeads * headDim;
    }

    /** Width of the key (and value) vectors of one position: all KV heads. */
    public int kvDim() {
        return nKvHeads * headDim;
    }

    /** Query heads sharing one KV head (grouped-query attention). */
    public int groupSize() {
        return nHeads / nKvHeads;
    }

    public static ModelConfig from(GGUFFile gguf) {
        String file = gguf.path().getFileName().toString();
        Architecture a = Architecture.of(gguf.getString("general.architecture", ""), file);
        int dim = gguf.getInt(a.metadataKey("embedding_length"));
        int nHeads = gguf.getInt(a.metadataKey("attention.head_count"));
        int nKvHeads = gguf.getInt(a.metadataKey("attention.head_count_kv"), nHeads);
        int nLayers = gguf.getInt(a.metadataKey("block_count"));
        int ffn = gguf.getInt(a.metadataKey("feed_forward_length"));
        int ctx = gguf.getInt(a.metadataKey("context_length"), 32768);
        float base = gguf.getFloat(a.metadataKey("rope.freq_base"), 1_000_000f);
        float eps = gguf.getFloat(a.metadataKey("attention.layer_norm_rms_epsilon"), 1e-6f);
        requirePositive(file, a.metadataKey("embedding_length"), dim);
        requirePositive(file, a.metadataKey("attention.head_count"), nHeads);
        requirePositive(file, a.metadataKey("attention.head_count_kv"), nKvHeads);
        requirePositive(file, a.metadataKey("block_count"), nLayers);
        requirePositive(file, a.metadataKey("feed_forward_length"), ffn);
        requirePositive(file, a.metadataKey("context_length"), ctx);
        if (nHeads % nKvHeads != 0) {
            throw new ModelFormatException(file + ": head_count " + nHeads + " is not a multiple of head_count_kv " + nKvHeads);
        }
        String keyLength = a.metadataKey("attention.key_length"), valueLength = a.metadataKey("attention.value_length");
        int headDim;
        if (gguf.has(keyLength)) {
            headDim = gguf.getInt(keyLength);
            requirePositive(file, keyLength, headDim);
        } else {
            if (dim % nHeads != 0) {
                throw new ModelFormatException(file + ": embedding_length " + dim + " is not divisible by head_count " + nHeads
                        + " and " + keyLength + " is missing, so the head dimension is unknown");
            }
            headDim = dim / nHeads;
        }
        int valueDim = gguf.getInt(valueLength, headDim);
        if (valueDim != headDim) {
            throw new ModelFormatException(file + ": " + valueLength + " = " + valueDim + " differs from the key head dimension "
                    + headDim + "; Edgewise needs keys and values of one width");
        }
        if (headDim % 2 != 0) {
            throw new ModelFormatException(file + ": head dimension " + headDim + " is odd; RoPE needs it even");
        }
        if ((long) nHeads * headDim > Integer.MAX_VALUE / 64) {
            throw new ModelFormatException(file + ": " + nHeads + " heads of " + headDim + " is an impossible attention width");
        }
        if (!(base > 0) || !(eps > 0)) {
            throw new ModelFormatException(file + ": rope.freq_base (" + base + ") and layer_norm_rms_epsilon (" + eps + ") must be positive");
        }
        var embd = gguf.requireTensor("token_embd.weight");
        if (embd.ne().length != 2 || embd.ne()[0] != dim) {
            throw new ModelFormatException(file + ": tensor 'token_embd.weight' has shape " + java.util.Arrays.toString(embd.ne())
                    + ", expected [" + dim + ", n_vocab]");
        }
        long vocab = embd.ne()[1];
        if (vocab <= 0 || vocab > Integer.MAX_VALUE) {
            throw new ModelFormatException(file + ": tensor 'token_embd.weight' has an impossible vocabulary size " + vocab);
        }
        boolean tied = gguf.tensor("output.weight") == null;
        String name = gguf.getString("general.name", file);
        return new ModelConfig(a, name, nLayers, dim, nHeads, nKvHeads, headDim, ffn, (int) vocab, ctx, base, eps, tied);
    }

    private static void requirePositive(String file, String key, int value) {
        if (value <= 0) throw new ModelFormatException(file + ": metadata " + key + " = " + value + " must be positive");
    }
}
