package dev.edgewise.kernels;

/**
 * Element-wise and reduction kernels on float arrays, on the preferred vector width: each is a
 * vector loop with a scalar tail. Offsets let them work inside larger arrays (one head of a
 * multi-head buffer, one vector of a batch).
 */
public final class VectorOps {
    private VectorOps() {}

    private static final SimdKernels K = KernelsBySpecies.PREFERRED;

    /** {@code sum a[aOff+i] * b[bOff+i]} for {@code i < n}. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return K.dot(a, aOff, b, bOff, n);
    }

    /** {@code y += alpha * x}. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        K.axpy(alpha, x, xOff, y, yOff, n);
    }

    /** {@code y += x}. */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        K.add(x, xOff, y, yOff, n);
    }

    /** {@code x *= s}. */
    public static void scale(float[] x, int off, int n, float s) {
        K.scale(x, off, n, s);
    }

    /**
     * {@code out = x / sqrt(mean(x^2) + eps) * weight}; the mean of squares is accumulated in double.
     * {@code out} may be {@code x} itself.
     */
    public static void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        K.rmsnorm(out, outOff, x, xOff, weight, n, eps);
    }

    /**
     * In-place softmax: subtracts the maximum, exponentiates in float, normalises by the (double) sum.
     * Returns that sum, {@code sum exp(x[i] - max)} (0 when {@code n == 0}): with the maximum, what a
     * softmax over several parts needs to weight each part's normalised result. One row, for
     * convenience (it allocates the sum's holder); loops use {@link #softmaxRows}.
     */
    public static double softmax(float[] x, int off, int n) {
        double[] sum = new double[1];
        K.softmaxRows(x, off, 1, n, null, 0, sum, 0);
        return sum[0];
    }

    /**
     * {@link #softmax} of each of {@code rows} consecutive rows of {@code n} floats from {@code off},
     * in place; row r's maximum goes to {@code maxes[maxOff + r]} and its sum to
     * {@code sums[sumOff + r]} (either array may be null). A row of n = 0 has maximum -Infinity and
     * sum 0; a row holding NaN normalises to NaN.
     */
    public static void softmaxRows(float[] x, int off, int rows, int n, float[] maxes, int maxOff, double[] sums, int sumOff) {
        K.softmaxRows(x, off, rows, n, maxes, maxOff, sums, sumOff);
    }

    /** SwiGLU's gate: {@code gate[i] = silu(gate[i]) * up[i]} with {@code silu(g) = g / (1 + exp(-g))}. */
    public static void siluMul(float[] gate, int gOff, float[] up, int uOff, int n) {
        K.siluMul(gate, gOff, up, uOff, n);
    }

    /** The largest element; {@code -Infinity} when {@code n == 0}, NaN if any element is NaN. */
    public static float max(float[] x, int off, int n) {
        return K.max(x, off, n);
    }

    /**
     * {@code sum exp(x[off+i] - shift)} for {@code i < n}: exponentials in float (to about 1e-6
     * relative), summed in double. With {@code shift} = the maximum, {@code shift + log(result)} is
     * the log of the softmax denominator.
     */
    public static double sumExp(float[] x, int off, int n, float shift) {
        return K.sumExp(x, off, n, shift);
    }

    /**
     * The first index {@code i} in {@code [from, to)} with {@code x[i] >= threshold}, or {@code to}
     * when there is none (NaN is never at least anything). Lets a scan for rare candidates skip a
     * vector of non-candidates with one comparison.
     */
    public static int firstAtLeast(float[] x, int from, int to, float threshold) {
        return K.firstAtLeast(x, from, to, threshold);
    }
}
