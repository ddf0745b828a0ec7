package dev.edgewise.engine.kv;

import dev.edgewise.engine.ContextOverflowException;
import dev.edgewise.engine.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Block accounting of the paged cache, and random operation sequences against a naive model. */
class PagedKvCacheTest {
    /** 2 layers, 2 KV heads of 4: kvDim 8. */
    static final ModelConfig CONFIG = new ModelConfig("test", 2, 16, 4, 2, 4, 32, 100, 4096, 1e6f, 1e-6f, true);
    static final int B = 16;

    static PagedKvCache cache(KvType type, int blocks) {
        return new PagedKvCache(CONFIG, type, B, blocks * KvBlockPool.bytesPerBlock(CONFIG, type, B), 4096);
    }

    /** Appends {@code n} positions whose values encode (tag, position, layer, element). */
    static void append(PagedKvCache c, KvSequence s, int n, int tag) {
        c.reserve(s, n);
        float[] k = new float[CONFIG.kvDim()], v = new float[CONFIG.kvDim()];
        for (int p = s.length(); p < s.length() + n; p++) {
            for (int l = 0; l < CONFIG.nLayers(); l++) {
                for (int i = 0; i < k.length; i++) {
                    k[i] = value(tag, p, l, i);
                    v[i] = -value(tag, p, l, i);
                }
                c.store(s, p, l, k, 0, v, 0);
            }
        }
        c.advance(s, n);
    }

    /** Small integers: exact in F16 too. */
    static float value(int tag, int pos, int layer, int i) {
        return (tag * 37 + pos * 5 + layer * 3 + i) % 1000;
    }

    /** Reads position {@code p} of {@code s} back through the block table, as attention does. */
    static float[] read(PagedKvCache c, KvSequence s, int p, int layer, int kOrV) {
        float[] out = new float[CONFIG.kvDim()];
        c.read(s, p, layer, kOrV, out, 0);
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 96, 1, 16, 17})
    void forkSharesThePromptAndCopiesOnlyTheSharedPartialBlock(int prompt) {
        PagedKvCache c = cache(KvType.F16, 64);
        KvSequence root = c.create();
        append(c, root, prompt, 0);
        int promptBlocks = (prompt + B - 1) / B;
        assertThat(c.pool().usedBlocks()).isEqualTo(promptBlocks);

        KvSequence[] branches = c.fork(root, 8);
        c.release(root);
        assertThat(c.pool().usedBlocks()).as("after fork(8): blocks in use").isEqualTo(promptBlocks);

        for (int i = 0; i < 8; i++) append(c, branches[i], 1, 100 + i);
        boolean partial = prompt % B != 0;
        // the last holder of the shared partial block writes into it in place
        assertThat(c.copies()).isEqualTo(partial ? 7 : 0);
        assertThat(c.pool().usedBlocks()).isEqualTo(partial ? promptBlocks - 1 + 8 : promptBlocks + 8);

        for (int i = 0; i < 8; i++) {
            for (int p = 0; p < prompt; p++) assertThat(read(c, branches[i], p, 1, 0)[3]).isEqualTo(value(0, p, 1, 3));
            assertThat(read(c, branches[i], prompt, 0, 1)[5]).isEqualTo(-value(100 + i, prompt, 0, 5));
        }
        for (KvSequence b : branches) c.release(b);
        assertThat(c.pool().usedBlocks()).as("released everything").isZero();
    }

    @Test
    void thePoolTracksItsPeakSinceTheLastReset() {
        PagedKvCache c = cache(KvType.F32, 64);
        KvSequence a = c.create();
        append(c, a, 40, 1); // 3 blocks of 16
        long block = c.pool().bytesPerBlock();
        assertThat(c.pool().peakBytesInUse()).isEqualTo(3 * block);
        KvSequence b = c.create();
        append(c, b, 20, 2);
        c.release(b);
        assertThat(c.pool().bytesInUse()).isEqualTo(3 * block);
        assertThat(c.pool().peakBytesInUse()).isEqualTo(5 * block);
        c.pool().resetPeak();
        assertThat(c.pool().peakBytesInUse()).isEqualTo(3 * block);
        c.release(a);
    }

    @Test
    void aFullPoolFailsTheReservationAndChangesNothing() {
        PagedKvCache c = cache(KvType.F32, 3);
        KvSequence a = c.create();
        append(c, a, 40, 1); // 3 blocks
        KvSequence[] f = c.fork(a, 1);
        assertThatThrownBy(() -> c.reserve(f[0], 1)).isInstanceOf(KvCacheFullException.class).hasMessageContaining("needs 1 more blocks");
        assertThat(f[0].length()).isEqualTo(40);
        assertThat(f[0].blockTable()).isEqualTo(a.blockTable());
        assertThat(c.pool().usedBlocks()).isEqualTo(3);
        assertThat(read(c, f[0], 39, 1, 0)[0]).isEqualTo(value(1, 39, 1, 0));
        c.release(a);
        append(c, f[0], 1, 2); // now the only holder: no copy, no new block needed
        assertThat(c.pool().usedBlocks()).isEqualTo(3);
    }

    @Test
    void contextLimitIsChecked() {
        PagedKvCache c = new PagedKvCache(CONFIG, KvType.F32, B, 1 << 20, 20);
        KvSequence s = c.create();
        append(c, s, 20, 0);
        assertThatThrownBy(() -> c.reserve(s, 1)).isInstanceOf(ContextOverflowException.class).hasMessageContaining("limit of 20");
    }

    @Test
    void releasedSequencesCannotBeUsed() {
        PagedKvCache c = cache(KvType.F32, 4);
        KvSequence s = c.create();
        c.release(s);
        assertThatThrownBy(() -> c.reserve(s, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> c.fork(s, 2)).isInstanceOf(IllegalStateException.class);
    }

    /** Random create/fork/append/truncate/release against a model where every sequence owns plain lists. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void randomOperationsMatchANaiveModel(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        KvType type = seed % 2 == 0 ? KvType.F16 : KvType.F32;
        PagedKvCache c = cache(type, 40);
        Map<KvSequence, List<Integer>> naive = new HashMap<>(); // sequence -> tag of each position
        List<KvSequence> live = new ArrayList<>();
        for (int step = 0; step < 400; step++) {
            int op = r.nextInt(10);
            if (live.isEmpty() || op == 0) {
                KvSequence s = c.create();
                live.add(s);
                naive.put(s, new ArrayList<>());
            } else {
                KvSequence s = live.get(r.nextInt(live.size()));
                if (op <= 4) {
                    int n = 1 + r.nextInt(20), tag = step;
                    int freeBefore = c.pool().freeBlocks();
                    try {
                        append(c, s, n, tag);
                        for (int i = 0; i < n; i++) naive.get(s).add(tag); // only reached if the append succeeded
                    } catch (KvCacheFullException full) {
                        assertThat(c.pool().freeBlocks()).as("failed reservation takes no block").isEqualTo(freeBefore);
                    }
                } else if (op <= 6) {
                    for (KvSequence f : c.fork(s, 1 + r.nextInt(3))) {
                        live.add(f);
                        naive.put(f, new ArrayList<>(naive.get(s)));
                    }
                } else if (op == 7) {
                    int keep = r.nextInt(s.length() + 1);
                    c.truncate(s, keep);
                    naive.get(s).subList(keep, naive.get(s).size()).clear();
                } else {
                    c.release(s);
                    live.remove(s);
                    naive.remove(s);
                }
            }
            checkInvariants(c, live, naive);
        }
        for (KvSequence s : live) c.release(s);
        assertThat(c.pool().usedBlocks()).isZero();
    }

    private static void checkInvariants(PagedKvCache c, List<KvSequence> live, Map<KvSequence, List<Integer>> naive) {
        Map<Integer, Integer> references = new HashMap<>();
        for (KvSequence s : live) {
            List<Integer> tags = naive.get(s);
            assertThat(s.length()).isEqualTo(tags.size());
            assertThat(s.blockTable()).hasSize((s.length() + B - 1) / B);
            for (int b : s.blockTable()) references.merge(b, 1, Integer::sum);
            for (int p = 0; p < tags.size(); p++) {
                int layer = p % 2;
                assertThat(read(c, s, p, layer, 0)[p % 8]).isEqualTo(value(tags.get(p), p, layer, p % 8));
                assertThat(read(c, s, p, layer, 1)[7]).isEqualTo(-value(tags.get(p), p, layer, 7));
            }
        }
        for (Map.Entry<Integer, Integer> e : references.entrySet()) {
            assertThat(c.pool().refCount(e.getKey())).as("refcount of block %d", e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(c.pool().usedBlocks()).isEqualTo(references.size());
    }
}
