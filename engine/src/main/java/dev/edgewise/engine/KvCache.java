package dev.edgewise.engine;

import java.util.Arrays;

/**
 * Keys and values of one sequence, per layer laid out as [position][kvHead][headDim] in F32.
 * Capacity grows by doubling up to the context limit, so a short chat does not reserve the
 * model's whole 32k context.
 */
public final class KvCache {
    private final int nLayers;
    private final int kvDim;
    private final int maxPositions;
    private final float[][] keys;
    private final float[][] values;
    private int capacity;
    private int length;

    public KvCache(ModelConfig config, int maxPositions) {
        this.nLayers = config.nLayers();
        this.kvDim = config.kvDim();
        this.maxPositions = maxPositions;
        this.keys = new float[nLayers][];
        this.values = new float[nLayers][];
        this.capacity = 0;
        ensureCapacity(Math.min(maxPositions, 256));
    }

    /** Positions stored so far (the next token goes at this position). */
    public int length() {
        return length;
    }

    public int maxPositions() {
        return maxPositions;
    }

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

    /** Makes room for {@code extra} more positions, or fails if the context would overflow. */
    void reserve(int extra) {
        long needed = (long) length + extra;
        if (needed > maxPositions) {
            throw new ContextOverflowException("context full: " + length + " + " + extra
                    + " positions exceed the limit of " + maxPositions + " (raise --ctx-size)");
        }
        if (needed > capacity) ensureCapacity((int) Math.min(maxPositions, Math.max(needed, 2L * capacity)));
    }

    void advance(int n) {
        length += n;
    }

    /** Forgets positions from {@code newLength} on (e.g. to re-run a prompt suffix). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) throw new IllegalArgumentException("truncate to " + newLength + " of " + length);
        length = newLength;
    }

    /** Bytes held by the cache arrays. */
    public long bytes() {
        return 2L * nLayers * capacity * kvDim * Float.BYTES;
    }

    private void ensureCapacity(int positions) {
        for (int l = 0; l < nLayers; l++) {
            keys[l] = keys[l] == null ? new float[positions * kvDim] : Arrays.copyOf(keys[l], positions * kvDim);
            values[l] = values[l] == null ? new float[positions * kvDim] : Arrays.copyOf(values[l], positions * kvDim);
        }
        capacity = positions;
    }
}
