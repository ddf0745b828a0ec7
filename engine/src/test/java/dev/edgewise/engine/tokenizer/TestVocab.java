package dev.edgewise.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds small byte-level vocabularies for unit tests: ids 0..255 are the 256 byte tokens (id = byte value),
 * then the results of the merges in merge order, then added tokens with their types.
 */
final class TestVocab {
    private final List<String> merges = new ArrayList<>();
    private final Map<String, Integer> added = new LinkedHashMap<>();
    private final List<String> extraNormal = new ArrayList<>();
    private boolean addMergeResults = true;
    private String eosText;

    /** Byte-to-unicode form of raw text, as vocabularies store NORMAL tokens. */
    static String mapped(String raw) {
        StringBuilder sb = new StringBuilder();
        for (byte b : raw.getBytes(StandardCharsets.UTF_8)) sb.append(ByteLevelMapping.toChar(b));
        return sb.toString();
    }

    /** A merge of two raw-text parts. */
    TestVocab merge(String left, String right) {
        merges.add(mapped(left) + " " + mapped(right));
        return this;
    }

    /** Merge results are not added as tokens (a malformed but loadable vocabulary). */
    TestVocab withoutMergeResults() {
        addMergeResults = false;
        return this;
    }

    TestVocab normal(String raw) {
        extraNormal.add(mapped(raw));
        return this;
    }

    TestVocab added(String text, int type) {
        added.put(text, type);
        return this;
    }

    /** Adds {@code text} as a CONTROL token (unless already added) and makes it the eos token. */
    TestVocab eos(String text) {
        added.putIfAbsent(text, Vocabulary.CONTROL);
        eosText = text;
        return this;
    }

    Vocabulary build() {
        List<String> tokens = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevelMapping.toChar(b)));
            types.add(Vocabulary.NORMAL);
        }
        if (addMergeResults) {
            for (String m : merges) {
                String joined = m.replace(" ", "");
                if (!tokens.contains(joined)) {
                    tokens.add(joined);
                    types.add(Vocabulary.NORMAL);
                }
            }
        }
        for (String t : extraNormal) {
            tokens.add(t);
            types.add(Vocabulary.NORMAL);
        }
        for (Map.Entry<String, Integer> e : added.entrySet()) {
            tokens.add(e.getKey());
            types.add(e.getValue());
        }
        int eosId = eosText == null ? -1 : tokens.indexOf(eosText);
        return new Vocabulary(tokens.toArray(new String[0]), types.stream().mapToInt(Integer::intValue).toArray(),
                merges.toArray(new String[0]), -1, eosId, -1, "qwen2");
    }

    Tokenizer tokenizer() {
        return new Tokenizer(build());
    }
}
