package dev.edgewise.engine.tokenizer;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Byte-level BPE over one pre-token, merging exactly like llama.cpp's llm_tokenizer_bpe_session: start
 * with one symbol per byte (its byte-to-unicode character), repeatedly merge the adjacent pair with the
 * lowest merge rank (leftmost first on ties), then map each final symbol to its token id.
 *
 * <p>Symbols are interned strings: ids below the vocabulary size are the tokens themselves; strings that
 * appear only in the merge list (a malformed but loadable vocabulary) get ids above it.
 */
final class BpeMerger {
    private static final long NO_MERGE = -1L;

    private final Vocabulary vocab;
    private final int vocabSize;
    /** (left symbol << 32 | right symbol) -> (rank << 32 | merged symbol); first occurrence of a pair wins. */
    private final Long2LongOpenHashMap pairs;
    private final String[] extraSymbols;
    private final int[] byteSymbol = new int[256];

    BpeMerger(Vocabulary vocab) {
        this.vocab = vocab;
        this.vocabSize = vocab.size();
        int mergeCount = vocab.mergeCount();
        this.pairs = new Long2LongOpenHashMap(mergeCount);
        this.pairs.defaultReturnValue(NO_MERGE);
        Object2IntOpenHashMap<String> extraIds = new Object2IntOpenHashMap<>();
        extraIds.defaultReturnValue(-1);
        List<String> extras = new ArrayList<>();
        for (int rank = 0; rank < mergeCount; rank++) {
            String m = vocab.merge(rank);
            int space = m.indexOf(' ', 1);
            String left = m.substring(0, space);
            String right = m.substring(space + 1);
            int l = intern(left, extraIds, extras);
            int r = intern(right, extraIds, extras);
            int merged = intern(left + right, extraIds, extras);
            pairs.putIfAbsent(pairKey(l, r), (long) rank << 32 | merged);
        }
        this.extraSymbols = extras.toArray(new String[0]);
        for (int b = 0; b < 256; b++) {
            String s = String.valueOf(ByteLevelMapping.toChar(b));
            int id = vocab.id(s);
            byteSymbol[b] = id >= 0 ? id : extraIds.getInt(s);
        }
    }

    private int intern(String s, Object2IntOpenHashMap<String> extraIds, List<String> extras) {
        int id = vocab.id(s);
        if (id >= 0) return id;
        id = extraIds.getInt(s);
        if (id >= 0) return id;
        id = vocabSize + extras.size();
        extras.add(s);
        extraIds.put(s, id);
        return id;
    }

    private static long pairKey(int left, int right) {
        return (long) left << 32 | (right & 0xFFFFFFFFL);
    }

    /** Appends the token ids of one pre-token given as UTF-8 bytes. */
    void encode(byte[] word, IntArrayList out) {
        int n = word.length;
        if (n == 0) return;
        int[] sym = new int[n];
        int[] size = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            sym[i] = byteSymbol[word[i] & 0xFF];
            size[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongMinHeap queue = new LongMinHeap(2 * n);
        for (int i = 1; i < n; i++) offer(queue, sym, i - 1, i);

        while (!queue.isEmpty()) {
            long top = queue.poll();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            if (size[left] == 0) continue;
            int right = next[left];
            if (right < 0) continue;
            // stale entry: the pair at `left` changed since it was queued (symbols only ever grow, so an
            // unchanged rank means unchanged strings)
            long merge = lookup(sym[left], sym[right]);
            if (merge == NO_MERGE || (int) (merge >>> 32) != rank) continue;

            sym[left] = (int) merge;
            size[left] += size[right];
            size[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) offer(queue, sym, prev[left], left);
            if (next[left] >= 0) offer(queue, sym, left, next[left]);
        }

        for (int i = 0; i != -1; i = next[i]) emit(sym[i], word[i], out);
    }

    private long lookup(int left, int right) {
        if (left < 0 || right < 0) return NO_MERGE;
        return pairs.get(pairKey(left, right));
    }

    private void offer(LongMinHeap queue, int[] sym, int left, int right) {
        long merge = lookup(sym[left], sym[right]);
        if (merge != NO_MERGE) queue.add((merge & 0xFFFFFFFF00000000L) | left);
    }

    /**
     * A final symbol that is not a token falls back, as in llama.cpp, to looking up each byte of its
     * byte-to-unicode text as a one-byte token string (only ASCII characters can match).
     */
    private void emit(int symbol, byte firstByte, IntArrayList out) {
        if (symbol >= 0 && symbol < vocabSize) {
            out.add(symbol);
            return;
        }
        String text = symbol < 0 ? String.valueOf(ByteLevelMapping.toChar(firstByte)) : extraSymbols[symbol - vocabSize];
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            if (b >= 0) {
                int id = vocab.id(String.valueOf((char) b));
                if (id >= 0) out.add(id);
            }
        }
    }

    /** Binary min-heap of longs; entries are (rank << 32 | left index), so ties go to the leftmost pair. */
    private static final class LongMinHeap {
        private long[] a;
        private int n;

        LongMinHeap(int capacity) { a = new long[Math.max(4, capacity)]; }

        boolean isEmpty() { return n == 0; }

        void add(long v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, a.length * 2);
            int i = n++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) break;
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long poll() {
            long top = a[0];
            long last = a[--n];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= n) break;
                if (child + 1 < n && a[child + 1] < a[child]) child++;
                if (a[child] >= last) break;
                a[i] = a[child];
                i = child;
            }
            if (n > 0) a[i] = last;
            return top;
        }
    }
}
