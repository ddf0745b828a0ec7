package dev.edgewise.engine.kv;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;

import static dev.edgewise.engine.kv.PagedKvCacheTest.B;
import static dev.edgewise.engine.kv.PagedKvCacheTest.append;
import static dev.edgewise.engine.kv.PagedKvCacheTest.cache;
import static dev.edgewise.engine.kv.PagedKvCacheTest.read;
import static dev.edgewise.engine.kv.PagedKvCacheTest.value;
import static org.assertj.core.api.Assertions.assertThat;

/** Prefix caching on the block pool: hits, misses, adapter identity, LRU eviction, accounting. */
class PrefixCacheTest {
    static final IntUnaryOperator BASE = p -> -1;

    static int[] tokens(int n, int seed) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = (seed * 31 + i * 7) % 100;
        return t;
    }

    /** Writes {@code tokens} into a sequence opened on the cache (tag = what was written), registers it. */
    static KvSequence prefill(PagedKvCache c, PrefixCache pc, int[] tokens, IntUnaryOperator slots, int tag) {
        KvSequence s = pc.open(tokens, tokens.length, slots);
        append(c, s, tokens.length - s.length(), tag);
        pc.register(s, tokens, slots);
        return s;
    }

    @Test
    void aSharedPrefixIsServedFromTheSameBlocksAndTheLastTokenIsLeftToEvaluate() {
        PagedKvCache c = cache(KvType.F32, 32);
        PrefixCache pc = new PrefixCache(c);
        int[] a = tokens(50, 1); // 3 full blocks + 2
        KvSequence first = prefill(c, pc, a, BASE, 1);
        assertThat(pc.size()).isEqualTo(3);
        assertThat(c.pool().cachedBlocks()).isEqualTo(3);

        // same first 40 tokens, then different: 2 full blocks match
        int[] b = a.clone();
        for (int i = 40; i < b.length; i++) b[i] = 99 - i;
        KvSequence second = pc.open(b, b.length, BASE);
        assertThat(second.length()).isEqualTo(2 * B);
        assertThat(second.blockTable()).containsExactly(first.blockTable()[0], first.blockTable()[1]);
        assertThat(read(c, second, 20, 1, 0)[2]).as("the cached keys are the first sequence's").isEqualTo(value(1, 20, 1, 2));

        // exactly 3 full blocks of the same tokens: only 2 are served, the 48th token must run for its logits
        KvSequence whole = pc.open(a, 48, BASE);
        assertThat(whole.length()).isEqualTo(2 * B);
        // a different first token: a miss
        int[] other = a.clone();
        other[0]++;
        assertThat(pc.open(other, other.length, BASE).length()).isZero();
        assertThat(pc.hitBlocks()).isEqualTo(4);
        c.release(second);
        c.release(whole);
    }

    @Test
    void theAdapterOfEachRowIsPartOfTheAddress() {
        PagedKvCache c = cache(KvType.F32, 32);
        PrefixCache pc = new PrefixCache(c);
        int[] t = tokens(40, 2);
        prefill(c, pc, t, BASE, 1);
        assertThat(pc.open(t, t.length, p -> 0).length()).as("adapter slot 0 vs base").isZero();
        assertThat(pc.open(t, t.length, p -> p < 16 ? -1 : 3).length()).as("first block base, second adapter 3").isEqualTo(B);
        prefill(c, pc, t, p -> 0, 2);
        KvSequence withAdapter = pc.open(t, t.length, p -> 0);
        assertThat(withAdapter.length()).isEqualTo(2 * B);
        assertThat(read(c, withAdapter, 5, 0, 0)[1]).isEqualTo(value(2, 5, 0, 1));
    }

    @Test
    void unreferencedCachedBlocksAreEvictedLeastRecentlyReleasedFirstAndTailFirst() {
        PagedKvCache c = cache(KvType.F16, 6);
        PrefixCache pc = new PrefixCache(c);
        int[] a = tokens(33, 3), b = tokens(33, 4);
        c.release(prefill(c, pc, a, BASE, 1)); // 2 cached blocks + 1 free
        c.release(prefill(c, pc, b, BASE, 2));
        assertThat(c.pool().usedBlocks()).isZero();
        assertThat(c.pool().cachedBlocks()).isEqualTo(4);
        assertThat(c.pool().freeBlocks()).isEqualTo(6);

        // 3 blocks needed, 2 never-cached blocks free: one cached block goes, the tail of a (released first)
        KvSequence s = c.create();
        append(c, s, 48, 9);
        assertThat(c.pool().cachedBlocks()).isEqualTo(3);
        assertThat(pc.open(a, a.length, BASE).length()).as("a's head block survives").isEqualTo(B);
        assertThat(pc.open(b, b.length, BASE).length()).as("b untouched").isEqualTo(2 * B);
    }

    @Test
    void aCachedBlockIsCopiedBeforeASequenceWritesIntoIt() {
        PagedKvCache c = cache(KvType.F32, 8);
        PrefixCache pc = new PrefixCache(c);
        int[] a = tokens(32, 5);
        KvSequence s = prefill(c, pc, a, BASE, 1);
        c.truncate(s, 20); // the second block is partial now, and still cached
        append(c, s, 4, 7);
        assertThat(c.copies()).isEqualTo(1);
        KvSequence again = pc.open(a, 33, BASE);
        assertThat(again.length()).isEqualTo(32);
        assertThat(read(c, again, 21, 0, 0)[0]).as("the cached block kept its content").isEqualTo(value(1, 21, 0, 0));
    }

    @Test
    void clearForgetsEverything() {
        PagedKvCache c = cache(KvType.F32, 8);
        PrefixCache pc = new PrefixCache(c);
        int[] a = tokens(40, 6);
        c.release(prefill(c, pc, a, BASE, 1));
        pc.clear();
        assertThat(pc.size()).isZero();
        assertThat(c.pool().cachedBlocks()).isZero();
        assertThat(pc.open(a, a.length, BASE).length()).isZero();
    }

    @Test
    void randomTrafficKeepsTheAccountingExact() {
        SplittableRandom r = new SplittableRandom(42);
        PagedKvCache c = cache(KvType.F16, 24);
        PrefixCache pc = new PrefixCache(c);
        List<KvSequence> live = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 6; i++) prompts.add(tokens(8 + r.nextInt(60), i));
        for (int op = 0; op < 3000; op++) {
            int kind = r.nextInt(10);
            if (kind < 4 && live.size() < 6) {
                int[] p = prompts.get(r.nextInt(prompts.size()));
                int[] t = java.util.Arrays.copyOf(p, Math.max(1, p.length - r.nextInt(20)));
                KvSequence s = pc.open(t, t.length, BASE);
                try {
                    append(c, s, t.length - s.length(), 1);
                    pc.register(s, t, BASE);
                    live.add(s);
                } catch (KvCacheFullException e) {
                    c.release(s);
                }
            } else if (kind < 6 && !live.isEmpty()) {
                KvSequence s = live.get(r.nextInt(live.size()));
                try {
                    append(c, s, 1 + r.nextInt(10), 2);
                } catch (KvCacheFullException e) {
                    // full: the sequence stays as it was
                }
            } else if (kind < 7 && !live.isEmpty()) {
                live.add(c.fork(live.get(r.nextInt(live.size())), 1)[0]);
            } else if (!live.isEmpty()) {
                c.release(live.remove(r.nextInt(live.size())));
            }
            int referenced = 0;
            java.util.Set<Integer> distinct = new java.util.HashSet<>();
            for (KvSequence s : live) for (int b : s.blockTable()) distinct.add(b);
            referenced = distinct.size();
            assertThat(c.pool().usedBlocks()).as("op %d", op).isEqualTo(referenced);
            assertThat(pc.size()).isEqualTo(c.pool().cachedBlocks());
            assertThat(c.pool().usedBlocks() + c.pool().freeBlocks()).isEqualTo(24);
        }
        for (KvSequence s : live) c.release(s);
        assertThat(c.pool().usedBlocks()).isZero();
        assertThat(c.pool().evictableBlocks()).isEqualTo(c.pool().cachedBlocks());
    }
}
