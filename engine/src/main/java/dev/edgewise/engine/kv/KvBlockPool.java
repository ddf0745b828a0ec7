package dev.edgewise.engine.kv;

import dev.edgewise.engine.ModelConfig;

/**
 * Fixed-size blocks of KV storage with reference counts (vLLM's block manager, in miniature).
 *
 * <p>A block holds {@code blockSize} consecutive positions of one sequence for every layer, laid out
 * as [layer][K|V][kvHead][slot][headDim], so the keys of one head across the block's positions are
 * contiguous: attention converts or reads them in one run. Storage is allocated when a block is first
 * handed out and kept for reuse; the pool never holds more than {@code capacity} blocks.
 *
 * <p>Accounting only; what a block holds is the business of its sequences and of the
 * {@link PrefixCache}. A block the prefix cache marked {@linkplain #markCached cached} is not
 * reused when its last reference goes: it waits in a least-recently-released list, can be taken
 * back by a cache hit ({@link #revive}), and is evicted (the eviction listener is told) only when
 * no never-cached free block is left. {@link #usedBlocks()} counts referenced blocks only.
 */
public final class KvBlockPool {
    private final int blockSize;
    private final int nLayers;
    private final int nKvHeads;
    private final int headDim;
    private final KvType type;
    private final int capacity;
    private final int blockElements;
    private final int[] refCount;
    private final int[] freeStack;
    private int freeTop;
    /** Cached blocks without references, least recently released first: an intrusive doubly linked list. */
    private final boolean[] cached;
    private final int[] lruPrev, lruNext;
    private int lruHead = -1, lruTail = -1, lruSize, cachedCount;
    private java.util.function.IntConsumer evictionListener = b -> { };
    private final float[][] f32;
    private final short[][] f16;

    public KvBlockPool(ModelConfig c, KvType type, int blockSize, int capacity) {
        if (blockSize < 1 || capacity < 1) throw new IllegalArgumentException("block size and capacity must be >= 1");
        this.blockSize = blockSize;
        this.nLayers = c.nLayers();
        this.nKvHeads = c.nKvHeads();
        this.headDim = c.headDim();
        this.type = type;
        this.capacity = capacity;
        this.blockElements = Math.multiplyExact(Math.multiplyExact(2 * nLayers, blockSize), c.kvDim());
        this.refCount = new int[capacity];
        this.freeStack = new int[capacity];
        for (int i = 0; i < capacity; i++) freeStack[i] = capacity - 1 - i; // hand out low ids first
        this.freeTop = capacity;
        this.cached = new boolean[capacity];
        this.lruPrev = new int[capacity];
        this.lruNext = new int[capacity];
        this.f32 = type == KvType.F32 ? new float[capacity][] : null;
        this.f16 = type == KvType.F16 ? new short[capacity][] : null;
    }

    /** Blocks that a byte budget allows for this model shape. */
    public static int blocksFor(ModelConfig c, KvType type, int blockSize, long budgetBytes) {
        long perBlock = bytesPerBlock(c, type, blockSize);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE - 8, budgetBytes / perBlock));
    }

    public static long bytesPerBlock(ModelConfig c, KvType type, int blockSize) {
        return 2L * c.nLayers() * blockSize * c.kvDim() * type.bytes;
    }

    public int blockSize() { return blockSize; }
    public KvType type() { return type; }
    public int capacity() { return capacity; }
    /** Blocks that can be handed out: never-cached free blocks plus evictable cached ones. */
    public int freeBlocks() { return freeTop + lruSize; }
    /** Blocks referenced by at least one sequence. */
    public int usedBlocks() { return capacity - freeTop - lruSize; }
    /** Blocks holding a cached prefix, referenced or evictable. */
    public int cachedBlocks() { return cachedCount; }
    /** Cached blocks no sequence references (evicted first-released-first when room is needed). */
    public int evictableBlocks() { return lruSize; }
    public boolean isCached(int block) { return cached[block]; }
    public long bytesPerBlock() { return (long) blockElements * type.bytes; }
    public long bytesInUse() { return usedBlocks() * bytesPerBlock(); }

    public int refCount(int block) {
        return refCount[block];
    }

    /** Called with a cached block's id when it is evicted for reuse (the prefix cache forgets it). */
    void onEviction(java.util.function.IntConsumer listener) {
        this.evictionListener = listener;
    }

    /** Marks a referenced block as holding a cached prefix: it outlives its last reference. */
    void markCached(int block) {
        if (refCount[block] <= 0) throw new IllegalStateException("cannot cache free block " + block);
        if (!cached[block]) cachedCount++;
        cached[block] = true;
    }

    /** Drops a block's cached mark (it is about to be written); an unreferenced one becomes plainly free. */
    void uncache(int block) {
        if (!cached[block]) return;
        cached[block] = false;
        cachedCount--;
        if (refCount[block] == 0) {
            unlink(block);
            freeStack[freeTop++] = block;
        }
        evictionListener.accept(block);
    }

    /** Takes a reference to a block, reviving a cached one no sequence held (a prefix-cache hit). */
    void revive(int block) {
        if (refCount[block] == 0) {
            if (!cached[block]) throw new IllegalStateException("revive of free uncached block " + block);
            unlink(block);
        }
        refCount[block]++;
    }

    /** Takes a free block (reference count 1): a never-cached one if any, else evicts the least recently released cached one. */
    int allocate() {
        if (freeTop == 0 && lruSize == 0) {
            throw new KvCacheFullException("KV cache full: all " + capacity + " blocks of " + blockSize + " positions are in use");
        }
        int id;
        if (freeTop > 0) {
            id = freeStack[--freeTop];
        } else {
            id = lruHead;
            unlink(id);
            cached[id] = false;
            cachedCount--;
            evictionListener.accept(id);
        }
        refCount[id] = 1;
        if (type == KvType.F32 && f32[id] == null) f32[id] = new float[blockElements];
        if (type == KvType.F16 && f16[id] == null) f16[id] = new short[blockElements];
        return id;
    }

    void retain(int block) {
        if (refCount[block] <= 0) throw new IllegalStateException("retain of free block " + block);
        refCount[block]++;
    }

    void release(int block) {
        if (refCount[block] <= 0) throw new IllegalStateException("release of free block " + block);
        if (--refCount[block] > 0) return;
        if (cached[block]) append(block);
        else freeStack[freeTop++] = block;
    }

    private void append(int block) {
        lruPrev[block] = lruTail;
        lruNext[block] = -1;
        if (lruTail >= 0) lruNext[lruTail] = block;
        else lruHead = block;
        lruTail = block;
        lruSize++;
    }

    private void unlink(int block) {
        int p = lruPrev[block], n = lruNext[block];
        if (p >= 0) lruNext[p] = n;
        else lruHead = n;
        if (n >= 0) lruPrev[n] = p;
        else lruTail = p;
        lruSize--;
    }

    /** Copies the first {@code slots} positions of {@code src} into {@code dst} (copy-on-write). */
    void copy(int src, int dst, int slots) {
        for (int part = 0; part < 2 * nLayers * nKvHeads; part++) {
            int off = part * blockSize * headDim;
            if (type == KvType.F32) System.arraycopy(f32[src], off, f32[dst], off, slots * headDim);
            else System.arraycopy(f16[src], off, f16[dst], off, slots * headDim);
        }
    }

    private int offset(int layer, int kOrV, int kvHead, int slot) {
        return (((layer * 2 + kOrV) * nKvHeads + kvHead) * blockSize + slot) * headDim;
    }

    /** Stores the key and value vectors (all KV heads, {@code kvDim} floats each) of one position. */
    void store(int block, int slot, int layer, float[] k, int kOff, float[] v, int vOff) {
        for (int h = 0; h < nKvHeads; h++) {
            int ko = offset(layer, 0, h, slot), vo = offset(layer, 1, h, slot);
            int src = h * headDim;
            if (type == KvType.F32) {
                System.arraycopy(k, kOff + src, f32[block], ko, headDim);
                System.arraycopy(v, vOff + src, f32[block], vo, headDim);
            } else {
                short[] dst = f16[block];
                for (int i = 0; i < headDim; i++) {
                    dst[ko + i] = Float.floatToFloat16(k[kOff + src + i]);
                    dst[vo + i] = Float.floatToFloat16(v[vOff + src + i]);
                }
            }
        }
    }

    /**
     * The keys ({@code kOrV} 0) or values (1) of one head for the first {@code slots} positions of a
     * block, as floats: either the block's own array (F32; offset returned) or a conversion into
     * {@code scratch} (offset 0). Returns the array to read via {@code view}.
     */
    float[] view(int block, int layer, int kOrV, int kvHead, int slots, float[] scratch, int[] offsetOut) {
        int off = offset(layer, kOrV, kvHead, 0);
        if (type == KvType.F32) {
            offsetOut[0] = off;
            return f32[block];
        }
        short[] src = f16[block];
        int n = slots * headDim;
        for (int i = 0; i < n; i++) scratch[i] = Float.float16ToFloat(src[off + i]);
        offsetOut[0] = 0;
        return scratch;
    }
}
