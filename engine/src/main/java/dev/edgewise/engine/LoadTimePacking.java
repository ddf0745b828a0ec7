package dev.edgewise.engine;

import dev.edgewise.kernels.PackedBlocks;
import dev.edgewise.kernels.PackedQ4_0;
import dev.edgewise.kernels.SimdKernels;
import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.loader.PageCache;
import dev.edgewise.loader.Progress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * Repacks a model's Q4_0 matrices (and Q8_0, Q5_0 and Q4_K ones when {@link #blocksOn()}) at load for the
 * integer kernels ({@link PackedQ4_0}, {@link PackedBlocks}): the engine then runs them as llama.cpp does,
 * on 8-bit activations. Q4_0
 * runs on its packing at every batch, so each packed Q4_0 matrix's file pages are released from the
 * process as soon as it is packed (they stay in the page cache) and resident memory stays about one
 * copy of the weights. Q8_0, Q5_0 and Q4_K packings also run at every batch, but their file pages
 * are not released yet: those matrices are held twice.
 */
final class LoadTimePacking {
    private LoadTimePacking() {}

    /**
     * Whether Q8_0, Q5_0 and Q4_K are packed for the integer kernels too: off unless
     * {@code -Dedgewise.int8.blocks=true}. Their kernels are exact to their scalar references and stay
     * within llama.cpp's distance on the fixtures, but measured end to end they made prompts slower
     * (0.5B Q8_0 pp128 about 0.6x the float path, a one-vector tile where Q4_0 has a four-vector one)
     * and their decode gain is not yet measured on a quiet machine; their file pages are also not
     * released yet (held twice).
     */
    static boolean blocksOn() {
        return Boolean.getBoolean("edgewise.int8.blocks");
    }

    static ModelWeights pack(ModelWeights w, WorkerPool pool, Arena memory, MemorySegment file, Progress progress) {
        // One region for all packings, in 2 MiB pages like the file's mapping: decoding streams it
        // the same way, and 4 KiB pages cost the prefetchers and the TLB (see PageCache).
        long bytes = 0;
        int panel = SimdKernels.preferred().int8PanelRows();
        for (WeightMatrix m : matrices(w)) {
            if (PackedQ4_0.canPack(m)) bytes += PackedQ4_0.bytes(m, panel) + 64;
            else if (blocksOn() && PackedBlocks.canPack(m)) bytes += PackedBlocks.bytes(m, panel) + 64;
        }
        SegmentAllocator arena = SegmentAllocator.slicingAllocator(PageCache.hugePageMemory(memory, bytes));
        LayerWeights[] layers = new LayerWeights[w.layers().length];
        Released released = new Released();
        for (int i = 0; i < layers.length; i++) {
            progress.update("packing Q4_0", i, layers.length);
            LayerWeights l = w.layers()[i];
            layers[i] = l.withMatrices(pack(l.wq(), pool, arena), pack(l.wk(), pool, arena), pack(l.wv(), pool, arena),
                    pack(l.wo(), pool, arena), pack(l.gate(), pool, arena), pack(l.up(), pool, arena), pack(l.down(), pool, arena));
            releaseLayer(l, layers[i], released, file);
        }
        WeightMatrix output = pack(w.output(), pool, arena);
        progress.update("packing Q4_0", layers.length, layers.length);
        // a tied Q4_0 embedding keeps its rows in the file for lookups
        if (output.packed() != null && w.output() != w.tokenEmbedding()) PageCache.release(w.output().data());
        return new ModelWeights(w.tokenEmbedding(), layers, w.outputNorm(), output);
    }

    /** The file span released so far: consecutive layers extend it, so pages across layer boundaries go too. */
    private static final class Released {
        long start, end;
    }

    /**
     * Releases the file pages of a layer's packed matrices. When all packed and lie together (its
     * small vectors are on the heap), the layer's whole span goes, joined to the previous layers'
     * span when adjacent: one matrix alone rarely covers a whole 2 MiB page, and releases only
     * ever take whole ones. Otherwise each packed matrix goes on its own.
     */
    private static void releaseLayer(LayerWeights unpacked, LayerWeights packed, Released released, MemorySegment file) {
        WeightMatrix[] f = {unpacked.wq(), unpacked.wk(), unpacked.wv(), unpacked.wo(), unpacked.gate(), unpacked.up(), unpacked.down()};
        WeightMatrix[] p = {packed.wq(), packed.wk(), packed.wv(), packed.wo(), packed.gate(), packed.up(), packed.down()};
        long start = Long.MAX_VALUE, end = 0, matrices = 0;
        boolean allPacked = true;
        for (int i = 0; i < f.length; i++) {
            allPacked &= p[i].packed() != null;
            start = Math.min(start, f[i].data().address());
            end = Math.max(end, f[i].data().address() + f[i].data().byteSize());
            matrices += f[i].data().byteSize();
        }
        long span = end - start;
        // the matrices must fill the span but for the layer's small vectors (< 1%)
        if (!allPacked || span - matrices >= span / 100) {
            for (int i = 0; i < f.length; i++) if (p[i].packed() != null) PageCache.release(f[i].data());
            released.end = 0;
            return;
        }
        boolean adjacent = released.end != 0 && start >= released.end && start - released.end <= 65536;
        if (!adjacent) released.start = start;
        released.end = end;
        PageCache.release(file, released.start, released.end - released.start);
    }

    private static java.util.List<WeightMatrix> matrices(ModelWeights w) {
        java.util.List<WeightMatrix> all = new java.util.ArrayList<>();
        for (LayerWeights l : w.layers()) all.addAll(java.util.List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()));
        all.add(w.output());
        return all;
    }

    private static WeightMatrix pack(WeightMatrix m, WorkerPool pool, SegmentAllocator arena) {
        int panel = SimdKernels.preferred().int8PanelRows();
        if (PackedQ4_0.canPack(m)) {
            PackedQ4_0 p = PackedQ4_0.allocate(m, panel, arena);
            pool.parallelFor(p.panels(), (p0, p1) -> p.packPanels(m, p0, p1));
            return m.withPacked(p);
        }
        if (blocksOn() && PackedBlocks.canPack(m)) {
            PackedBlocks p = PackedBlocks.allocate(m, panel, arena);
            pool.parallelFor(p.panels(), (p0, p1) -> p.packPanels(m, p0, p1));
            return m.withPacked(p);
        }
        return m;
    }
}
