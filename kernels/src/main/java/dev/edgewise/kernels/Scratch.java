package dev.edgewise.kernels;

import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * One kind of per-thread scratch array, grown on demand and then reused, so that the kernels' loops
 * do not allocate. A plain class, not one of the per-width hidden kernel classes (those may hold no
 * lambdas): they take their buffers from the instances here, which every width shares (a thread runs
 * one width's kernel at a time).
 */
final class Scratch<A> {
    /** Block sums of the integer tiles in 16-bit lanes (Q4_0, Q5_0, the K-quants). */
    static final Scratch<short[]> SHORT_SUMS = new Scratch<>(short[]::new, a -> a.length);
    /** Block sums of the Q8_0 integer tile, as ints. */
    static final Scratch<int[]> INT_SUMS = new Scratch<>(int[]::new, a -> a.length);
    /** A packed panel's row scales as floats, converted once for all its tiles. */
    static final Scratch<float[]> ROW_SCALES = new Scratch<>(float[]::new, a -> a.length);
    /** Decoded weight rows and a tile's accumulators of the float tiles. */
    static final Scratch<float[]> DECODED_ROWS = new Scratch<>(float[]::new, a -> a.length);
    /** The float kernels' vector accumulators, stored for their fixed-order lane sums (1 to 4 vectors). */
    static final Scratch<float[]> LANE_SUMS = new Scratch<>(float[]::new, a -> a.length);
    /** Sums of the activation's 32-element blocks for the float Q4_0 and Q5_0 kernels. */
    static final Scratch<float[]> BLOCK_SUMS = new Scratch<>(float[]::new, a -> a.length);

    /** A block's 32 quants, where a width quantizes activations without its vector path for the pairs. */
    static final Scratch<int[]> BLOCK_QUANTS = new Scratch<>(int[]::new, a -> a.length);

    private final ThreadLocal<A> local = new ThreadLocal<>();
    private final IntFunction<A> make;
    private final ToIntFunction<A> length;

    private Scratch(IntFunction<A> make, ToIntFunction<A> length) {
        this.make = make;
        this.length = length;
    }

    /** This thread's array, at least {@code n} long (its contents are whatever the last use left). */
    A atLeast(int n) {
        A a = local.get();
        if (a == null || length.applyAsInt(a) < n) {
            a = make.apply(n);
            local.set(a);
        }
        return a;
    }
}
