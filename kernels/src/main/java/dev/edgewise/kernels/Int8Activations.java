package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

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
 * <p>Also the pairs "chained" for 4-bit planes ({@link #chains}): within each run of 4 pairs (the
 * 4 nibbles of a packed 16-bit lane), pair {@code j > 0} minus 16 times pair {@code j - 1}, per
 * 16-bit half and wrapping. A kernel can then multiply the lane shifted right by {@code 4j},
 * {@code v_j = n_j + 16 n_(j+1) + 256 n_(j+2) + ...}, with no mask: the higher nibbles' products
 * cancel, {@code sum_j v_j c_j = sum_j n_j a_j} exactly modulo 2^16, and so exactly wherever the
 * true sum fits 16 bits, which the packings guarantee. One shift per nibble instead of a shift and
 * a mask.
 *
 * <p>And chained the same way for Q6_K's 2-bit high parts ({@link #highChains}): within each run of
 * 8 pairs (the 8 two-bit fields of a 16-bit lane), 16 times pair {@code k} minus 64 times pair
 * {@code k - 1}, so that {@code sum_k (h >>> 2k) e_k = 16 sum_k h_k a_k} modulo 2^16: the high parts
 * times 16, their place in a 6-bit quant, with one shift per field and no mask.
 *
 * <p>A matmul asks only for what its packings read ({@link #needs}): Q8_0 reads the pairs and scales
 * alone, Q6_K everything. The kernels check that the parts they read were filled by the last
 * quantization ({@link #checkHolds}). Large batches are quantized on the worker pool, block ranges
 * in parallel (a prompt's 64 x 4864 activations took 0.29 ms on the calling thread, 11% of the
 * down projection it fed).
 *
 * <p>Buffers grow on demand and are reused: one instance per thread ({@link #forThisThread}) keeps
 * the decode loop free of allocation.
 */
public final class Int8Activations {
    private static final ThreadLocal<Int8Activations> PER_THREAD = ThreadLocal.withInitial(Int8Activations::new);
    private static final VectorSpecies<Integer> CHAIN_INTS = IntVector.SPECIES_PREFERRED;
    /** Lanes {@code 4k} of {@link #CHAIN_INTS}, which start a run of 4 and are not chained (null: too narrow to bother). */
    private static final VectorMask<Integer> CHAIN_KEEP = CHAIN_INTS.length() >= 4
            ? VectorMask.fromLong(CHAIN_INTS, 0x1111_1111_1111_1111L) : null;
    /** Lanes {@code 8k}, which start a run of 8 for {@link #highChains} (null: narrower than a run). */
    private static final VectorMask<Integer> HIGH_CHAIN_KEEP = CHAIN_INTS.length() >= 8
            ? VectorMask.fromLong(CHAIN_INTS, 0x0101_0101_0101_0101L) : null;

    /** Parts beyond the pairs and scales, as bits of {@link #needs} and {@link #filled}: the half sums and zero points. */
    static final int SUMS = 1;
    /** {@link #chains}. */
    static final int CHAINS = 2;
    /** {@link #highChains}. */
    static final int HIGH_CHAINS = 4;
    static final int ALL = SUMS | CHAINS | HIGH_CHAINS;
    /** Blocks below which quantizing is not worth waking the pool (about 15 us of work on one thread). */
    static final int PARALLEL_BLOCKS = 512;

    int[] pairs = new int[0];
    /** {@link #pairs} chained per run of 4 for the 4-bit planes (see the class comment). */
    int[] chains = new int[0];
    /** {@link #pairs} chained per run of 8 for Q6_K's 2-bit high parts, times 16 (see the class comment). */
    int[] highChains = new int[0];
    float[] scales = new float[0];
    int[] zeroPoints = new int[0];
    /** Per 16 values (two per block): the sums of the even and of the odd positions' quants, as a pair of 16-bit halves. */
    int[] halfSums = new int[0];
    int batch;
    int cols;
    /** The parts ({@link #SUMS}, {@link #CHAINS}, {@link #HIGH_CHAINS}) the last quantization filled. */
    int filled;

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
        return quantize(null, x, batch, cols, ALL);
    }

    /**
     * Quantizes as {@link #quantize(float[], int, int)}, filling only the parts in {@code needs}
     * besides the pairs and scales, on {@code pool} (null: this thread) when the batch is large.
     */
    Int8Activations quantize(WorkerPool pool, float[] x, int batch, int cols, int needs) {
        int blocks = prepare(x, batch, cols);
        filled = needs;
        if (pool == null || pool.threads() == 1 || blocks < PARALLEL_BLOCKS) quantizeBlocks(x, 0, blocks, needs);
        else pool.parallelFor(blocks, (b0, b1) -> quantizeBlocks(x, b0, b1, needs));
        return this;
    }

    /** What the integer kernels of a {@code type} packing read besides the pairs and scales. */
    static int needs(GGMLType type) {
        return switch (type) {
            case Q8_0 -> 0;
            case Q5_0, Q5_K -> SUMS;
            case Q4_0, Q4_K -> SUMS | CHAINS;
            case Q6_K -> ALL;
            default -> throw new IllegalArgumentException("no integer kernel for " + type);
        };
    }

    /**
     * Throws unless the last quantization filled what {@code w}'s kernels read (a caller that asked
     * for less would otherwise multiply by an earlier activation's leftovers).
     */
    void checkHolds(Object w) {
        GGMLType type = w instanceof PackedBlocks b ? b.type() : GGMLType.Q4_0;
        int needs = needs(type);
        if ((filled & needs) != needs) {
            throw new IllegalStateException("activations quantized with " + parts(filled) + " but " + w + " reads " + parts(needs));
        }
    }

    private static String parts(int parts) {
        return "pairs, scales" + ((parts & SUMS) != 0 ? ", sums" : "") + ((parts & CHAINS) != 0 ? ", chains" : "")
                + ((parts & HIGH_CHAINS) != 0 ? ", high chains" : "");
    }

    /** Blocks {@code [from, to)} and their pairs' chains as {@code needs} asks. */
    private void quantizeBlocks(float[] x, int from, int to, int needs) {
        ((KernelInternals) KernelsBySpecies.PREFERRED).quantizeBlocks(x, from, to, (needs & SUMS) != 0, pairs, scales, zeroPoints,
                halfSums, Scratch.BLOCK_QUANTS.atLeast(32));
        if ((needs & CHAINS) != 0) chain(16 * from, 16 * to);
        if ((needs & HIGH_CHAINS) != 0) highChain(16 * from, 16 * to);
    }

    /**
     * Fills {@link #chains} for pairs {@code [from, to)} (whole blocks of 16): a vector of pairs
     * against itself moved up one lane, keeping every fourth lane. It runs before every quantized
     * matmul, so it is vectorised.
     */
    private void chain(int from, int to) {
        int[] pairs = this.pairs, chains = this.chains;
        int m = from;
        if (CHAIN_KEEP != null) {
            for (; m + CHAIN_INTS.length() <= to; m += CHAIN_INTS.length()) {
                IntVector v = IntVector.fromArray(CHAIN_INTS, pairs, m);
                ShortVector below = v.unslice(1).reinterpretAsShorts();
                v.reinterpretAsShorts().sub(below.mul((short) 16)).reinterpretAsInts().blend(v, CHAIN_KEEP).intoArray(chains, m);
            }
        }
        chainScalar(m, to);
    }

    /** Fills {@link #highChains} for pairs {@code [from, to)} (whole blocks of 16), as {@link #chain}. */
    private void highChain(int from, int to) {
        int[] pairs = this.pairs, highChains = this.highChains;
        int m = from;
        if (HIGH_CHAIN_KEEP != null) {
            for (; m + CHAIN_INTS.length() <= to; m += CHAIN_INTS.length()) {
                IntVector v = IntVector.fromArray(CHAIN_INTS, pairs, m);
                ShortVector times16 = v.reinterpretAsShorts().mul((short) 16);
                ShortVector below = v.unslice(1).reinterpretAsShorts();
                times16.sub(below.mul((short) 64)).reinterpretAsInts().blend(times16.reinterpretAsInts(), HIGH_CHAIN_KEEP).intoArray(highChains, m);
            }
        }
        highChainScalar(m, to);
    }

    /** The scalar definition of {@link #chain}'s {@link #chains}, for pairs {@code [from, n)}. */
    private void chainScalar(int from, int n) {
        int[] pairs = this.pairs, chains = this.chains;
        for (int m = from; m < n; m++) chains[m] = m % 4 == 0 ? pairs[m] : chained(pairs[m], 1, pairs[m - 1], 16);
    }

    /** The scalar definition of {@link #chain}'s {@link #highChains}, for pairs {@code [from, n)}. */
    private void highChainScalar(int from, int n) {
        int[] pairs = this.pairs, highChains = this.highChains;
        for (int m = from; m < n; m++) highChains[m] = chained(pairs[m], 16, m % 8 == 0 ? 0 : pairs[m - 1], 64);
    }

    /** {@code a p - b q} per 16-bit half, wrapping. */
    private static int chained(int p, int a, int q, int b) {
        return ((a * p - b * q) & 0xFFFF) | ((a * (p >> 16) - b * (q >> 16)) << 16);
    }

    /** The scalar definition the SIMD quantizer must equal (tests). */
    void quantizeScalar(float[] x, int batch, int cols) {
        int blocks = prepare(x, batch, cols);
        filled = ALL;
        for (int blk = 0; blk < blocks; blk++) quantizeBlock(x, blk);
        chainScalar(0, batch * cols / 2);
        highChainScalar(0, batch * cols / 2);
    }

    /** Checks the shape, sizes the buffers; returns the number of blocks. */
    private int prepare(float[] x, int batch, int cols) {
        Objects.requireNonNull(x, "x");
        if (cols <= 0 || cols % 32 != 0) throw new IllegalArgumentException("row length " + cols + " is not a positive multiple of 32");
        if (batch < 0 || x.length < (long) batch * cols) {
            throw new IllegalArgumentException("x holds " + x.length + " floats, a batch of " + batch + " x " + cols + " needs more");
        }
        int nPairs = batch * cols / 2, blocks = batch * (cols / 32);
        if (pairs.length < nPairs) {
            pairs = new int[nPairs];
            chains = new int[nPairs];
            highChains = new int[nPairs];
        }
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
