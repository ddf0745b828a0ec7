package dev.edgewise.engine.kv;

import dev.edgewise.engine.ModelConfig;
import dev.edgewise.kernels.KeyColumns;
import dev.edgewise.kernels.KvKernels;
import dev.edgewise.kernels.VectorOps;
import dev.edgewise.quant.LegacyQuants;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * Fixed-size blocks of KV storage with reference counts (vLLM's block manager, in miniature).
 *
 * <p>A block holds {@code blockSize} consecutive positions of one sequence for every layer, laid out
 * as [layer][K|V][kvHead] parts: values as rows ([slot][headDim]; Q8_0 rows are {@code headDim / 32}
 * ggml blocks of 34 bytes), keys as columns ([headDim][slot]: value {@code i} of every position
 * together; Q8_0 in {@link KeyColumns}' layout), so a decode row's scores are a
 * vector of positions per instruction and its value sum a vector of dimensions. Attention converts
 * or reads a part in one run (Q8_0 in place, by {@link KeyColumns} and {@link KvKernels}). Storage is allocated when a block is first
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
    private IntConsumer evictionListener = b -> { };
    private int peakUsed;
    private final float[][] f32;
    private final short[][] f16;
    private final byte[][] q8;
    /** Bytes of one Q8_0 row (one head, one position); 0 for the other types. */
    private final int q8Row;

    public KvBlockPool(ModelConfig c, KvType type, int blockSize, int capacity) {
        if (blockSize < 1 || capacity < 1) throw new IllegalArgumentException("block size and capacity must be >= 1");
        checkShape(c, type);
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
        this.q8 = type == KvType.Q8_0 ? new byte[capacity][] : null;
        this.q8Row = type == KvType.Q8_0 ? KvKernels.q8_0Bytes(headDim) : 0;
    }

    /** Refuses a type whose blocks do not tile the model's head dimension (Q8_0 with a head dimension not a multiple of 32). */
    private static void checkShape(ModelConfig c, KvType type) {
        if (c.headDim() % type.blockValues() != 0) {
            throw new IllegalArgumentException("KV cache type " + type.name().toLowerCase(Locale.ROOT) + " stores blocks of "
                    + type.blockValues() + " values along the head dimension, but this model's head dimension is " + c.headDim()
                    + " (not a multiple of " + type.blockValues() + "): use --kv-type f16 or f32");
        }
    }

    /** Blocks that a byte budget allows for this model shape. */
    public static int blocksFor(ModelConfig c, KvType type, int blockSize, long budgetBytes) {
        long perBlock = bytesPerBlock(c, type, blockSize);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE - 8, budgetBytes / perBlock));
    }

    public static long bytesPerBlock(ModelConfig c, KvType type, int blockSize) {
        checkShape(c, type);
        return type.bytes(2L * c.nLayers() * blockSize * c.kvDim());
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
    public long bytesPerBlock() { return type.bytes(blockElements); }
    public long bytesInUse() { return usedBlocks() * bytesPerBlock(); }

    /** The most bytes in use at once since the pool was made or {@link #resetPeak} was called. */
    public long peakBytesInUse() { return peakUsed * bytesPerBlock(); }

    /** Starts a new peak measurement from the blocks in use now (e.g. before one request). */
    public void resetPeak() { peakUsed = usedBlocks(); }

    public int refCount(int block) {
        return refCount[block];
    }

    /** Called with a cached block's id when it is evicted for reuse (the prefix cache forgets it). */
    void onEviction(IntConsumer listener) {
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
            peakUsed = Math.max(peakUsed, usedBlocks() + 1);
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
        peakUsed = Math.max(peakUsed, capacity - freeTop - lruSize);
        refCount[id] = 1;
        if (type == KvType.F32 && f32[id] == null) f32[id] = new float[blockElements];
        if (type == KvType.F16 && f16[id] == null) f16[id] = new short[blockElements];
        if (type == KvType.Q8_0 && q8[id] == null) q8[id] = new byte[Math.toIntExact(type.bytes(blockElements))];
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
            // keys are columns (every slot's values spread over the part): copied whole; values row by row
            int rows = (part / nKvHeads) % 2 == 0 ? blockSize : slots;
            switch (type) {
                case F32 -> System.arraycopy(f32[src], off, f32[dst], off, rows * headDim);
                case F16 -> System.arraycopy(f16[src], off, f16[dst], off, rows * headDim);
                case Q8_0 -> System.arraycopy(q8[src], off / headDim * q8Row, q8[dst], off / headDim * q8Row, rows * q8Row);
            }
        }
    }

    private int offset(int layer, int kOrV, int kvHead, int slot) {
        return (((layer * 2 + kOrV) * nKvHeads + kvHead) * blockSize + slot) * headDim;
    }

    /** Stores the key and value vectors (all KV heads, {@code kvDim} floats each) of one position: keys as columns, values as a row. */
    void store(int block, int slot, int layer, float[] k, int kOff, float[] v, int vOff) {
        for (int h = 0; h < nKvHeads; h++) {
            int ko = offset(layer, 0, h, 0), vo = offset(layer, 1, h, slot);
            int src = h * headDim;
            if (type == KvType.F32) {
                float[] dst = f32[block];
                for (int i = 0; i < headDim; i++) dst[ko + i * blockSize + slot] = k[kOff + src + i];
                System.arraycopy(v, vOff + src, dst, vo, headDim);
            } else if (type == KvType.Q8_0) {
                KeyColumns.quantizeQ8_0(k, kOff + src, q8[block], ko / headDim * q8Row, blockSize, slot, headDim);
                KvKernels.quantizeQ8_0(v, vOff + src, q8[block], vo / headDim * q8Row, headDim);
            } else {
                short[] dst = f16[block];
                for (int i = 0; i < headDim; i++) {
                    dst[ko + i * blockSize + slot] = Float.floatToFloat16(k[kOff + src + i]);
                    dst[vo + i] = Float.floatToFloat16(v[vOff + src + i]);
                }
            }
        }
    }

    /**
     * Attention scores of {@code heads} query vectors (consecutive, {@code headDim} apart from
     * {@code qOff}) against the keys of one KV head for the first {@code slots} positions of a block:
     * {@code scores[sOff + h*sStride + p] = scale * q_h · k_p}. Keys are stored as columns (value
     * {@code i} of every slot together), so the kernels score a vector of positions per instruction;
     * Q8_0 keys are read in place, F16 ones converted into {@code scratch} ({@code blockSize × headDim}
     * floats) once for all heads.
     */
    void scores(int block, int layer, int kvHead, int slots, float[] q, int qOff, int heads, float scale,
                float[] scores, int sOff, int sStride, float[] scratch) {
        int off = offset(layer, 0, kvHead, 0);
        if (type == KvType.Q8_0) {
            KeyColumns.scoresQ8_0(q, qOff, heads, q8[block], off / headDim * q8Row, blockSize, slots, headDim, scale, scores, sOff, sStride);
            return;
        }
        float[] keys = floats(block, off, blockSize, scratch);
        KeyColumns.scores(q, qOff, heads, keys, keys == scratch ? 0 : off, blockSize, slots, headDim, scale, scores, sOff, sStride);
    }

    /**
     * Adds the values of one KV head for the first {@code slots} positions of a block, weighted, to
     * {@code heads} output vectors: {@code out[outOff + h*headDim + i] += sum_p w[wOff + h*wStride + p] * v_p[i]},
     * positions in order. Q8_0 values are read in place; F16 ones converted into {@code scratch} once.
     */
    void accumulate(int block, int layer, int kvHead, int slots, float[] w, int wOff, int wStride, int heads,
                    float[] out, int outOff, float[] scratch) {
        int off = offset(layer, 1, kvHead, 0);
        if (type == KvType.Q8_0) {
            KvKernels.accumulateQ8_0(w, wOff, wStride, heads, q8[block], off / headDim * q8Row, slots, out, outOff, headDim);
            return;
        }
        float[] values = floats(block, off, slots, scratch);
        KvKernels.accumulate(w, wOff, wStride, heads, values, values == scratch ? 0 : off, slots, out, outOff, headDim);
    }

    /** Decodes the keys ({@code kOrV} 0) or values (1) of every KV head at one slot into {@code out} (kvDim floats). */
    void read(int block, int slot, int layer, int kOrV, float[] out, int outOff) {
        boolean columns = kOrV == 0;
        for (int h = 0; h < nKvHeads; h++) {
            int off = offset(layer, kOrV, h, columns ? 0 : slot), dst = outOff + h * headDim;
            int step = columns ? blockSize : 1, at = columns ? off + slot : off;
            switch (type) {
                case F32 -> {
                    for (int i = 0; i < headDim; i++) out[dst + i] = f32[block][at + i * step];
                }
                case F16 -> {
                    for (int i = 0; i < headDim; i++) out[dst + i] = Float.float16ToFloat(f16[block][at + i * step]);
                }
                case Q8_0 -> {
                    if (columns) {
                        KeyColumns.dequantizeQ8_0(q8[block], off / headDim * q8Row, blockSize, slot, out, dst, headDim);
                        continue;
                    }
                    MemorySegment src = MemorySegment.ofArray(q8[block]);
                    for (int i = 0; i < headDim; i += KvKernels.Q8_0_VALUES) {
                        LegacyQuants.dequantizeQ8_0(src, off / headDim * q8Row + (long) i / KvKernels.Q8_0_VALUES * KvKernels.Q8_0_BYTES, out, dst + i);
                    }
                }
            }
        }
    }

    /** F32 rows from element {@code off}: the block's own array, or F16 converted into {@code scratch} (from 0). */
    private float[] floats(int block, int off, int slots, float[] scratch) {
        if (type == KvType.F32) return f32[block];
        short[] src = f16[block];
        int n = slots * headDim;
        for (int i = 0; i < n; i++) scratch[i] = Float.float16ToFloat(src[off + i]);
        return scratch;
    }
}
