package dev.edgewise.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/**
 * The vector ops of one width ({@code VectorKernels}, one copy per species) as the other kernel
 * classes of that width call them. Each holds its width's copy in a {@code static final} field:
 * the receiver is then a constant of an exact class, so C2 binds these calls statically and
 * inlines them as it would a static method of the caller's own class (the sums must be inlined:
 * a vector passed to a call that is not is boxed). See {@link SimdKernels} for the array ops.
 */
interface LaneOps {

    /**
     * The sum of {@code v}'s lanes in one fixed order (a tree: lanes half a vector apart, then a
     * quarter, ... one apart), the same whether interpreted or compiled by C1 or C2.
     */
    float sum(FloatVector v);

    /** {@link #sum(FloatVector)} for doubles. */
    double sum(DoubleVector v);

    /**
     * {@link #sum(FloatVector)} of the vector stored at {@code a[offset..offset+L)}. Takes the array, not a
     * vector, so that a call C2 leaves out of line (its node budget spent on a large caller) costs a call,
     * not a boxed vector.
     */
    float sumAt(float[] a, int offset);

    /** {@link #dot} without the bounds checks (callers pass ranges they own). */
    float arrayDot(float[] a, int aOff, float[] b, int bOff, int n);

    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    void add(float[] x, int xOff, float[] y, int yOff, int n);

    void scale(float[] x, int off, int n, float s);

    void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps);

    void softmaxRows(float[] x, int off, int rows, int n, float[] maxes, int maxOff, double[] sums, int sumOff);

    void siluMul(float[] gate, int gOff, float[] up, int uOff, int n);

    float max(float[] x, int off, int n);

    double sumExp(float[] x, int off, int n, float shift);

    int firstAtLeast(float[] x, int from, int to, float threshold);

    void rotateHalves(float[] x, int off, int nHeads, int headDim, float[] cos, float[] sin);
}
