package dev.edgewise.engine.tokenizer;

import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.ModelFormatException;
import it.unimi.dsi.fastutil.ints.IntArrayList;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Qwen2 byte-level BPE tokenizer, token for token what llama.cpp's llama_tokenize produces for a vocabulary
 * with {@code tokenizer.ggml.model = "gpt2"} and {@code tokenizer.ggml.pre = "qwen2"} (add_special is
 * always false: Qwen2 adds no BOS). Thread-safe; the word cache is shared.
 */
public final class Tokenizer {
    /** Pre-tokenizer names llama.cpp runs with the Qwen2 regex and Qwen2 settings that are accepted here. */
    static final Set<String> SUPPORTED_PRE = Set.of("qwen2", "deepseek-r1-qwen");

    private static final int CACHE_LIMIT = 1 << 16;
    private static final int CACHE_MAX_WORD_CHARS = 64;

    private final Vocabulary vocab;
    private final SpecialTokens specials;
    private final BpeMerger merger;
    private final byte[][] renderedBytes;
    private final ConcurrentHashMap<String, int[]> wordCache = new ConcurrentHashMap<>();

    public Tokenizer(Vocabulary vocab) {
        this.vocab = Objects.requireNonNull(vocab, "vocab");
        if (!SUPPORTED_PRE.contains(vocab.pre())) {
            throw new IllegalArgumentException("unsupported pre-tokenizer '" + vocab.pre() + "' (supported: qwen2, deepseek-r1-qwen)");
        }
        this.specials = new SpecialTokens(vocab);
        this.merger = new BpeMerger(vocab);
        this.renderedBytes = new byte[vocab.size()][];
        for (int id = 0; id < renderedBytes.length; id++) renderedBytes[id] = pieceBytes(id);
    }

    /**
     * Builds the tokenizer from a GGUF file's {@code tokenizer.ggml.*} metadata: model (must be "gpt2"),
     * pre (must be "qwen2" or "deepseek-r1-qwen"), tokens, token_type (all NORMAL if absent, as in
     * llama.cpp), merges, and the optional bos / eos / padding / eot / eom token ids.
     *
     * @throws ModelFormatException naming the file and key if the tokenizer is missing, unsupported or inconsistent
     */
    public static Tokenizer fromGGUF(GGUFFile f) {
        Objects.requireNonNull(f, "f");
        String file = String.valueOf(f.path().getFileName());
        String model = f.getString("tokenizer.ggml.model");
        if (!model.equals("gpt2")) {
            throw new ModelFormatException(file + ": tokenizer.ggml.model is '" + model
                    + "'; only 'gpt2' (byte-level BPE, as Qwen2 uses) is supported");
        }
        if (!f.has("tokenizer.ggml.pre")) {
            throw new ModelFormatException(file + ": tokenizer.ggml.pre is missing; llama.cpp would fall back to a"
                    + " generic pre-tokenizer, only 'qwen2' and 'deepseek-r1-qwen' are supported");
        }
        String pre = f.getString("tokenizer.ggml.pre");
        if (!SUPPORTED_PRE.contains(pre)) {
            throw new ModelFormatException(file + ": tokenizer.ggml.pre is '" + pre
                    + "'; only 'qwen2' and 'deepseek-r1-qwen' are supported");
        }
        String[] tokens = f.getStringArray("tokenizer.ggml.tokens");
        int[] types;
        if (f.has("tokenizer.ggml.token_type")) {
            types = f.getIntArray("tokenizer.ggml.token_type");
            if (types.length < tokens.length) {
                throw new ModelFormatException(file + ": tokenizer.ggml.token_type has " + types.length
                        + " entries for " + tokens.length + " tokens");
            }
            if (types.length > tokens.length) types = Arrays.copyOf(types, tokens.length);
        } else {
            types = new int[tokens.length];
            Arrays.fill(types, Vocabulary.NORMAL);
        }
        String[] merges = f.getStringArray("tokenizer.ggml.merges");
        int bos = optionalId(f, file, "tokenizer.ggml.bos_token_id", tokens.length);
        int eos = optionalId(f, file, "tokenizer.ggml.eos_token_id", tokens.length);
        int pad = optionalId(f, file, "tokenizer.ggml.padding_token_id", tokens.length);
        int eot = optionalId(f, file, "tokenizer.ggml.eot_token_id", tokens.length);
        int eom = optionalId(f, file, "tokenizer.ggml.eom_token_id", tokens.length);
        try {
            return new Tokenizer(new Vocabulary(tokens, types, merges, bos, eos, pad, eot, eom, pre));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": invalid tokenizer.ggml vocabulary: " + e.getMessage(), e);
        }
    }

    private static int optionalId(GGUFFile f, String file, String key, int vocabSize) {
        if (!f.has(key)) return -1;
        long id = f.getLong(key);
        if (id < 0 || id >= vocabSize) {
            throw new ModelFormatException(file + ": " + key + " = " + id + " is outside the vocabulary [0, " + vocabSize + ")");
        }
        return (int) id;
    }

    public Vocabulary vocabulary() { return vocab; }

    /**
     * Token ids for {@code text}. With {@code parseSpecial}, CONTROL tokens written in the text (such as
     * {@code <|im_start|>}) become their ids; without it they are tokenized as plain text. USER_DEFINED
     * tokens ({@code <tool_call>}) are matched either way, as in llama.cpp. Unpaired surrogates are
     * encoded as U+FFFD.
     */
    public int[] encode(String text, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        String s = text.isEmpty() ? text : wellFormed(text);
        if (s.isEmpty()) return new int[0];
        IntArrayList out = new IntArrayList(s.length() / 3 + 4);
        IntArrayList fragments = new IntArrayList();
        specials.partition(s, parseSpecial, fragments);
        for (int f = 0; f < fragments.size(); f += 3) {
            int id = fragments.getInt(f);
            if (id >= 0) out.add(id);
            else encodeText(s, fragments.getInt(f + 1), fragments.getInt(f + 2), out);
        }
        return out.toIntArray();
    }

    /**
     * Token ids for raw bytes, as llama.cpp's llama_tokenize gives them for the same bytes: any bytes,
     * NUL and ill-formed UTF-8 included. llama.cpp reads code points leniently (overlong forms and
     * encoded surrogates are taken at face value and written back as the same bytes) and turns each
     * byte it cannot read into U+FFFD; the same happens here.
     *
     * @throws IllegalArgumentException if a 4-byte sequence encodes a value above U+10FFFF, which
     *         llama.cpp cannot tokenize either (its encoder throws)
     */
    public int[] encode(byte[] text, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        int[] cps = LenientUtf8.codepoints(text);
        if (cps.length == 0) return new int[0];
        // the special-token partition runs on chars; charToCp maps a char offset back to its code point
        StringBuilder sb = new StringBuilder(cps.length);
        int[] charToCp = new int[2 * cps.length + 1];
        for (int i = 0; i < cps.length; i++) {
            charToCp[sb.length()] = i;
            if (Character.isSurrogate((char) cps[i]) && cps[i] <= 0xFFFF) sb.append((char) cps[i]); // an encoded surrogate, kept alone
            else sb.appendCodePoint(cps[i]);
        }
        charToCp[sb.length()] = cps.length;
        String s = sb.toString();
        IntArrayList out = new IntArrayList(cps.length / 3 + 4);
        IntArrayList fragments = new IntArrayList();
        specials.partition(s, parseSpecial, fragments);
        for (int f = 0; f < fragments.size(); f += 3) {
            int id = fragments.getInt(f);
            if (id >= 0) out.add(id);
            else encodeCodepoints(Arrays.copyOfRange(cps, charToCp[fragments.getInt(f + 1)], charToCp[fragments.getInt(f + 2)]), out);
        }
        return out.toIntArray();
    }

    private void encodeText(String s, int start, int end, IntArrayList out) {
        encodeCodepoints(s.substring(start, end).codePoints().toArray(), out);
    }

    private void encodeCodepoints(int[] cps, IntArrayList out) {
        int n = cps.length;
        byte[] cls = new byte[n];
        for (int i = 0; i < n; i++) cls[i] = CodepointClass.of(cps[i]);
        IntArrayList ends = new IntArrayList();
        Qwen2PreTokenizer.split(cps, cls, n, ends);
        int a = 0;
        for (int k = 0; k < ends.size(); k++) {
            int b = ends.getInt(k);
            out.addElements(out.size(), wordTokens(cps, a, b));
            a = b;
        }
    }

    private int[] wordTokens(int[] cps, int from, int to) {
        boolean cacheable = to - from <= CACHE_MAX_WORD_CHARS;
        for (int i = from; i < to && cacheable; i++) cacheable = cps[i] < Character.MIN_SURROGATE || cps[i] > Character.MAX_SURROGATE;
        String word = cacheable ? new String(cps, from, to - from) : null;
        int[] cached = cacheable ? wordCache.get(word) : null;
        if (cached != null) return cached;
        IntArrayList ids = new IntArrayList(4);
        merger.encode(LenientUtf8.bytes(cps, from, to), ids);
        int[] result = ids.toIntArray();
        if (cacheable) {
            if (wordCache.size() >= CACHE_LIMIT) wordCache.clear(); // crude bound, good enough for a hot-word cache
            wordCache.put(word, result);
        }
        return result;
    }

    private static String wellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                StringBuilder sb = new StringBuilder(text.length());
                text.codePoints().forEach(cp -> sb.appendCodePoint(cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE ? 0xFFFD : cp));
                return sb.toString();
            }
        }
        return text;
    }

    /** Text of {@code ids} with special tokens rendered; invalid UTF-8 becomes U+FFFD. */
    public String decode(int[] ids) {
        return decode(ids, true);
    }

    /**
     * Text of {@code ids}. Without {@code renderSpecial}, CONTROL and UNKNOWN tokens contribute nothing
     * (llama.cpp's token_to_piece with special = false); USER_DEFINED tokens are always rendered.
     */
    public String decode(int[] ids, boolean renderSpecial) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) bytes.writeBytes(tokenBytes(id, renderSpecial));
        return Utf8.decode(bytes.toByteArray());
    }

    /** One token's bytes as a string, for display (a partial UTF-8 character shows as U+FFFD). */
    public String piece(int id) {
        return Utf8.decode(tokenBytes(id, true));
    }

    /**
     * Raw bytes of a token: NORMAL tokens un-mapped through GPT-2 bytes_to_unicode, CONTROL /
     * USER_DEFINED / UNKNOWN tokens their text as UTF-8, BYTE tokens ({@code <0xXX>}) their byte, UNUSED
     * and undefined tokens nothing (as llama.cpp's token_to_piece). Returns a fresh array.
     */
    public byte[] tokenBytes(int id) {
        return tokenBytes(id, true).clone();
    }

    byte[] tokenBytes(int id, boolean renderSpecial) {
        if (id < 0 || id >= renderedBytes.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + renderedBytes.length + ")");
        }
        if (!renderSpecial && (specials.attr(id) & (SpecialTokens.ATTR_CONTROL | SpecialTokens.ATTR_UNKNOWN)) != 0) {
            return new byte[0];
        }
        return renderedBytes[id];
    }

    private byte[] pieceBytes(int id) {
        int attr = specials.attr(id);
        String text = vocab.token(id);
        if ((attr & (SpecialTokens.ATTR_UNKNOWN | SpecialTokens.ATTR_CONTROL | SpecialTokens.ATTR_USER_DEFINED)) != 0) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        if ((attr & SpecialTokens.ATTR_NORMAL) != 0) return unmapByteLevel(text);
        if ((attr & SpecialTokens.ATTR_BYTE) != 0) return byteTokenValue(text);
        return new byte[0];
    }

    /**
     * llama_decode_text: each character back to its byte. A character outside the byte mapping is written
     * as llama.cpp does, "[UNK_BYTE_0x" + its UTF-8 in hex + the whole token text + "]".
     */
    private static byte[] unmapByteLevel(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        text.codePoints().forEach(cp -> {
            int b = ByteLevelMapping.toByte(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                StringBuilder unk = new StringBuilder("[UNK_BYTE_0x");
                for (byte u : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    unk.append(String.format("%02x", u & 0xFF));
                }
                unk.append(text).append(']');
                out.writeBytes(unk.toString().getBytes(StandardCharsets.UTF_8));
            }
        });
        return out.toByteArray();
    }

    /** BYTE tokens are written {@code <0xXX>}; anything else yields no bytes. */
    private static byte[] byteTokenValue(String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(text.substring(3, 5), 16)};
            } catch (NumberFormatException ignored) {
                // fall through
            }
        }
        return new byte[0];
    }

    /** Ids that end generation, ascending (llama.cpp's EOG rule: eos, eot/eom, FIM pad/repo/sep, end-marker texts). */
    public int[] endOfGenerationTokens() {
        return specials.endOfGeneration();
    }

    public boolean isEndOfGeneration(int id) {
        return specials.isEndOfGeneration(id);
    }

    /** A decoder for one generated stream, rendering special tokens. */
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this, true);
    }

    /** A decoder for one generated stream; without {@code renderSpecial}, CONTROL tokens produce no text. */
    public StreamingDecoder streamingDecoder(boolean renderSpecial) {
        return new StreamingDecoder(this, renderSpecial);
    }
}
