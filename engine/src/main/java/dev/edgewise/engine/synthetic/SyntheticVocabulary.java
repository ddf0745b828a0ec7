package dev.edgewise.engine.synthetic;

import dev.edgewise.engine.tokenizer.ByteLevelMapping;
import dev.edgewise.loader.GGUFWriter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A byte-level GPT-2 style vocabulary for synthetic models: the 256 byte tokens, BPE merges learnt
 * from a short built-in English text (so random models emit word pieces rather than single
 * bytes), unused padding when a real vocabulary size is asked for, and the Qwen2.5 control tokens
 * plus {@code <think>}/{@code </think>} at the end.
 */
final class SyntheticVocabulary {
    static final String[] SPECIAL = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"};
    private static final int NORMAL = 1, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5;
    private static final int MAX_MERGES = 1000;
    private static final String CORPUS = """
            The model reads the question, thinks about it step by step, and then writes the answer.
            When the question is simple, it answers at once; when it needs reasoning, it thinks first.
            Each branch of the search samples a different path, and the branches vote on the final answer.
            The weights are read from memory once for every step, so several branches cost little more than one.
            What is the sum of two and three? The answer is five. What is twelve times seven? It is eighty four.
            A small model on the edge can reason well when it keeps its thoughts short and its answers clear.
            """;

    private SyntheticVocabulary() {}

    static void addTo(GGUFWriter w, int vocabSize) {
        int firstSpecial = vocabSize - SPECIAL.length;
        if (firstSpecial < 256) throw new IllegalArgumentException("vocabulary too small: " + vocabSize);
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(String.valueOf(ByteLevelMapping.toChar(b)));
        List<String> merges = learnMerges(Math.min(MAX_MERGES, firstSpecial - 256));
        for (String m : merges) tokens.add(m.replace(" ", ""));
        int[] types = new int[vocabSize];
        java.util.Arrays.fill(types, 0, tokens.size(), NORMAL);
        while (tokens.size() < firstSpecial) {
            types[tokens.size()] = UNUSED;
            tokens.add("[PAD" + tokens.size() + "]");
        }
        for (String s : SPECIAL) {
            types[tokens.size()] = s.startsWith("<|") ? CONTROL : USER_DEFINED;
            tokens.add(s);
        }
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", "qwen2");
        w.putStringArray("tokenizer.ggml.tokens", tokens.toArray(String[]::new));
        w.putInt32Array("tokenizer.ggml.token_type", types);
        w.putStringArray("tokenizer.ggml.merges", merges.toArray(String[]::new));
        w.putUInt32("tokenizer.ggml.bos_token_id", firstSpecial);
        w.putUInt32("tokenizer.ggml.eos_token_id", firstSpecial + 2);
        w.putUInt32("tokenizer.ggml.padding_token_id", firstSpecial);
        w.putBool("tokenizer.ggml.add_bos_token", false);
    }

    /**
     * Classic BPE training on the corpus' words (a leading space belongs to the word, as in GPT-2):
     * repeatedly merge the most frequent adjacent pair (ties: the pair seen first) until every word is one token.
     */
    static List<String> learnMerges(int count) {
        List<List<String>> words = new ArrayList<>();
        for (String word : CORPUS.replace('\n', ' ').split("(?= )")) {
            List<String> symbols = new ArrayList<>();
            for (byte b : word.getBytes(StandardCharsets.UTF_8)) symbols.add(String.valueOf(ByteLevelMapping.toChar(b)));
            if (!symbols.isEmpty()) words.add(symbols);
        }
        List<String> merges = new ArrayList<>();
        while (merges.size() < count) {
            Map<String, Integer> freq = new HashMap<>();
            String best = null;
            int bestCount = 0;
            for (List<String> w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    String pair = w.get(i) + " " + w.get(i + 1);
                    int c = freq.merge(pair, 1, Integer::sum);
                    if (c > bestCount) {
                        best = pair;
                        bestCount = c;
                    }
                }
            }
            if (best == null) break; // every word is a single token
            merges.add(best);
            String[] parts = best.split(" ");
            for (List<String> w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    if (w.get(i).equals(parts[0]) && w.get(i + 1).equals(parts[1])) {
                        w.set(i, parts[0] + parts[1]);
                        w.remove(i + 1);
                    }
                }
            }
        }
        return merges;
    }
}
