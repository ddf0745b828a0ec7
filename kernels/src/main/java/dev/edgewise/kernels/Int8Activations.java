package dev.edgewise.kernels;

import java.util.Objects;

/**
 * A batch of activation vectors quantized to 8 bits per 32-value block, the way llama.cpp feeds its
 * integer Q4_0 dot products: per block a float scale {@code d = max|x| / 127} and quants
 * {@code q = rint(x / d)} in [-127, 127].
 *
 * <p>Stored for the integer kernel of {@link PackedQ4_0}: quants as pairs of consecutive values in
 * one int (low half the even index), so that one 32-bit broadcast feeds both parities of a panel
 * vector; and per block the Q4_0 zero point folded in advance, {@code -8 * sum(q)} over the even
 * and over the odd positions, as a pair of 16-bit halves; and per 16 values the plain sums of the
 * even and of the odd positions (Q6_K's zero points, {@code -32} times them, per 16 columns).
 *
 * <p>Buffers grow on demand and are reused: one instance per thread ({@link #forThisThread}) keeps
 * the decode loop free of allocation.
 */
public final class Int8Activations {
    private static final ThreadLocal<Int8Activations> PER_THREAD = ThreadLocal.withInitial(Int8Activations::new);

    int[] pairs = new int[0];
    float[] scales = new float[0];
    int[] zeroPoints = new int[0];
    /** Per 16 values (two per block): the sums of the even and of the odd positions' quants, as a pair of 16-bit halves. */
    int[] halfSums = new int[0];
    private final int[] blockQuants = new int[32];
    int batch;
    int cols;

    /** This thread's reusable instance. */
    public static Int8Activations forThisThread() {
        return PER_THREAD.get();
    }

    public int batch() { return batch; }

    public int cols() { return cols; }

    /**
     * Quantizes vectors {@code x[b*cols .. b*cols + cols)} for {@code b < batch}.
     *
     * @throws IllegalArgumentException if {@code cols} is not a positive multiple of 32 or x is too short
     */
    public Int8Activations quantize(float[] x, int batch, int cols) {
        int blocks = prepare(x, batch, cols);
        ((KernelInternals) KernelsBySpecies.PREFERRED).quantizeBlocks(x, blocks, pairs, scales, zeroPoints, halfSums, blockQuants);
        return this;
    }

    /** The scalar definition the SIMD quantizer must equal (tests). */
    void quantizeScalar(float[] x, int batch, int cols) {
        int blocks = prepare(x, batch, cols);
        for (int blk = 0; blk < blocks; blk++) quantizeBlock(x, blk);
    }

    /** Checks the shape, sizes the buffers; returns the number of blocks. */
    private int prepare(float[] x, int batch, int cols) {
        Objects.requireNonNull(x, "x");
        if (cols <= 0 || cols % 32 != 0) throw new IllegalArgumentException("row length " + cols + " is not a positive multiple of 32");
        if (batch < 0 || x.length < (long) batch * cols) {
            throw new IllegalArgumentException("x holds " + x.length + " floats, a batch of " + batch + " x " + cols + " needs more");
        }
        int nPairs = batch * cols / 2, blocks = batch * (cols / 32);
        if (pairs.length < nPairs) pairs = new int[nPairs];
        if (scales.length < blocks) {
            scales = new float[blocks];
            zeroPoints = new int[blocks];
            halfSums = new int[2 * blocks];
        }
        this.batch = batch;
        this.cols = cols;
        return blocks;
    }

    private void quantizeBlock(float[] x, int blk) {
        int x0 = 32 * blk;
        float amax = 0;
        for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[x0 + i]));
        float d = amax / 127;
        float id = d != 0 ? 1 / d : 0;
        int sumEven = 0, sumOdd = 0;
        for (int i = 0; i < 32; i += 2) {
            int even = (int) Math.rint(x[x0 + i] * id), odd = (int) Math.rint(x[x0 + i + 1] * id);
            sumEven += even;
            sumOdd += odd;
            pairs[16 * blk + i / 2] = (even & 0xFFFF) | (odd << 16);
            if (i == 14 || i == 30) { // |sum| <= 8 * 127 per half
                halfSums[2 * blk + i / 16] = (sumEven & 0xFFFF) | (sumOdd << 16);
                sumEven = sumOdd = 0;
            }
        }
        sumEven = (short) halfSums[2 * blk] + (short) halfSums[2 * blk + 1];
        sumOdd = (halfSums[2 * blk] >> 16) + (halfSums[2 * blk + 1] >> 16);
        scales[blk] = d;
        // |sum| <= 16 * 127, so -8 * sum fits a short
        zeroPoints[blk] = ((-8 * sumEven) & 0xFFFF) | ((-8 * sumOdd) << 16);
    }

    /** Quant {@code i} of vector {@code b} (for tests and the scalar reference). */
    public int quant(int b, int i) {
        int p = pairs[(b * cols + i) / 2];
        return (i & 1) == 0 ? (short) p : p >> 16;
    }

    /** Scale of block {@code blk} of vector {@code b}. */
    public float scale(int b, int blk) {
        return scales[b * (cols / 32) + blk];
    }
}
