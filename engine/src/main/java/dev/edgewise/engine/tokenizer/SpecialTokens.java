package dev.edgewise.engine.tokenizer;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.ints.IntRBTreeSet;
import it.unimi.dsi.fastutil.ints.IntSortedSet;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * Token attributes, end-of-generation ids and the special-token partition, following llama.cpp's
 * llama_vocab::impl::load and tokenizer_st_partition.
 *
 * <p>llama.cpp does not use the stored token types as they are: tokens it recognizes by text as
 * end-of-turn, FIM or end-of-generation markers are promoted to CONTROL, a few gpt-oss markers are
 * demoted to USER_DEFINED. These effective attributes decide which tokens the partition looks for (and
 * whether they are skipped without special parsing) and how tokens are rendered.
 *
 * <p>Where llama.cpp picks "the first" of several tokens matching the same role while iterating an
 * unordered map, this picks the lowest id (identical whenever a vocabulary has at most one candidate
 * per role, as Qwen2's does).
 */
final class SpecialTokens {
    // llama_token_attr bits
    static final int ATTR_UNKNOWN = 1, ATTR_UNUSED = 1 << 1, ATTR_NORMAL = 1 << 2, ATTR_CONTROL = 1 << 3,
            ATTR_USER_DEFINED = 1 << 4, ATTR_BYTE = 1 << 5;

    private static final Set<String> EOT_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
            "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "<end_of_utterance>");
    private static final Set<String> EOM_TEXTS = Set.of("<|eom_id|>");
    private static final Set<String> FIM_PRE_TEXTS = Set.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<\uFF5Cfim\u2581begin\uFF5C>", "<PRE>", "\u2581<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final Set<String> FIM_SUF_TEXTS = Set.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<\uFF5Cfim\u2581hole\uFF5C>", "<SUF>", "\u2581<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final Set<String> FIM_MID_TEXTS = Set.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<\uFF5Cfim\u2581end\uFF5C>", "<MID>", "\u2581<MID>", "<|code_middle|>", "<|middle|>");
    private static final Set<String> FIM_PAD_TEXTS = Set.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final Set<String> FIM_REP_TEXTS = Set.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");
    private static final Set<String> FIM_SEP_TEXTS = Set.of("<|file_sep|>");
    /** Texts llama.cpp treats as end of generation (llama-vocab.cpp, "special_eog_ids"). */
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>",
            "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>",
            "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>",
            "<|tool_response>", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "[e~[");
    private static final Set<String> ALWAYS_RENDERED = Set.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>");

    private final int[] attrs;
    private final int[] eog;
    /** Tokens the partition looks for: longest UTF-8 text first, lower id first on equal length. */
    private final int[] partitionIds;
    private final String[] partitionTexts;

    SpecialTokens(Vocabulary v) {
        int n = v.size();
        attrs = new int[n];
        for (int id = 0; id < n; id++) attrs[id] = attrOfType(v.type(id));

        int eot = v.eot() >= 0 ? v.eot() : detect(v, EOT_TEXTS);
        int eom = v.eom() >= 0 ? v.eom() : detect(v, EOM_TEXTS);
        detect(v, FIM_PRE_TEXTS);
        detect(v, FIM_SUF_TEXTS);
        detect(v, FIM_MID_TEXTS);
        int fimPad = detect(v, FIM_PAD_TEXTS);
        int fimRep = detect(v, FIM_REP_TEXTS);
        int fimSep = detect(v, FIM_SEP_TEXTS);

        IntSortedSet eogSet = new IntRBTreeSet();
        for (int id : new int[] {fimPad, fimRep, fimSep}) if (id >= 0) eogSet.add(id);
        for (int id = 0; id < n; id++) {
            if (EOG_TEXTS.contains(v.token(id))) {
                eogSet.add(id);
                attrs[id] |= ATTR_CONTROL;
            }
        }
        for (int id = 0; id < n; id++) {
            if (ALWAYS_RENDERED.contains(v.token(id))) attrs[id] = ATTR_USER_DEFINED;
        }
        for (int id : new int[] {v.eos(), eot, eom}) if (id >= 0) eogSet.add(id);
        applyEogWorkarounds(v, eogSet);
        eog = eogSet.toIntArray();

        IntArrayList special = new IntArrayList();
        for (int id = 0; id < n; id++) {
            if ((attrs[id] & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) != 0) special.add(id);
        }
        int[] byteLengths = new int[n];
        for (int id : special) byteLengths[id] = v.token(id).getBytes(StandardCharsets.UTF_8).length;
        partitionIds = special.intStream().boxed()
                .sorted((a, b) -> byteLengths[a] != byteLengths[b] ? Integer.compare(byteLengths[b], byteLengths[a]) : Integer.compare(a, b))
                .mapToInt(Integer::intValue).toArray();
        partitionTexts = new String[partitionIds.length];
        for (int i = 0; i < partitionIds.length; i++) partitionTexts[i] = v.token(partitionIds[i]);
    }

    /**
     * llama.cpp's exceptions to the text rule: gpt-oss / solar-open keep "<|end|>" out of EOG (as
     * USER_DEFINED) next to "<|return|>"/"<|flush|>" and "<|call|>"; gemma4 and PLaMo keep "</s>" a NORMAL
     * token. Elsewhere "</s>" is EOG and CONTROL even where the vocabulary calls it NORMAL (Qwen2: id 128247).
     */
    private void applyEogWorkarounds(Vocabulary v, IntSortedSet eogSet) {
        boolean hasReturn = false, hasCall = false, hasFlush = false, hasToolResponse = false;
        int end = -1, closingS = -1;
        for (int id : eogSet) {
            switch (v.token(id)) {
                case "<|return|>" -> hasReturn = true;
                case "<|call|>", "<|calls|>" -> hasCall = true;
                case "<|flush|>" -> hasFlush = true;
                case "<|end|>" -> end = id;
                case "<|tool_response>", "<|plamo:eos|>" -> hasToolResponse = true;
                case "</s>" -> closingS = id;
                default -> { }
            }
        }
        if (end >= 0 && hasCall && (hasReturn || hasFlush)) {
            eogSet.remove(end);
            attrs[end] = ATTR_USER_DEFINED;
        }
        if (hasToolResponse && closingS >= 0) {
            eogSet.remove(closingS);
            attrs[closingS] = ATTR_NORMAL;
        }
    }

    /** The lowest id whose text is one of {@code texts}, promoted to CONTROL; -1 if none. */
    private int detect(Vocabulary v, Set<String> texts) {
        int best = -1;
        for (String t : texts) {
            int id = v.id(t);
            if (id >= 0 && (best < 0 || id < best)) best = id;
        }
        if (best >= 0) attrs[best] |= ATTR_CONTROL;
        return best;
    }

    private static int attrOfType(int type) {
        return switch (type) {
            case Vocabulary.NORMAL -> ATTR_NORMAL;
            case Vocabulary.UNKNOWN -> ATTR_UNKNOWN;
            case Vocabulary.CONTROL -> ATTR_CONTROL;
            case Vocabulary.USER_DEFINED -> ATTR_USER_DEFINED;
            case Vocabulary.UNUSED -> ATTR_UNUSED;
            case Vocabulary.BYTE -> ATTR_BYTE;
            default -> 0; // undefined
        };
    }

    int attr(int id) { return attrs[id]; }

    int[] endOfGeneration() { return eog.clone(); }

    boolean isEndOfGeneration(int id) { return Arrays.binarySearch(eog, id) >= 0; }

    /**
     * Splits {@code text} into special tokens and raw text, as tokenizer_st_partition does: for each special
     * token in partition order (longest first), every occurrence inside every still-raw fragment becomes a
     * token fragment. Without {@code parseSpecial}, CONTROL and UNKNOWN tokens are not looked for, but
     * USER_DEFINED ones are. Fragments are appended to {@code out} as triples (token id or -1, start, end).
     */
    void partition(String text, boolean parseSpecial, IntArrayList out) {
        IntArrayList current = new IntArrayList();
        current.add(-1);
        current.add(0);
        current.add(text.length());
        IntArrayList next = new IntArrayList();
        for (int k = 0; k < partitionIds.length; k++) {
            int id = partitionIds[k];
            if (!parseSpecial && (attrs[id] & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0) continue;
            String token = partitionTexts[k];
            if (text.indexOf(token) < 0) continue; // common case: nothing to split
            next.clear();
            // earliest occurrence at or after the last queried position; fragments come in text order, so
            // each token costs one pass over the text however many fragments there are
            int found = text.indexOf(token);
            for (int f = 0; f < current.size(); f += 3) {
                int fid = current.getInt(f), start = current.getInt(f + 1), end = current.getInt(f + 2);
                if (fid >= 0) {
                    next.add(fid); next.add(start); next.add(end);
                    continue;
                }
                int pos = start;
                while (true) {
                    if (found >= 0 && found < pos) found = text.indexOf(token, pos);
                    int match = found;
                    if (match < 0 || match + token.length() > end) break;
                    if (match > pos) { next.add(-1); next.add(pos); next.add(match); }
                    next.add(id); next.add(match); next.add(match + token.length());
                    pos = match + token.length();
                }
                if (pos < end) { next.add(-1); next.add(pos); next.add(end); }
            }
            IntArrayList swap = current;
            current = next;
            next = swap;
        }
        out.addAll(current);
    }
}
