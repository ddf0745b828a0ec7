package dev.edgewise.engine.tokenizer;

import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.util.Objects;

/**
 * An immutable byte-level BPE vocabulary as GGUF stores it ({@code tokenizer.ggml.*}): token strings in
 * GPT-2 byte-to-unicode form, their ggml token types, the merge list in rank order, and the special ids.
 * Like llama.cpp, an empty token string is replaced by {@code [EMPTY_<id>]} and duplicate strings are
 * rejected.
 */
public final class Vocabulary {
    /** ggml token types ({@code tokenizer.ggml.token_type}); 0 and unknown values mean "undefined". */
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    private final String[] tokens;
    private final int[] types;
    private final String[] merges;
    private final int bos, eos, pad, eot, eom;
    private final String pre;
    private final Object2IntOpenHashMap<String> ids;

    /**
     * @param tokens     token strings; index = token id
     * @param tokenTypes ggml token type per token (1 NORMAL, 2 UNKNOWN, 3 CONTROL, 4 USER_DEFINED, 5 UNUSED, 6 BYTE)
     * @param merges     BPE merges {@code "left right"}, lowest rank first
     * @param bos        begin-of-sequence id, -1 if absent
     * @param eos        end-of-sequence id, -1 if absent
     * @param pad        padding id, -1 if absent
     * @param pre        pre-tokenizer name ({@code tokenizer.ggml.pre}), e.g. "qwen2"
     */
    public Vocabulary(String[] tokens, int[] tokenTypes, String[] merges, int bos, int eos, int pad, String pre) {
        this(tokens, tokenTypes, merges, bos, eos, pad, -1, -1, pre);
    }

    /**
     * As {@link #Vocabulary(String[], int[], String[], int, int, int, String)}, with the optional end-of-turn
     * ({@code tokenizer.ggml.eot_token_id}) and end-of-message ({@code eom_token_id}) ids, -1 if absent.
     * When absent they are detected from the token text the way llama.cpp does.
     */
    public Vocabulary(String[] tokens, int[] tokenTypes, String[] merges, int bos, int eos, int pad,
                      int eot, int eom, String pre) {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(tokenTypes, "tokenTypes");
        Objects.requireNonNull(merges, "merges");
        if (tokenTypes.length != tokens.length) {
            throw new IllegalArgumentException("token type count " + tokenTypes.length
                    + " does not match token count " + tokens.length);
        }
        this.tokens = new String[tokens.length];
        this.types = tokenTypes.clone();
        this.ids = new Object2IntOpenHashMap<>(tokens.length);
        this.ids.defaultReturnValue(-1);
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            if (t == null) throw new IllegalArgumentException("token " + i + " is null");
            if (t.isEmpty()) t = "[EMPTY_" + i + "]";
            int previous = ids.putIfAbsent(t, i);
            if (previous != -1) {
                throw new IllegalArgumentException("duplicate token in vocabulary: '" + t + "' has ids " + previous + " and " + i);
            }
            this.tokens[i] = t;
        }
        this.merges = merges.clone();
        for (int i = 0; i < this.merges.length; i++) {
            String m = this.merges[i];
            if (m == null || m.indexOf(' ', 1) < 0) {
                throw new IllegalArgumentException("merge " + i + " is not of the form \"left right\": "
                        + (m == null ? "null" : "'" + m + "'"));
            }
        }
        this.bos = checkId("bos", bos);
        this.eos = checkId("eos", eos);
        this.pad = checkId("pad", pad);
        this.eot = checkId("eot", eot);
        this.eom = checkId("eom", eom);
        this.pre = Objects.requireNonNull(pre, "pre");
    }

    private int checkId(String what, int id) {
        if (id < -1 || id >= tokens.length) {
            throw new IllegalArgumentException(what + " token id " + id + " is outside the vocabulary [0, " + tokens.length + ")");
        }
        return id;
    }

    public int size() { return tokens.length; }

    /** Token string (byte-to-unicode form for NORMAL tokens). */
    public String token(int id) { return tokens[checkRange(id)]; }

    /** ggml token type of {@code id} (see the constants). */
    public int type(int id) { return types[checkRange(id)]; }

    /** The id whose string is exactly {@code token}, or -1. */
    public int id(String token) { return ids.getInt(token); }

    public int mergeCount() { return merges.length; }

    /** Merge of rank {@code rank}, {@code "left right"}. */
    public String merge(int rank) { return merges[rank]; }

    public int bos() { return bos; }
    public int eos() { return eos; }
    public int pad() { return pad; }
    /** End-of-turn id given explicitly, or -1 (then detected from the token text). */
    public int eot() { return eot; }
    /** End-of-message id given explicitly, or -1 (then detected from the token text). */
    public int eom() { return eom; }
    public String pre() { return pre; }

    private int checkRange(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + tokens.length + ")");
        }
        return id;
    }
}
