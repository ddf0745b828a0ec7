package dev.edgewise.engine.lora;

/**
 * Working buffers of {@link LoraKernels}: the gathered input rows, the rank-r intermediate
 * {@code s * A x}, and the delta {@code B (s A x)} before it is added to the output. Separate arrays
 * because {@link dev.edgewise.kernels.MatMul} addresses its vectors from index 0.
 *
 * <p>Size it once for the largest batch, rank and widths ({@link #forModel}) and the kernels never
 * allocate; a call that needs more grows the buffers (allocating). Not thread-safe: one per forward
 * pass instance, like the forward pass's own activation buffers.
 */
public final class LoraScratch {
    float[] x = new float[0];
    float[] t = new float[0];
    float[] delta = new float[0];

    public LoraScratch() {}

    /** Buffers for up to {@code maxBatch} rows, rank {@code maxRank}, and vectors of up to {@code maxWidth} floats. */
    public LoraScratch(int maxBatch, int maxRank, int maxWidth) {
        ensure(maxBatch, maxRank, maxWidth, maxWidth);
    }

    /** Enough for every projection of {@code c} (widths up to max(dim, qDim, ffnDim)). */
    public static LoraScratch forModel(dev.edgewise.engine.ModelConfig c, int maxBatch, int maxRank) {
        return new LoraScratch(maxBatch, maxRank, Math.max(Math.max(c.dim(), c.qDim()), c.ffnDim()));
    }

    void ensure(int rows, int rank, int in, int out) {
        if (x.length < (long) rows * in) x = new float[Math.multiplyExact(rows, in)];
        if (t.length < (long) rows * rank) t = new float[Math.multiplyExact(rows, rank)];
        if (delta.length < (long) rows * out) delta = new float[Math.multiplyExact(rows, out)];
    }

    /** Floats held, for memory accounting. */
    public long floats() {
        return (long) x.length + t.length + delta.length;
    }
}
