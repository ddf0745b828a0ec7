package dev.edgewise.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;
import java.util.Objects;

/**
 * The vector ops of one float species {@link #F} (dot, axpy, rmsnorm, softmax, ...; see
 * {@link VectorOps}) and the owner of the fixed-order lane sums every kernel of that width uses.
 * Loaded like {@code SpeciesKernels}: once normally for the preferred species and as a hidden
 * class per other species ({@link KernelsBySpecies}), so that {@link #F} is a constant; the other
 * kernel classes of a width hold its copy in a {@code static final} field ({@link LaneOps}), which
 * C2 binds and inlines like a static call. The same rules as {@code SpeciesKernels} keep the copies
 * sound (no nested classes or lambdas; every width-dependent fact derived from {@link #F}).
 */
final class VectorKernels implements LaneOps {

    static final VectorSpecies<Float> F = KernelsBySpecies.speciesOf(MethodHandles.lookup());
    private static final int L = F.length();
    private static final VectorSpecies<Double> D = F.withLanes(double.class);

    VectorKernels() {}

    /**
     * The sum of the lanes, added in one fixed order (a tree: lanes half a vector apart, then a quarter,
     * ... one apart) whatever runs the code. {@code reduceLanes(ADD)} adds floats in another order when
     * interpreted or compiled by C1 than when compiled by C2, so a request's logits, and now and then a
     * sampled token, depended on how far the JIT had warmed up; rotations and lane-wise adds round the
     * same everywhere, and cost C2 what its own reduction costs (log2 of the lanes shuffles and adds).
     * The rotations are constants ({@code static final}): a shuffle built inside the method is not
     * intrinsified where the method is not inlined, and then costs an allocation and a scalar loop per
     * call (batched decode ran 19x slower than one sequence on such calls).
     */
    @Override
    public float sum(FloatVector v) {
        for (int step = L / 2; step >= 16; step /= 2) v = v.add(v.rearrange(VectorShuffle.iota(F, step, 1, true))); // wider than 512 bits only
        if (L >= 16) v = v.add(v.rearrange(F_ROT8));
        if (L >= 8) v = v.add(v.rearrange(F_ROT4));
        if (L >= 4) v = v.add(v.rearrange(F_ROT2));
        if (L >= 2) v = v.add(v.rearrange(F_ROT1));
        return v.lane(0);
    }

    /** {@link #sum(FloatVector)} for doubles. */
    @Override
    public double sum(DoubleVector v) {
        int lanes = D.length();
        for (int step = lanes / 2; step >= 16; step /= 2) v = v.add(v.rearrange(VectorShuffle.iota(D, step, 1, true)));
        if (lanes >= 16) v = v.add(v.rearrange(D_ROT8));
        if (lanes >= 8) v = v.add(v.rearrange(D_ROT4));
        if (lanes >= 4) v = v.add(v.rearrange(D_ROT2));
        if (lanes >= 2) v = v.add(v.rearrange(D_ROT1));
        return v.lane(0);
    }

    @Override
    public float sumAt(float[] a, int offset) {
        // sum(FloatVector)'s tree written out: a call to it that C2 does not inline (its compiled body past
        // InlineSmallCode, or the caller's node budget spent) would box the vector; the Vector API's own
        // methods are force-inlined
        FloatVector v = FloatVector.fromArray(F, a, offset);
        for (int step = L / 2; step >= 16; step /= 2) v = v.add(v.rearrange(VectorShuffle.iota(F, step, 1, true))); // wider than 512 bits only
        if (L >= 16) v = v.add(v.rearrange(F_ROT8));
        if (L >= 8) v = v.add(v.rearrange(F_ROT4));
        if (L >= 4) v = v.add(v.rearrange(F_ROT2));
        if (L >= 2) v = v.add(v.rearrange(F_ROT1));
        return v.lane(0);
    }

    /** Rotation of a vector's lanes by {@code step} (lane i takes lane i + step), or null where it has no meaning. */
    private static <E> VectorShuffle<E> rotation(VectorSpecies<E> species, int step) {
        return step < species.length() ? VectorShuffle.iota(species, step, 1, true) : null;
    }

    private static final VectorShuffle<Float> F_ROT8 = rotation(F, 8), F_ROT4 = rotation(F, 4), F_ROT2 = rotation(F, 2), F_ROT1 = rotation(F, 1);
    private static final VectorShuffle<Double> D_ROT8 = rotation(D, 8), D_ROT4 = rotation(D, 4), D_ROT2 = rotation(D, 2), D_ROT1 = rotation(D, 1);

    @Override
    public String toString() {
        return "VectorKernels[" + F + "]";
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        Objects.checkFromIndexSize(aOff, n, a.length);
        Objects.checkFromIndexSize(bOff, n, b.length);
        return arrayDot(a, aOff, b, bOff, n);
    }

    @Override
    public float arrayDot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
            s1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), s1);
            s2 = FloatVector.fromArray(F, a, aOff + i + 2 * L).fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), s2);
            s3 = FloatVector.fromArray(F, a, aOff + i + 3 * L).fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), s3);
        }
        for (; i <= n - L; i += L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
        }
        float s = sum(s0.add(s1).add(s2.add(s3)));
        for (; i < n; i++) s = Math.fma(a[aOff + i], b[bOff + i], s);
        return s;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(yOff, n, y.length);
        FloatVector av = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(av, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(x[xOff + i], alpha, y[yOff + i]);
    }

    @Override
    public void add(float[] x, int xOff, float[] y, int yOff, int n) {
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(yOff, n, y.length);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, y, yOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += x[xOff + i];
    }

    @Override
    public void scale(float[] x, int off, int n, float s) {
        Objects.checkFromIndexSize(off, n, x.length);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) x[off + i] *= s;
    }

    @Override
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        Objects.checkFromIndexSize(outOff, n, out.length);
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(0, n, weight.length);
        if (n == 0) return;
        // Squares of floats are exact in double, and a double sum keeps the mean within ~1e-15.
        DoubleVector lo = DoubleVector.zero(D), hi = lo;
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            DoubleVector v0 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector v1 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
            lo = v0.fma(v0, lo);
            hi = v1.fma(v1, hi);
        }
        double sumSquares = sum(lo.add(hi));
        for (; i < n; i++) {
            double v = x[xOff + i];
            sumSquares += v * v;
        }
        float inverseRms = (float) (1.0 / Math.sqrt(sumSquares / n + eps));
        for (i = 0; i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(inverseRms).mul(FloatVector.fromArray(F, weight, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) out[outOff + i] = x[xOff + i] * inverseRms * weight[i];
    }

    /**
     * Its three passes per row (maximum, exponentials and their sum, normalising) are written out
     * here, not calls to max and scale: attention calls it for every head of every layer from a
     * parallel loop's body, and a small softmax inlined there with its callees took that compilation
     * past C2's node budget once (JFR: VectorOps.max running boxed in a steady-state F16 decode).
     * Over FreqInlineSize, it is always a compilation of its own (KernelRootsTest).
     */
    @Override
    public void softmaxRows(float[] x, int off, int rows, int n, float[] maxes, int maxOff, double[] sums, int sumOff) {
        if (rows < 0 || n < 0) throw new IllegalArgumentException("rows and n must not be negative, got " + rows + " and " + n);
        Objects.checkFromIndexSize(off, Math.multiplyExact(rows, n), x.length);
        if (maxes != null) Objects.checkFromIndexSize(maxOff, rows, maxes.length);
        if (sums != null) Objects.checkFromIndexSize(sumOff, rows, sums.length);
        int bound = F.loopBound(n);
        for (int r = 0, o = off; r < rows; r++, o += n) {
            FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            int i = 0;
            for (; i < bound; i += L) m = m.max(FloatVector.fromArray(F, x, o + i));
            float maxScalar = m.reduceLanes(VectorOperators.MAX);
            for (; i < n; i++) maxScalar = Math.max(maxScalar, x[o + i]);
            double sum = 0;
            if (n > 0) {
                FloatVector max = FloatVector.broadcast(F, maxScalar);
                DoubleVector lo = DoubleVector.zero(D), hi = lo;
                for (i = 0; i < bound; i += L) {
                    FloatVector e = FloatVector.fromArray(F, x, o + i).sub(max).lanewise(VectorOperators.EXP);
                    e.intoArray(x, o + i);
                    lo = lo.add(e.convertShape(VectorOperators.F2D, D, 0));
                    hi = hi.add(e.convertShape(VectorOperators.F2D, D, 1));
                }
                sum = sum(lo.add(hi));
                for (; i < n; i++) {
                    float e = (float) Math.exp(x[o + i] - maxScalar);
                    x[o + i] = e;
                    sum += e;
                }
                float inverse = (float) (1.0 / sum);
                for (i = 0; i < bound; i += L) FloatVector.fromArray(F, x, o + i).mul(inverse).intoArray(x, o + i);
                for (; i < n; i++) x[o + i] *= inverse;
            }
            if (maxes != null) maxes[maxOff + r] = maxScalar;
            if (sums != null) sums[sumOff + r] = sum;
        }
    }

    @Override
    public void siluMul(float[] gate, int gOff, float[] up, int uOff, int n) {
        Objects.checkFromIndexSize(gOff, n, gate.length);
        Objects.checkFromIndexSize(uOff, n, up.length);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, gOff + i);
            FloatVector silu = g.div(g.neg().lanewise(VectorOperators.EXP).add(1f));
            silu.mul(FloatVector.fromArray(F, up, uOff + i)).intoArray(gate, gOff + i);
        }
        for (; i < n; i++) {
            float g = gate[gOff + i];
            gate[gOff + i] = g / (1f + (float) Math.exp(-g)) * up[uOff + i];
        }
    }

    @Override
    public float max(float[] x, int off, int n) {
        Objects.checkFromIndexSize(off, n, x.length);
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) m = m.max(FloatVector.fromArray(F, x, off + i));
        float result = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) result = Math.max(result, x[off + i]);
        return result;
    }

    @Override
    public double sumExp(float[] x, int off, int n, float shift) {
        Objects.checkFromIndexSize(off, n, x.length);
        FloatVector s = FloatVector.broadcast(F, shift);
        DoubleVector lo = DoubleVector.zero(D), hi = lo;
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(F, x, off + i).sub(s).lanewise(VectorOperators.EXP);
            lo = lo.add(e.convertShape(VectorOperators.F2D, D, 0));
            hi = hi.add(e.convertShape(VectorOperators.F2D, D, 1));
        }
        double sum = sum(lo.add(hi));
        for (; i < n; i++) sum += (float) Math.exp(x[off + i] - shift);
        return sum;
    }

    @Override
    public int firstAtLeast(float[] x, int from, int to, float threshold) {
        Objects.checkFromToIndex(from, to, x.length);
        FloatVector t = FloatVector.broadcast(F, threshold);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            VectorMask<Float> hit = FloatVector.fromArray(F, x, i).compare(VectorOperators.GE, t);
            if (hit.anyTrue()) return i + hit.firstTrue();
        }
        for (; i < to; i++) if (x[i] >= threshold) return i;
        return to;
    }

    @Override
    public void rotateHalves(float[] x, int off, int nHeads, int headDim, float[] cos, float[] sin) {
        if (headDim <= 0 || headDim % 2 != 0) throw new IllegalArgumentException("head dimension must be positive and even, got " + headDim);
        int half = headDim / 2;
        Objects.checkFromIndexSize(off, Math.multiplyExact(nHeads, headDim), x.length);
        Objects.checkFromIndexSize(0, half, cos.length);
        Objects.checkFromIndexSize(0, half, sin.length);
        int bound = F.loopBound(half);
        for (int h = 0; h < nHeads; h++) {
            int base = off + h * headDim;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector x0 = FloatVector.fromArray(F, x, base + i);
                FloatVector x1 = FloatVector.fromArray(F, x, base + half + i);
                FloatVector c = FloatVector.fromArray(F, cos, i);
                FloatVector s = FloatVector.fromArray(F, sin, i);
                x0.mul(c).sub(x1.mul(s)).intoArray(x, base + i);
                x0.mul(s).add(x1.mul(c)).intoArray(x, base + half + i);
            }
            for (; i < half; i++) {
                float x0 = x[base + i], x1 = x[base + half + i];
                x[base + i] = x0 * cos[i] - x1 * sin[i];
                x[base + half + i] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }
}
