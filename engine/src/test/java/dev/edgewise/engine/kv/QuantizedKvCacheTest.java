package dev.edgewise.engine.kv;

import dev.edgewise.engine.ModelConfig;
import dev.edgewise.kernels.KvKernels;
import dev.edgewise.quant.LegacyQuants;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The paged cache with Q8_0 keys and values: storage, copy-on-write forks, prefix caching, release, attention reads. */
class QuantizedKvCacheTest {
    /** 2 layers, 2 KV heads of 64 (4 query heads): kvDim 128. */
    static final ModelConfig CONFIG = new ModelConfig("test", 2, 256, 4, 2, 64, 512, 100, 4096, 1e6f, 1e-6f, true);
    static final int B = 16;

    static PagedKvCache cache(int blocks) {
        return new PagedKvCache(CONFIG, KvType.Q8_0, B, blocks * KvBlockPool.bytesPerBlock(CONFIG, KvType.Q8_0, B), 4096);
    }

    /** Deterministic key (sign +) and value (sign -) vectors of one (tag, position, layer). */
    static float[] vector(int tag, int pos, int layer, int sign) {
        Random r = new Random(tag * 1_000_003L + pos * 131L + layer * 7L + sign);
        float[] x = new float[CONFIG.kvDim()];
        for (int i = 0; i < x.length; i++) x[i] = sign * (float) r.nextGaussian();
        return x;
    }

    /** What Q8_0 storage gives back for {@code x}: ggml's quantize then dequantize. */
    static float[] roundTrip(float[] x) {
        byte[] q = new byte[KvKernels.q8_0Bytes(x.length)];
        MemorySegment seg = MemorySegment.ofArray(q);
        float[] out = new float[x.length];
        for (int b = 0; b < x.length / 32; b++) {
            LegacyQuants.quantizeQ8_0(x, b * 32, seg, b * 34L);
            LegacyQuants.dequantizeQ8_0(seg, b * 34L, out, b * 32);
        }
        return out;
    }

    static void append(PagedKvCache c, KvSequence s, int n, int tag) {
        c.reserve(s, n);
        for (int p = s.length(); p < s.length() + n; p++) {
            for (int l = 0; l < CONFIG.nLayers(); l++) c.store(s, p, l, vector(tag, p, l, 1), 0, vector(tag, p, l, -1), 0);
        }
        c.advance(s, n);
    }

    static float[] read(PagedKvCache c, KvSequence s, int p, int layer, int kOrV) {
        float[] out = new float[CONFIG.kvDim()];
        c.read(s, p, layer, kOrV, out, 0);
        return out;
    }

    @Test
    void blocksTake34BytesPer32Values() {
        long f16 = KvBlockPool.bytesPerBlock(CONFIG, KvType.F16, B), q8 = KvBlockPool.bytesPerBlock(CONFIG, KvType.Q8_0, B);
        assertThat(f16).isEqualTo(2L * 2 * B * 128 * 2);
        assertThat(q8).isEqualTo(2L * 2 * B * 128 / 32 * 34);
        assertThat(cache(4).pool().bytesPerBlock()).isEqualTo(q8);
    }

    @Test
    void forksShareQuantizedBlocksCopyOnWriteAndReleaseEverything() {
        PagedKvCache c = cache(64);
        KvSequence root = c.create();
        int prompt = 37; // a partial third block
        append(c, root, prompt, 0);
        KvSequence[] branches = c.fork(root, 8);
        c.release(root);
        assertThat(c.pool().usedBlocks()).isEqualTo(3);
        for (int i = 0; i < 8; i++) append(c, branches[i], 2, 100 + i);
        assertThat(c.copies()).as("the shared partial block copied by 7 of 8 branches").isEqualTo(7);
        for (int i = 0; i < 8; i++) {
            for (int p = 0; p < prompt; p += 5) {
                assertThat(read(c, branches[i], p, 1, 0)).containsExactly(roundTrip(vector(0, p, 1, 1)));
                assertThat(read(c, branches[i], p, 0, 1)).containsExactly(roundTrip(vector(0, p, 0, -1)));
            }
            assertThat(read(c, branches[i], prompt + 1, 1, 1)).containsExactly(roundTrip(vector(100 + i, prompt + 1, 1, -1)));
        }
        for (KvSequence b : branches) c.release(b);
        assertThat(c.pool().usedBlocks()).isZero();
    }

    @Test
    void aPrefixCacheHitReadsTheSameQuantizedBlocks() {
        PagedKvCache c = cache(16);
        PrefixCache prefixes = new PrefixCache(c);
        int[] tokens = new int[40];
        for (int i = 0; i < tokens.length; i++) tokens[i] = 7 * i + 1;
        KvSequence first = c.create();
        append(c, first, tokens.length, 3);
        prefixes.register(first, tokens, p -> -1);
        c.release(first);
        assertThat(c.pool().evictableBlocks()).as("the two full blocks stay cached").isEqualTo(2);
        KvSequence again = prefixes.open(tokens, tokens.length, p -> -1);
        assertThat(again.length()).isEqualTo(32);
        append(c, again, 1, 4); // writes into a new block: cached ones are never written
        assertThat(c.pool().cachedBlocks()).isEqualTo(2);
        for (int p = 0; p < 32; p += 3) assertThat(read(c, again, p, 1, 0)).containsExactly(roundTrip(vector(3, p, 1, 1)));
        c.release(again);
        assertThat(c.pool().usedBlocks()).isZero();
    }

    @Test
    void attentionReadsMatchTheDecodedRows() {
        PagedKvCache c = cache(8);
        KvSequence s = c.create();
        append(c, s, 21, 5);
        int hd = CONFIG.headDim(), heads = 2, kvHead = 1, slots = 5; // second block, 5 of 16 slots
        Random r = new Random(9);
        float[] q = new float[heads * hd];
        for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
        float[] scores = new float[heads * 8];
        c.scores(s, 1, 1, kvHead, slots, q, 0, heads, 0.125f, scores, 1, 8, new float[B * hd]);
        float[] w = new float[heads * 8];
        for (int i = 0; i < w.length; i++) w[i] = r.nextFloat();
        float[] out = new float[heads * hd];
        c.accumulate(s, 1, 1, kvHead, slots, w, 2, 8, heads, out, 0, new float[B * hd]);
        for (int h = 0; h < heads; h++) {
            float[] want = new float[hd];
            for (int p = 0; p < slots; p++) {
                float[] k = read(c, s, 16 + p, 1, 0), v = read(c, s, 16 + p, 1, 1);
                double dot = 0;
                for (int i = 0; i < hd; i++) dot += (double) q[h * hd + i] * k[kvHead * hd + i];
                assertThat((double) scores[1 + h * 8 + p]).isCloseTo(0.125 * dot, org.assertj.core.data.Offset.offset(1e-4));
                for (int i = 0; i < hd; i++) want[i] += w[2 + h * 8 + p] * v[kvHead * hd + i];
            }
            for (int i = 0; i < hd; i++) assertThat(out[h * hd + i]).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-4f));
        }
        c.release(s);
    }

    @Test
    void headDimensionsThatAreNotWholeBlocksAreRefused() {
        ModelConfig hd48 = new ModelConfig("test", 2, 128, 4, 2, 48, 384, 100, 4096, 1e6f, 1e-6f, true);
        assertThatThrownBy(() -> new PagedKvCache(hd48, KvType.Q8_0, B, 1 << 20, 4096))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("KV cache type q8_0 stores blocks of 32 values along the head dimension, but this model's head "
                        + "dimension is 48 (not a multiple of 32): use --kv-type f16 or f32");
    }
}
