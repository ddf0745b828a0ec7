package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.kernels.VectorOps;
import dev.edgewise.kernels.WorkerPool;

import java.util.Arrays;

/**
 * Causal grouped-query attention of a forward chunk's rows over their own sequences' cached
 * positions, on the worker pool.
 *
 * <p>Work items are (KV head, unit). The query heads sharing a KV head (the GQA group) are scored
 * against each cached key block together, and each value row is added into all of them, so a block
 * is read once per group. A row longer than {@link #SPLIT_POSITIONS} is split into parts of that
 * many positions (flash-decoding), so that one long sequence keeps every worker busy: each part
 * softmaxes its own scores and sums its values, and a merge weights the parts' normalised outputs
 * by {@code sum_p · exp(max_p - max)}. Rows whose part covers the same cached blocks (branches
 * forked from one prompt, the rows of one prompt chunk) form one unit: the blocks are read once
 * for all of them, their queries scored together. Items go KV head by KV head, so rows reading
 * the same blocks run close in time.
 *
 * <p>A row's arithmetic depends only on its own sequence: its parts follow from its length alone,
 * and every kernel computes each query head on its own (the same bits whatever heads run beside
 * it), so a row gets the same result alone as in any batch. Rows up to {@link #SPLIT_POSITIONS}
 * positions take one softmax over all their positions, as without splitting.
 *
 * <p>{@link #plan} once per chunk (block tables do not change across its layers), then {@link #run}
 * per layer. Not thread-safe: one instance per forward pass.
 */
final class Attention {
    /** Positions per part of a long row (rounded down to whole KV blocks). */
    static final int SPLIT_POSITIONS = 1024;

    private final ModelConfig c;
    private final WorkerPool pool;
    private final float scale;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    // the chunk's plan: rows [start, start+b) of the batch, `units` units per KV head
    private ForwardBatch batch;
    private int start, b, span, units, parts;
    private boolean split;
    /** Per row: its parts, and the index of its first part among the chunk's (row, part) slots. */
    private int[] rowParts = new int[0], rowSlot = new int[0];
    /**
     * Per unit: the part, its rows (members[unitStart, unitStart+unitRows)), whether it is a whole,
     * unsplit row, and whether it covers a full part (only those take more rows).
     */
    private int[] unitPart = new int[0], unitStart = new int[0], unitRows = new int[0], members = new int[0];
    private boolean[] unitWhole = new boolean[0], unitFull = new boolean[0];
    /** Per (KV head, row part, head of the group): the part's maximum score, softmax denominator and normalised output. */
    private float[] partMax = new float[0], partOut = new float[0];
    private double[] partSum = new double[0];

    Attention(ModelConfig config, WorkerPool pool, float scale) {
        this.c = config;
        this.pool = pool;
        this.scale = scale;
    }

    /** Plans rows {@code [start, start+b)} of {@code batch}: their parts and which share blocks. */
    void plan(ForwardBatch batch, int start, int b, PagedKvCache cache) {
        this.batch = batch;
        this.start = start;
        this.b = b;
        int bs = cache.blockSize();
        span = Math.max(1, SPLIT_POSITIONS / bs) * bs;
        if (rowParts.length < b) {
            rowParts = new int[b];
            rowSlot = new int[b];
        }
        parts = 0;
        split = false;
        for (int t = 0; t < b; t++) {
            rowParts[t] = (batch.positions[start + t] + span) / span;
            rowSlot[t] = parts;
            parts += rowParts[t];
            split |= rowParts[t] > 1;
        }
        if (unitPart.length < parts) {
            int n = Math.max(parts, 2 * unitPart.length);
            unitPart = new int[n];
            unitStart = new int[n];
            unitRows = new int[n];
            members = new int[n];
            unitWhole = new boolean[n];
            unitFull = new boolean[n];
        }
        // units: a split row's full part joins an earlier row's unit of the same part over the same blocks
        units = 0;
        int memberCount = 0;
        int maxPart = 0;
        for (int t = 0; t < b; t++) maxPart = Math.max(maxPart, rowParts[t]);
        for (int p = 0; p < maxPart; p++) {
            for (int t = 0; t < b; t++) {
                if (p >= rowParts[t]) continue;
                int len = batch.positions[start + t] + 1;
                boolean full = rowParts[t] > 1 && len >= (p + 1) * span;
                int joined = -1;
                if (full) {
                    for (int u = units - 1; u >= 0 && unitPart[u] == p; u--) {
                        if (unitFull[u] && sameBlocks(members[unitStart[u]], t, p, bs)) {
                            joined = u;
                            break;
                        }
                    }
                }
                if (joined < 0) {
                    unitPart[units] = p;
                    unitStart[units] = memberCount;
                    unitRows[units] = 0;
                    unitWhole[units] = rowParts[t] == 1;
                    unitFull[units] = full;
                    joined = units++;
                }
                // members of a unit are contiguous: a later unit of the same part may only be joined while it is the last
                if (joined != units - 1) {
                    System.arraycopy(members, unitStart[joined] + unitRows[joined], members, unitStart[joined] + unitRows[joined] + 1,
                            memberCount - unitStart[joined] - unitRows[joined]);
                    for (int u = joined + 1; u < units; u++) unitStart[u]++;
                }
                members[unitStart[joined] + unitRows[joined]++] = t;
                memberCount++;
            }
        }
        int slots = c.nKvHeads() * parts * c.groupSize();
        if (split && partMax.length < slots) {
            partMax = new float[slots];
            partSum = new double[slots];
            partOut = new float[Math.multiplyExact(slots, c.headDim())];
        }
    }

    /** Whether full part {@code p} of rows {@code t} and {@code u} lies in the same cached blocks. */
    private boolean sameBlocks(int t, int u, int p, int bs) {
        KvSequence a = batch.sequences[start + t], o = batch.sequences[start + u];
        if (a == o) return true;
        for (int blk = p * span / bs, end = (p + 1) * span / bs; blk < end; blk++) {
            if (a.block(blk) != o.block(blk)) return false;
        }
        return true;
    }

    /** Attention of every planned row for {@code layer}: queries from {@code q} ([row][qDim]), results into {@code att}. */
    void run(PagedKvCache cache, int layer, float[] q, float[] att) {
        int group = c.groupSize(), headDim = c.headDim(), qDim = c.qDim(), bs = cache.blockSize();
        pool.parallelFor(c.nKvHeads() * units, (from, to) -> {
            Scratch s = scratch.get();
            for (int item = from; item < to; item++) {
                int g = item / units, u = item % units, p = unitPart[u], rows = unitRows[u], m0 = unitStart[u];
                int t0 = members[m0];
                KvSequence seq = batch.sequences[start + t0]; // every member's blocks of this part are its blocks
                int first = p * span, n = Math.min(batch.positions[start + t0] + 1, first + span) - first;
                int heads = rows * group;
                float[] queries = q;
                int qOff = t0 * qDim + g * group * headDim;
                if (rows > 1) {
                    queries = s.queries(heads * headDim);
                    for (int r = 0; r < rows; r++) {
                        System.arraycopy(q, members[m0 + r] * qDim + g * group * headDim, queries, r * group * headDim, group * headDim);
                    }
                    qOff = 0;
                }
                float[] scores = s.scores(heads * n);
                float[] kv = s.kv(bs * headDim);
                for (int pos = first; pos < first + n; pos += bs) {
                    cache.scores(seq, pos / bs, layer, g, Math.min(bs, first + n - pos), queries, qOff, heads, scale, scores, pos - first, n, kv);
                }
                boolean whole = unitWhole[u];
                if (whole) {
                    VectorOps.softmaxRows(scores, 0, heads, n, null, 0, null, 0);
                } else {
                    for (int r = 0; r < rows; r++) { // a row's heads have consecutive slots
                        int slot = slot(g, members[m0 + r], p);
                        VectorOps.softmaxRows(scores, r * group * n, group, n, partMax, slot, partSum, slot);
                    }
                }
                float[] out = whole ? att : rows > 1 ? s.out(heads * headDim) : partOut;
                int outOff = whole ? qOff : rows > 1 ? 0 : slot(g, t0, p) * headDim;
                Arrays.fill(out, outOff, outOff + heads * headDim, 0f);
                for (int pos = first; pos < first + n; pos += bs) {
                    cache.accumulate(seq, pos / bs, layer, g, Math.min(bs, first + n - pos), scores, pos - first, n, heads, out, outOff, kv);
                }
                if (rows > 1) {
                    for (int r = 0; r < rows; r++) {
                        System.arraycopy(out, r * group * headDim, partOut, slot(g, members[m0 + r], p) * headDim, group * headDim);
                    }
                }
            }
        });
        if (split) merge(att);
    }

    /** The first (KV head, row part, head) slot of the group of KV head {@code g} for part {@code p} of row {@code t}. */
    private int slot(int g, int t, int p) {
        return (g * parts + rowSlot[t] + p) * c.groupSize();
    }

    /** Each split row's attention: per head, its parts' normalised outputs weighted by {@code sum_p · exp(max_p - max)} over the total, parts in order. */
    private void merge(float[] att) {
        int group = c.groupSize(), headDim = c.headDim(), qDim = c.qDim();
        for (int t = 0; t < b; t++) {
            int n = rowParts[t];
            if (n == 1) continue;
            for (int g = 0; g < c.nKvHeads(); g++) {
                for (int h = 0; h < group; h++) {
                    int base = slot(g, t, 0) + h;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int p = 0; p < n; p++) max = Math.max(max, partMax[base + p * group]);
                    double total = 0;
                    for (int p = 0; p < n; p++) total += partSum[base + p * group] * Math.exp(partMax[base + p * group] - max);
                    int o = t * qDim + (g * group + h) * headDim;
                    Arrays.fill(att, o, o + headDim, 0f);
                    for (int p = 0; p < n; p++) {
                        float weight = (float) (partSum[base + p * group] * Math.exp(partMax[base + p * group] - max) / total);
                        VectorOps.axpy(weight, partOut, (base + p * group) * headDim, att, o, headDim);
                    }
                }
            }
        }
    }

    /** Per-thread buffers of the attention loop, grown to the largest unit seen. */
    private static final class Scratch {
        private float[] kv = new float[0], queries = new float[0], out = new float[0];
        private float[] scores = new float[1024];

        float[] kv(int n) {
            if (kv.length < n) kv = new float[n];
            return kv;
        }

        float[] queries(int n) {
            if (queries.length < n) queries = new float[n];
            return queries;
        }

        float[] out(int n) {
            if (out.length < n) out = new float[n];
            return out;
        }

        float[] scores(int n) {
            if (scores.length < n) scores = new float[Math.max(n, 2 * scores.length)];
            return scores;
        }
    }
}
