package dev.edgewise.engine.synthetic;

import dev.edgewise.engine.tokenizer.ByteLevel;
import dev.edgewise.loader.GGUFWriter;

/**
 * A byte-level GPT-2 style vocabulary for synthetic models: the 256 byte tokens, unused padding,
 * and the Qwen2.5 control tokens plus {@code <think>}/{@code </think>} at the end. It has no merges,
 * so every byte is one token: enough to exercise the tokenizer, chat template and stop tokens.
 */
final class SyntheticVocabulary {
    static final String[] SPECIAL = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"};
    private static final int NORMAL = 1, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5;

    private SyntheticVocabulary() {}

    static void addTo(GGUFWriter w, int vocabSize) {
        if (vocabSize < 256 + SPECIAL.length) throw new IllegalArgumentException("vocabulary too small: " + vocabSize);
        String[] tokens = new String[vocabSize];
        int[] types = new int[vocabSize];
        for (int b = 0; b < 256; b++) {
            tokens[b] = ByteLevel.encode(new byte[]{(byte) b});
            types[b] = NORMAL;
        }
        int firstSpecial = vocabSize - SPECIAL.length;
        for (int i = 256; i < firstSpecial; i++) {
            tokens[i] = "[PAD" + i + "]";
            types[i] = UNUSED;
        }
        for (int i = 0; i < SPECIAL.length; i++) {
            tokens[firstSpecial + i] = SPECIAL[i];
            types[firstSpecial + i] = SPECIAL[i].startsWith("<|") ? CONTROL : USER_DEFINED;
        }
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", "qwen2");
        w.putStringArray("tokenizer.ggml.tokens", tokens);
        w.putInt32Array("tokenizer.ggml.token_type", types);
        w.putStringArray("tokenizer.ggml.merges", new String[0]);
        w.putUInt32("tokenizer.ggml.bos_token_id", firstSpecial);
        w.putUInt32("tokenizer.ggml.eos_token_id", firstSpecial + 2);
        w.putUInt32("tokenizer.ggml.padding_token_id", firstSpecial);
        w.putBool("tokenizer.ggml.add_bos_token", false);
    }
}
