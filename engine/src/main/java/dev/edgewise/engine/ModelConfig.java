package dev.edgewise.engine;

import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.ModelFormatException;

/**
 * Hyper-parameters of a Qwen2 model, read from GGUF metadata ({@code qwen2.*} keys) and checked
 * for consistency before any tensor is touched.
 */
public record ModelConfig(
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

    public static final String ARCHITECTURE = "qwen2";

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
        String arch = gguf.getString("general.architecture", "");
        if (!ARCHITECTURE.equals(arch)) {
            throw new ModelFormatException(file + ": general.architecture is '" + arch
                    + "', but Edgewise runs only '" + ARCHITECTURE + "' (Qwen2, Qwen2.5, DeepSeek-R1-Distill-Qwen) models");
        }
        String p = ARCHITECTURE + ".";
        int dim = gguf.getInt(p + "embedding_length");
        int nHeads = gguf.getInt(p + "attention.head_count");
        int nKvHeads = gguf.getInt(p + "attention.head_count_kv", nHeads);
        int nLayers = gguf.getInt(p + "block_count");
        int ffn = gguf.getInt(p + "feed_forward_length");
        int ctx = gguf.getInt(p + "context_length", 32768);
        float base = gguf.getFloat(p + "rope.freq_base", 1_000_000f);
        float eps = gguf.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-6f);
        requirePositive(file, p + "embedding_length", dim);
        requirePositive(file, p + "attention.head_count", nHeads);
        requirePositive(file, p + "attention.head_count_kv", nKvHeads);
        requirePositive(file, p + "block_count", nLayers);
        requirePositive(file, p + "feed_forward_length", ffn);
        requirePositive(file, p + "context_length", ctx);
        if (dim % nHeads != 0) {
            throw new ModelFormatException(file + ": embedding_length " + dim + " is not divisible by head_count " + nHeads);
        }
        if (nHeads % nKvHeads != 0) {
            throw new ModelFormatException(file + ": head_count " + nHeads + " is not a multiple of head_count_kv " + nKvHeads);
        }
        int headDim = dim / nHeads;
        if (headDim % 2 != 0) {
            throw new ModelFormatException(file + ": head dimension " + headDim + " is odd; RoPE needs it even");
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
        return new ModelConfig(name, nLayers, dim, nHeads, nKvHeads, headDim, ffn, (int) vocab, ctx, base, eps, tied);
    }

    private static void requirePositive(String file, String key, int value) {
        if (value <= 0) throw new ModelFormatException(file + ": metadata " + key + " = " + value + " must be positive");
    }
}
