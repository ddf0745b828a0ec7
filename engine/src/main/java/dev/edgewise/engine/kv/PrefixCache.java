package dev.edgewise.engine.kv;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * Automatic prefix caching, as vLLM does it: every full KV block is addressed by a hash of its
 * content, and a new sequence whose first tokens match starts on those blocks instead of
 * evaluating them again.
 *
 * <p>A block's hash is SHA-256 over its parent block's hash, its tokens and, per position, the
 * adapter slot the row ran with (slots of the model's {@code DynamicLora} are never reused for another
 * adapter set, so a slot is the identity of adapters and scales): the same tokens under another
 * adapter, or after another prefix, are other blocks. Only full blocks are cached, and a lookup
 * leaves at least the last token to evaluate, since its logits are needed.
 *
 * <p>The {@link KvBlockPool} keeps the accounting: a registered block outlives its last reference
 * in the pool's least-recently-released list and is evicted from there when the pool needs room
 * ({@link #forget} is then called). This class only maps hashes to blocks. Not thread-safe: the
 * scheduler thread drives it.
 */
public final class PrefixCache {
    /** A block's content address (the 256 bits of its SHA-256). */
    public record BlockHash(long h0, long h1, long h2, long h3) {
    }

    private final PagedKvCache cache;
    private final KvBlockPool pool;
    private final Map<BlockHash, Integer> byHash = new HashMap<>();
    private final BlockHash[] hashOf;
    private final MessageDigest sha;
    private final byte[] buffer;
    private long lookups, hitBlocks;

    public PrefixCache(PagedKvCache cache) {
        this.cache = cache;
        this.pool = cache.pool();
        this.hashOf = new BlockHash[pool.capacity()];
        this.buffer = new byte[32 + 8 * pool.blockSize()];
        try {
            this.sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        pool.onEviction(this::forget);
    }

    /**
     * The hash chain of the full blocks among positions [0, length) of {@code tokens}, where row p
     * ran with adapter slot {@code slotAt(p)} (-1: none).
     */
    public BlockHash[] hashes(int[] tokens, int length, IntUnaryOperator slotAt) {
        int bs = pool.blockSize();
        BlockHash[] out = new BlockHash[length / bs];
        BlockHash parent = new BlockHash(0, 0, 0, 0);
        for (int b = 0; b < out.length; b++) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(buffer);
            buf.putLong(parent.h0).putLong(parent.h1).putLong(parent.h2).putLong(parent.h3);
            for (int p = b * bs; p < (b + 1) * bs; p++) buf.putInt(tokens[p]).putInt(slotAt.applyAsInt(p));
            java.nio.ByteBuffer d = java.nio.ByteBuffer.wrap(sha.digest(buffer));
            parent = out[b] = new BlockHash(d.getLong(), d.getLong(), d.getLong(), d.getLong());
        }
        return out;
    }

    /**
     * A new sequence on the longest cached prefix of {@code tokens[0, length)}: at most
     * {@code (length - 1) / blockSize} blocks, so the last token is always left to evaluate.
     * Its {@link KvSequence#length()} tells how many positions it starts with (0 on a miss).
     */
    public KvSequence open(int[] tokens, int length, IntUnaryOperator slotAt) {
        lookups++;
        if (length < 1) return cache.create();
        BlockHash[] chain = hashes(tokens, length - 1, slotAt);
        int n = 0;
        int[] hit = new int[chain.length];
        for (BlockHash h : chain) {
            Integer block = byHash.get(h);
            if (block == null) break;
            hit[n++] = block;
        }
        hitBlocks += n;
        return n == 0 ? cache.create() : cache.createSharing(Arrays.copyOf(hit, n));
    }

    /**
     * Registers the full blocks of {@code s}, whose positions hold {@code tokens[0, s.length())}
     * evaluated with {@code slotAt}, so later sequences can start on them. Blocks already cached,
     * or whose content another block already caches, are left as they are.
     */
    public void register(KvSequence s, int[] tokens, IntUnaryOperator slotAt) {
        BlockHash[] chain = hashes(tokens, s.length(), slotAt);
        for (int b = 0; b < chain.length; b++) {
            int block = s.block(b);
            if (hashOf[block] != null || byHash.containsKey(chain[b])) continue;
            byHash.put(chain[b], block);
            hashOf[block] = chain[b];
            pool.markCached(block);
        }
    }

    /** Forgets every cached block (the weights changed: their keys and values are stale). */
    public void clear() {
        for (int block : byHash.values().stream().mapToInt(Integer::intValue).toArray()) pool.uncache(block);
    }

    /** Blocks currently addressable by hash. */
    public int size() {
        return byHash.size();
    }

    /** Lookups since creation (one per {@link #open}). */
    public long lookups() {
        return lookups;
    }

    /** Blocks served from the cache since creation. */
    public long hitBlocks() {
        return hitBlocks;
    }

    /** The pool evicted (or uncached) {@code block}: drop its address. */
    private void forget(int block) {
        BlockHash h = hashOf[block];
        if (h == null) return;
        hashOf[block] = null;
        byHash.remove(h);
    }
}
