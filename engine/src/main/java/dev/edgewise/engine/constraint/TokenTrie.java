package dev.edgewise.engine.constraint;

import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.engine.tokenizer.Vocabulary;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.ints.IntArrays;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The vocabulary's byte strings as a trie, built once per tokenizer: tokens sorted by their bytes
 * (so every trie node's subtree is one contiguous range of sorted positions), children of a node
 * stored together. Only ordinary text tokens are in it (NORMAL, non-empty, not end-of-generation):
 * control and added tokens never appear in constrained output.
 *
 * <p>{@link #walk} runs an automaton state down the trie: each shared prefix is fed once, a
 * rejected byte prunes its whole subtree, and a subtree made only of plain string characters is
 * accepted in one step when the state inside a string is unchanged by them.
 */
final class TokenTrie {
    private static final Map<Tokenizer, TokenTrie> CACHE = Collections.synchronizedMap(new WeakHashMap<>());

    /** Token id at each sorted position. */
    final int[] sortedTokens;
    /** Ids of the vocabulary that are not in the trie (never allowed, end-of-generation ids aside). */
    final int[] excluded;
    private final byte[][] sortedBytes;
    private final IntArrayList label = new IntArrayList(), firstChild = new IntArrayList(), childCount = new IntArrayList(),
            tokenAt = new IntArrayList(), lo = new IntArrayList(), hi = new IntArrayList();
    /** Per node, bit q: starting in string sub-state q, every token of the subtree stays inside the string / is refused. */
    private short[] inString, refused;
    private int[] labels, firsts, counts, tokens, los, his;

    static TokenTrie of(Tokenizer tokenizer) {
        return CACHE.computeIfAbsent(tokenizer, TokenTrie::new);
    }

    private TokenTrie(Tokenizer tokenizer) {
        Vocabulary v = tokenizer.vocabulary();
        IntArrayList in = new IntArrayList(), out = new IntArrayList();
        byte[][] bytes = new byte[v.size()][];
        for (int id = 0; id < v.size(); id++) {
            if (tokenizer.isEndOfGeneration(id)) continue;
            bytes[id] = tokenizer.tokenBytes(id);
            if (v.type(id) == Vocabulary.NORMAL && bytes[id].length > 0) in.add(id);
            else out.add(id);
        }
        sortedTokens = in.toIntArray();
        IntArrays.parallelQuickSort(sortedTokens, (a, b) -> Arrays.compareUnsigned(bytes[a], bytes[b]));
        sortedBytes = new byte[sortedTokens.length][];
        for (int i = 0; i < sortedTokens.length; i++) sortedBytes[i] = bytes[sortedTokens[i]];
        excluded = out.toIntArray();
        addNode(-1, 0, sortedTokens.length);
        build(0, 0);
        labels = label.toIntArray();
        firsts = firstChild.toIntArray();
        counts = childCount.toIntArray();
        tokens = tokenAt.toIntArray();
        los = lo.toIntArray();
        his = hi.toIntArray();
        inString = new short[labels.length];
        refused = new short[labels.length];
        for (int n = labels.length - 1; n > 0; n--) { // children come after their parent
            int stays = 0, dead = 0;
            for (int q = 0; q < StringLexer.STATES; q++) {
                int r = StringLexer.step(q, labels[n]);
                if (r == StringLexer.REJECT) {
                    dead |= 1 << q;
                    continue;
                }
                if (r == StringLexer.CLOSE) continue; // depends on what follows the string
                boolean allStay = true, allDead = tokens[n] < 0;
                for (int c = firsts[n]; c < firsts[n] + counts[n]; c++) {
                    allStay &= (inString[c] >> r & 1) != 0;
                    allDead &= (refused[c] >> r & 1) != 0;
                }
                if (allStay) stays |= 1 << q;
                if (allDead) dead |= 1 << q;
            }
            inString[n] = (short) stays;
            refused[n] = (short) dead;
        }
    }

    /** Tokens in the trie. */
    int size() {
        return sortedTokens.length;
    }

    int nodes() {
        return labels.length;
    }

    private int addNode(int b, int from, int to) {
        label.add(b);
        firstChild.add(0);
        childCount.add(0);
        tokenAt.add(-1);
        lo.add(from);
        hi.add(to);
        return label.size() - 1;
    }

    /** Fills in the children of {@code node}, whose tokens share their first {@code depth} bytes. */
    private void build(int node, int depth) {
        int i = lo.getInt(node), end = hi.getInt(node);
        if (i < end && sortedBytes[i].length == depth) tokenAt.set(node, i++);
        int first = label.size(), n = 0;
        for (int j = i; j < end; ) {
            int b = sortedBytes[j][depth] & 0xFF, k = j;
            while (k < end && (sortedBytes[k][depth] & 0xFF) == b) k++;
            addNode(b, j, k);
            n++;
            j = k;
        }
        firstChild.set(node, first);
        childCount.set(node, n);
        for (int c = first; c < first + n; c++) build(c, depth + 1);
    }

    /** Marks in {@code allowed} (by sorted position) every token whose bytes {@code state} accepts. */
    void walk(JsonState state, long[] allowed) {
        walk(0, state, allowed);
    }

    private void walk(int node, JsonState s, long[] allowed) {
        int q = s.stringSub();
        for (int c = firsts[node], end = c + counts[node]; c < end; c++) {
            if (q >= 0) { // inside a string, only subtrees that may close it need the state
                if ((inString[c] >> q & 1) != 0) {
                    setRange(allowed, los[c], his[c]);
                    continue;
                }
                if ((refused[c] >> q & 1) != 0) continue;
            }
            JsonState t = s.next(labels[c]);
            if (t == null) continue;
            int tok = tokens[c];
            if (tok >= 0) allowed[tok >>> 6] |= 1L << tok;
            if (counts[c] > 0) walk(c, t, allowed);
        }
    }

    private static void setRange(long[] bits, int from, int to) {
        if (from >= to) return;
        int w0 = from >>> 6, w1 = (to - 1) >>> 6;
        long first = -1L << from, last = -1L >>> -to;
        if (w0 == w1) {
            bits[w0] |= first & last;
            return;
        }
        bits[w0] |= first;
        for (int w = w0 + 1; w < w1; w++) bits[w] = -1L;
        bits[w1] |= last;
    }
}
