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
 * Repacks a model's Q4_0 matrices and, unless {@link #blocksOn} says otherwise, its Q8_0, Q5_0 and
 * K-quant ones at load for the integer kernels ({@link PackedQ4_0}, {@link PackedBlocks}): the engine then runs them as
 * llama.cpp does, on 8-bit activations, at every batch. Each packed matrix's file pages are released
 * from the process as soon as it is packed (they stay in the page cache; see {@code FileRelease}),
 * so resident memory stays about one copy of the weights. Not called at all with float32
 * activations ({@code ModelOptions.int8Activations() == false}, the CLI's {@code --exact-activations}).
 */
final class LoadTimePacking {
    private LoadTimePacking() {}

    /**
     * Whether matrices of the types {@link PackedBlocks} packs (Q8_0, Q5_0, Q4_K, Q5_K, Q6_K) are packed for the
     * integer kernels: by default all of them, the output matrix included; {@code -Dedgewise.int8.blocks=false}
     * none (Q4_0 still packs: only {@code --exact-activations} keeps it on floats). Their kernels (4-vector tiles
     * for prompts and batches) are exact to their scalar references and stay within llama.cpp's distance on the
     * fixtures (ReferenceLogitsTest). Q8_0 and Q5_0 layers joined the K-quants once Q8_0 was packed as bytes
     * rather than two nibble planes: side by side (README, Performance) decode gains 1.5-2x on Q8_0 files (1.5B
     * 25.4 against 12.5-15.9 tok/s) and 0.5B Q4_K_M's Q5_0 layers 1.2-1.4x; prompts level on 1.5B Q8_0, 10-15%
     * lower on 0.5B Q8_0, within a few percent with Q5_0, where the nibble planes had prompted at 0.54x llama.cpp.
     */
    static boolean blocksOn() {
        String v = System.getProperty("edgewise.int8.blocks");
        return v == null || Boolean.parseBoolean(v);
    }

    static ModelWeights pack(ModelWeights w, WorkerPool pool, Arena memory, MemorySegment file, Progress progress) {
        // One region for all packings, advised into 2 MiB pages like the file's mapping (decoding
        // streams it the same way); on the 2-core test VM decode speed measured the same in 4 KiB
        // pages (README, Huge pages), and the advice costs nothing. bench reports the share.
        long bytes = 0;
        int panel = SimdKernels.preferred().int8PanelRows();
        for (WeightMatrix m : w.matrices()) {
            if (PackedQ4_0.canPack(m)) bytes += PackedQ4_0.bytes(m, panel) + 64;
            else if (packsBlocks(m)) bytes += PackedBlocks.bytes(m, panel) + 64;
        }
        SegmentAllocator arena = SegmentAllocator.slicingAllocator(PageCache.hugePageMemory(memory, bytes));
        FileRelease release = new FileRelease(w, file);
        LayerWeights[] layers = new LayerWeights[w.layers().length];
        for (int i = 0; i < layers.length; i++) {
            progress.update("packing weights", i, layers.length);
            LayerWeights l = w.layers()[i];
            layers[i] = l.withMatrices(pack(l.wq(), pool, arena), pack(l.wk(), pool, arena), pack(l.wv(), pool, arena),
                    pack(l.wo(), pool, arena), pack(l.gate(), pool, arena), pack(l.up(), pool, arena),
                    pack(l.down(), pool, arena));
            release.packed(l.matrices(), layers[i].matrices());
        }
        WeightMatrix output = pack(w.output(), pool, arena);
        progress.update("packing weights", layers.length, layers.length);
        release.packed(new WeightMatrix[] {w.output()}, new WeightMatrix[] {output});
        // a tied embedding looks its rows up in the output's packing (ModelWeights.embed)
        WeightMatrix embedding = w.output() == w.tokenEmbedding() ? output : w.tokenEmbedding();
        return new ModelWeights(embedding, layers, w.outputNorm(), output);
    }

    /** Whether {@link #pack(WeightMatrix, WorkerPool, SegmentAllocator)} packs {@code m}. */
    private static boolean willPack(WeightMatrix m) {
        return PackedQ4_0.canPack(m) || packsBlocks(m);
    }

    private static boolean packsBlocks(WeightMatrix m) {
        return blocksOn() && PackedBlocks.canPack(m);
    }

    /**
     * Releases the file pages of packed matrices as they are packed (so resident memory stays about
     * one copy of the weights, also while loading), in runs: packed matrices that follow each other in
     * the file, at most {@value #GAP} bytes apart (the small vectors between them live on the heap),
     * form one run, released as a whole as it grows, across matrices and layers: one matrix alone
     * rarely covers a whole 2 MiB page, and releases only ever take whole ones. A run never reaches
     * over a matrix still read from the file (one that does not pack, such as an F16 one, or an untied
     * embedding).
     */
    private static final class FileRelease {
        private static final long GAP = 65536;
        private final MemorySegment file;
        /** File ranges of the matrices read from the file: start, end pairs. */
        private final long[] kept;
        /** The current run, empty when end == 0, and how far it has been released. */
        private long start, end, releasedTo;

        FileRelease(ModelWeights w, MemorySegment file) {
            this.file = file;
            java.util.List<WeightMatrix> keep = new java.util.ArrayList<>();
            for (WeightMatrix m : w.matrices()) if (!willPack(m)) keep.add(m);
            // the embedding's rows are read from the file for lookups unless it is the packed output
            if (w.tokenEmbedding() != w.output() || !willPack(w.output())) keep.add(w.tokenEmbedding());
            kept = new long[2 * keep.size()];
            for (int i = 0; i < keep.size(); i++) {
                MemorySegment d = keep.get(i).hasData() ? keep.get(i).data() : MemorySegment.NULL;
                kept[2 * i] = d.address();
                kept[2 * i + 1] = d.address() + d.byteSize();
            }
        }

        /** Releases what {@code packed} (the same matrices as {@code unpacked}, packed or not) no longer reads from the file. */
        void packed(WeightMatrix[] unpacked, WeightMatrix[] packed) {
            Integer[] order = new Integer[unpacked.length];
            for (int i = 0; i < order.length; i++) order[i] = i;
            java.util.Arrays.sort(order, java.util.Comparator.comparingLong(i -> unpacked[i].data().address()));
            for (int i : order) {
                MemorySegment d = unpacked[i].data();
                boolean inFile = d.address() >= file.address() && d.address() + d.byteSize() <= file.address() + file.byteSize();
                if (!packed[i].isPacked() || !inFile || isKept(d.address(), d.address() + d.byteSize())) {
                    end = 0;
                    continue;
                }
                long a = d.address(), b = a + d.byteSize();
                if (end != 0 && a >= end && a - end <= GAP && !isKept(end, a)) {
                    end = b;
                } else {
                    start = releasedTo = a;
                    end = b;
                }
                // whole 2 MiB pages only: the page holding releasedTo may not have been released yet
                long from = Math.max(start, releasedTo & -(2L << 20));
                PageCache.release(file, from, end - from);
                releasedTo = end;
            }
        }

        private boolean isKept(long from, long to) {
            for (int i = 0; i < kept.length; i += 2) if (kept[i] < to && kept[i + 1] > from && kept[i + 1] > kept[i]) return true;
            return false;
        }
    }

    private static WeightMatrix pack(WeightMatrix m, WorkerPool pool, SegmentAllocator arena) {
        int panel = SimdKernels.preferred().int8PanelRows();
        if (PackedQ4_0.canPack(m)) {
            PackedQ4_0 p = PackedQ4_0.allocate(m, panel, arena);
            pool.parallelFor(p.panels(), (p0, p1) -> p.packPanels(m, p0, p1));
            return m.withPacked(p);
        }
        if (packsBlocks(m)) {
            PackedBlocks p = PackedBlocks.allocate(m, panel, arena);
            pool.parallelFor(p.panels(), (p0, p1) -> p.packPanels(m, p0, p1));
            return m.withPacked(p);
        }
        return m;
    }
}
