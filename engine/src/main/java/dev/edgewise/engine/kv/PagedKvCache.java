package dev.edgewise.engine.kv;

import dev.edgewise.engine.ContextOverflowException;
import dev.edgewise.engine.ModelConfig;

import java.util.Arrays;

/**
 * Paged KV cache shared by many sequences: sequences own block tables into one {@link KvBlockPool};
 * {@link #fork} shares every block of a sequence (reference counts, no copy); appending to a block
 * that is shared copies it first (copy-on-write), so a forked prompt costs its blocks once however
 * many branches continue it. Blocks a {@link PrefixCache} marked cached are never written again
 * (a sequence appending into one copies it first). Not thread-safe: the model's scheduler drives it.
 */
public final class PagedKvCache {
    public static final int DEFAULT_BLOCK_SIZE = 16;

    private final KvBlockPool pool;
    private final int maxPositions;
    private int nextId;
    private long copies;

    public PagedKvCache(ModelConfig config, KvType type, int blockSize, long budgetBytes, int maxPositions) {
        this.pool = new KvBlockPool(config, type, blockSize, KvBlockPool.blocksFor(config, type, blockSize, budgetBytes));
        this.maxPositions = maxPositions;
    }

    public KvBlockPool pool() {
        return pool;
    }

    public int blockSize() {
        return pool.blockSize();
    }

    /** Positions one sequence may hold (the context size). */
    public int maxPositions() {
        return maxPositions;
    }

    /** Blocks copied by copy-on-write since creation. */
    public long copies() {
        return copies;
    }

    public KvSequence create() {
        return new KvSequence(nextId++, new int[4], 0, 0);
    }

    /**
     * A sequence that starts with {@code blocks}, full blocks already holding its first
     * {@code blocks.length × blockSize} positions (a prefix-cache hit); each gains a reference.
     */
    public KvSequence createSharing(int[] blocks) {
        for (int b : blocks) pool.revive(b);
        return new KvSequence(nextId++, Arrays.copyOf(blocks, Math.max(4, blocks.length)), blocks.length, blocks.length * pool.blockSize());
    }

    /** {@code n} new sequences sharing every block of {@code parent} (which stays valid). */
    public KvSequence[] fork(KvSequence parent, int n) {
        check(parent);
        KvSequence[] children = new KvSequence[n];
        for (int i = 0; i < n; i++) {
            for (int b = 0; b < parent.blockCount; b++) pool.retain(parent.blocks[b]);
            children[i] = new KvSequence(nextId++, Arrays.copyOf(parent.blocks, Math.max(4, parent.blocks.length)),
                    parent.blockCount, parent.length);
        }
        return children;
    }

    /**
     * Returns a sequence's blocks to the pool; the sequence cannot be used afterwards. Released last
     * block first, so a cached prefix's tail is evicted before its head.
     */
    public void release(KvSequence s) {
        check(s);
        for (int b = s.blockCount - 1; b >= 0; b--) pool.release(s.blocks[b]);
        s.blockCount = 0;
        s.length = 0;
        s.released = true;
    }

    /**
     * Makes positions [length, length+n) of {@code s} writable: copies a shared partial last block
     * and allocates new blocks. Either succeeds completely or changes nothing.
     *
     * @throws KvCacheFullException     if the pool lacks the blocks
     * @throws ContextOverflowException if the sequence would exceed the context size
     */
    public void reserve(KvSequence s, int n) {
        check(s);
        if ((long) s.length + n > maxPositions) {
            throw new ContextOverflowException("context full: " + s.length + " + " + n
                    + " positions exceed the limit of " + maxPositions + " (raise --ctx-size)");
        }
        int bs = pool.blockSize();
        int have = s.blockCount;
        int need = (s.length + n + bs - 1) / bs;
        int partial = s.length / bs; // the block the next position goes to, if it is already held
        boolean copyLast = s.length % bs != 0 && n > 0 && partial < have
                && (pool.refCount(s.blocks[partial]) > 1 || pool.isCached(s.blocks[partial]));
        int fresh = Math.max(0, need - have) + (copyLast ? 1 : 0);
        if (fresh > pool.freeBlocks()) {
            throw new KvCacheFullException("KV cache full: sequence " + s.id() + " needs " + fresh + " more blocks, "
                    + pool.freeBlocks() + " of " + pool.capacity() + " are free");
        }
        if (copyLast) {
            int shared = s.blocks[partial];
            int own = pool.allocate();
            pool.copy(shared, own, s.length % bs);
            pool.release(shared);
            s.blocks[partial] = own;
            copies++;
        }
        if (need > s.blocks.length) s.blocks = Arrays.copyOf(s.blocks, Math.max(need, 2 * s.blocks.length));
        while (s.blockCount < need) s.blocks[s.blockCount++] = pool.allocate();
    }

    /** Writes one position's keys and values (every KV head) for one layer; the position must be reserved. */
    public void store(KvSequence s, int position, int layer, float[] k, int kOff, float[] v, int vOff) {
        int bs = pool.blockSize();
        int block = s.blocks[position / bs];
        if (pool.refCount(block) != 1 || pool.isCached(block)) throw new IllegalStateException("write to shared block " + block + " of " + s);
        pool.store(block, position % bs, layer, k, kOff, v, vOff);
    }

    /**
     * Attention scores of {@code heads} consecutive query vectors (from {@code qOff}) against the keys
     * of KV head {@code kvHead} in the first {@code slots} positions of block {@code blockIndex} of
     * {@code s}: {@code scores[sOff + h*sStride + p] = scale * q_h · k_p}. {@code scratch} holds
     * {@code blockSize × headDim} floats (F16 keys are converted there; F32 and Q8_0 are read in place).
     */
    public void scores(KvSequence s, int blockIndex, int layer, int kvHead, int slots, float[] q, int qOff, int heads,
                       float scale, float[] scores, int sOff, int sStride, float[] scratch) {
        pool.scores(s.block(blockIndex), layer, kvHead, slots, q, qOff, heads, scale, scores, sOff, sStride, scratch);
    }

    /**
     * Adds the values of KV head {@code kvHead} in the first {@code slots} positions of block
     * {@code blockIndex} of {@code s}, weighted by {@code w[wOff + h*wStride + p]}, to {@code heads}
     * consecutive output vectors from {@code outOff}, position after position.
     */
    public void accumulate(KvSequence s, int blockIndex, int layer, int kvHead, int slots, float[] w, int wOff, int wStride,
                           int heads, float[] out, int outOff, float[] scratch) {
        pool.accumulate(s.block(blockIndex), layer, kvHead, slots, w, wOff, wStride, heads, out, outOff, scratch);
    }

    /**
     * The keys ({@code kOrV} 0) or values (1) of every KV head stored at {@code position} of {@code s}
     * for {@code layer}, decoded to floats into {@code out} from {@code outOff} ({@code kvDim} floats).
     */
    public void read(KvSequence s, int position, int layer, int kOrV, float[] out, int outOff) {
        check(s);
        if (position < 0 || position >= s.length()) throw new IllegalArgumentException("position " + position + " of " + s);
        pool.read(s.block(position / pool.blockSize()), position % pool.blockSize(), layer, kOrV, out, outOff);
    }

    /** Marks {@code n} reserved positions as filled. */
    public void advance(KvSequence s, int n) {
        s.length += n;
    }

    /** Drops positions from {@code newLength} on, releasing blocks no longer needed. */
    public void truncate(KvSequence s, int newLength) {
        check(s);
        if (newLength < 0 || newLength > s.length) throw new IllegalArgumentException("truncate to " + newLength + " of " + s.length);
        int keep = (newLength + pool.blockSize() - 1) / pool.blockSize();
        while (s.blockCount > keep) pool.release(s.blocks[--s.blockCount]);
        s.length = newLength;
    }

    private static void check(KvSequence s) {
        if (s.released) throw new IllegalStateException(s + " was released");
    }
}
