package dev.edgewise.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Each vector op on every width against a scalar (float64 where the contract says so) reference. */
class VectorOpsTest {
    /** Lengths around every vector width and its multiples, so vector loops and scalar tails both run. */
    private static final int[] LENGTHS = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257, 1000};
    private static final int[] OFFSETS = {0, 3};

    private static float[] random(Random rnd, int n, float lo, float hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + rnd.nextFloat() * (hi - lo);
        return a;
    }

    private static void within(double got, double want, double tolerance, String what) {
        if (!(Math.abs(got - want) <= tolerance)) fail(what + ": got " + got + ", want " + want + " (tolerance " + tolerance + ")");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void dot(SimdKernels k) {
        Random rnd = new Random(1);
        for (int n : LENGTHS) for (int off : OFFSETS) {
            float[] a = random(rnd, n + off + 2, -1, 1), b = random(rnd, n + 2 * off + 1, -1, 1);
            double ref = 0, magnitude = 0;
            for (int i = 0; i < n; i++) {
                ref += (double) a[off + i] * b[2 * off + i];
                magnitude += Math.abs((double) a[off + i] * b[2 * off + i]);
            }
            within(k.dot(a, off, b, 2 * off, n), ref, 1e-6 * magnitude + 1e-30, "dot n=" + n + " off=" + off);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void axpyAddScaleAreExactlyTheScalarFloatOps(SimdKernels k) {
        Random rnd = new Random(2);
        for (int n : LENGTHS) for (int off : OFFSETS) {
            float[] x = random(rnd, n + off, -4, 4), y = random(rnd, n + 2 * off + 3, -4, 4);
            float alpha = rnd.nextFloat() * 3 - 1.5f;

            float[] want = y.clone(), got = y.clone();
            for (int i = 0; i < n; i++) want[2 * off + i] = Math.fma(x[off + i], alpha, want[2 * off + i]);
            k.axpy(alpha, x, off, got, 2 * off, n);
            assertThat(got).as("axpy n=%d off=%d", n, off).containsExactly(want);

            want = y.clone();
            got = y.clone();
            for (int i = 0; i < n; i++) want[2 * off + i] += x[off + i];
            k.add(x, off, got, 2 * off, n);
            assertThat(got).as("add n=%d off=%d", n, off).containsExactly(want);

            want = y.clone();
            got = y.clone();
            for (int i = 0; i < n; i++) want[off + i] *= alpha;
            k.scale(got, off, n, alpha);
            assertThat(got).as("scale n=%d off=%d", n, off).containsExactly(want);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void rmsnormMatchesFloat64(SimdKernels k) {
        Random rnd = new Random(3);
        int[] lengths = Arrays.copyOf(LENGTHS, LENGTHS.length + 1);
        lengths[LENGTHS.length] = 1 << 17; // long enough for a float-accumulated mean to drift past 1e-6
        for (int n : lengths) for (int off : OFFSETS) {
            if (n == 0) continue;
            // a wide dynamic range makes a float-accumulated mean of squares visibly wrong
            float[] x = new float[n + off];
            for (int i = 0; i < x.length; i++) x[i] = (float) ((rnd.nextDouble() + 1) * Math.pow(10, rnd.nextInt(3)));
            float[] weight = random(rnd, n, -2, 2);
            float eps = 1e-6f;
            double sumSquares = 0;
            for (int i = 0; i < n; i++) sumSquares += (double) x[off + i] * x[off + i];
            double inverseRms = 1 / Math.sqrt(sumSquares / n + eps);

            float[] out = new float[n + 2 * off];
            k.rmsnorm(out, 2 * off, x, off, weight, n, eps);
            float[] inPlace = x.clone();
            k.rmsnorm(inPlace, off, inPlace, off, weight, n, eps);
            for (int i = 0; i < n; i++) {
                double want = x[off + i] * inverseRms * weight[i];
                within(out[2 * off + i], want, 1e-6 * Math.abs(want) + 1e-30, "rmsnorm n=" + n + " i=" + i);
                assertEquals(out[2 * off + i], inPlace[off + i], "in-place rmsnorm n=" + n + " i=" + i);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void softmaxMatchesFloat64(SimdKernels k) {
        Random rnd = new Random(4);
        for (int rows : new int[] {1, 3}) for (int n : LENGTHS) for (int off : OFFSETS) {
            float[] x = random(rnd, rows * n + off + 1, -20, 20);
            float[] got = x.clone();
            float[] maxes = new float[rows + 1];
            double[] sums = new double[rows + 2];
            k.softmaxRows(got, off, rows, n, maxes, 1, sums, 2);
            for (int r = 0; r < rows; r++) {
                int o = off + r * n;
                String what = "softmax rows=" + rows + " row " + r + " n=" + n;
                if (n == 0) {
                    assertEquals(Float.NEGATIVE_INFINITY, maxes[1 + r], what);
                    assertEquals(0, sums[2 + r], what);
                    continue;
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) max = Math.max(max, x[o + i]);
                double sum = 0;
                for (int i = 0; i < n; i++) sum += Math.exp(x[o + i] - max);
                double total = 0;
                for (int i = 0; i < n; i++) {
                    double want = Math.exp(x[o + i] - max) / sum;
                    // exp to ~1e-6 relative, plus the float rounding of x - max (half an ulp of |x - max|)
                    double tolerance = want * (1e-6 + Math.abs(x[o + i] - max) * 0x1p-24) + 1e-37;
                    within(got[o + i], want, tolerance, what + " i=" + i);
                    total += got[o + i];
                }
                within(total, 1, 1e-5, what + " total");
                assertEquals((float) max, maxes[1 + r], what + " maximum");
                within(sums[2 + r], sum, 1e-5 * sum, what + " denominator");
            }
            assertEquals(0f, maxes[0], "before the maxima");
            assertEquals(0, sums[1], "before the sums");
            assertEquals(x[off + rows * n], got[off + rows * n], "element after the range");
            if (off > 0) assertEquals(x[off - 1], got[off - 1], "element before the range");
        }
    }

    @Test
    void softmaxReturnsItsRowsDenominator() {
        float[] x = {1f, 2f, 3f};
        double sum = VectorOps.softmax(x, 0, 3);
        assertEquals(1 + Math.exp(-1) + Math.exp(-2), sum, 1e-6);
        assertEquals(1, x[0] + x[1] + x[2], 1e-6);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void siluMulMatchesFloat64(SimdKernels k) {
        Random rnd = new Random(5);
        for (int n : LENGTHS) for (int off : OFFSETS) {
            float[] gate = random(rnd, n + off, -20, 20), up = random(rnd, n + 2 * off, -3, 3);
            float[] got = gate.clone();
            k.siluMul(got, off, up, 2 * off, n);
            for (int i = 0; i < n; i++) {
                double g = gate[off + i];
                double want = g / (1 + Math.exp(-g)) * up[2 * off + i];
                within(got[off + i], want, 1e-6 * Math.abs(want) + 1e-37, "siluMul n=" + n + " i=" + i);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void max(SimdKernels k) {
        Random rnd = new Random(6);
        for (int n : LENGTHS) for (int off : OFFSETS) {
            float[] x = random(rnd, n + off, -100, 100);
            float want = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) want = Math.max(want, x[off + i]);
            assertEquals(want, k.max(x, off, n), "max n=" + n);
            if (n > 0) {
                x[off + n - 1] = Float.NaN; // in the scalar tail or the last vector, depending on width
                assertThat(k.max(x, off, n)).isNaN();
                x[off] = Float.NaN;
                assertThat(k.max(x, off, n)).isNaN();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void sumExpMatchesFloat64(SimdKernels k) {
        Random rnd = new Random(8);
        for (int n : LENGTHS) for (int off : OFFSETS) {
            float[] x = random(rnd, n + off, -30, 30);
            float shift = n == 0 ? 0 : k.max(x, off, n);
            double want = 0, bound = 0;
            for (int i = 0; i < n; i++) {
                double e = Math.exp((double) x[off + i] - shift);
                want += e;
                bound += e * (1e-6 + Math.abs(x[off + i] - shift) * 0x1p-24); // exp error + rounding of x - shift
            }
            within(k.sumExp(x, off, n, shift), want, bound + 1e-300, "sumExp n=" + n);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void firstAtLeastFindsTheFirstCandidate(SimdKernels k) {
        Random rnd = new Random(9);
        for (int n : LENGTHS) for (int from = 0; from <= Math.min(n, 5); from++) {
            float[] x = random(rnd, n, -1, 1);
            for (float threshold : new float[] {-2f, 0.9f, 0.99f, 2f}) {
                int want = from;
                while (want < n && !(x[want] >= threshold)) want++;
                assertEquals(want, k.firstAtLeast(x, from, n, threshold), "n=" + n + " from=" + from + " t=" + threshold);
            }
            if (n > from) {
                x[n - 1] = 5f; // only in the last lane or the scalar tail
                for (int i = from; i < n - 1; i++) x[i] = i % 3 == 0 ? Float.NaN : 0f;
                assertEquals(n - 1, k.firstAtLeast(x, from, n, 1f), "last element, NaN never counts; n=" + n);
                assertEquals(n - 1, k.firstAtLeast(x, from, n - 1, 1f), "the end bound is exclusive");
            }
        }
        assertThatThrownBy(() -> k.firstAtLeast(new float[4], 2, 5, 0f)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void staticFacadeDelegatesToThePreferredKernels() {
        Random rnd = new Random(7);
        float[] a = random(rnd, 50, -1, 1), b = random(rnd, 50, -1, 1);
        SimdKernels k = SimdKernels.preferred();
        assertEquals(k.dot(a, 1, b, 2, 40), VectorOps.dot(a, 1, b, 2, 40));
        assertEquals(k.max(a, 3, 30), VectorOps.max(a, 3, 30));

        float[] y1 = b.clone(), y2 = b.clone();
        k.axpy(0.5f, a, 0, y1, 0, 50);
        VectorOps.axpy(0.5f, a, 0, y2, 0, 50);
        k.add(a, 0, y1, 0, 50);
        VectorOps.add(a, 0, y2, 0, 50);
        k.scale(y1, 0, 50, 3f);
        VectorOps.scale(y2, 0, 50, 3f);
        k.siluMul(y1, 0, a, 0, 50);
        VectorOps.siluMul(y2, 0, a, 0, 50);
        k.softmaxRows(y1, 5, 2, 20, null, 0, null, 0);
        VectorOps.softmaxRows(y2, 5, 2, 20, null, 0, null, 0);
        float[] o1 = new float[50], o2 = new float[50];
        k.rmsnorm(o1, 0, y1, 0, a, 50, 1e-5f);
        VectorOps.rmsnorm(o2, 0, y2, 0, a, 50, 1e-5f);
        assertThat(o2).containsExactly(o1);
    }

    @Test
    void rangesOutsideTheArrayAreRejected() {
        float[] a = new float[10];
        assertThatThrownBy(() -> VectorOps.dot(a, 5, a, 0, 6)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> VectorOps.add(a, 0, a, -1, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> VectorOps.rmsnorm(a, 0, a, 0, new float[5], 10, 1e-6f)).isInstanceOf(IndexOutOfBoundsException.class);
        float[] unchanged = Arrays.copyOf(a, a.length);
        assertThatThrownBy(() -> VectorOps.softmax(a, 8, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> VectorOps.softmaxRows(a, 0, 3, 4, null, 0, null, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> VectorOps.softmaxRows(a, 0, 2, 4, new float[1], 0, null, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> VectorOps.softmaxRows(a, 0, 2, 4, null, 0, new double[2], 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> VectorOps.softmaxRows(a, 0, -1, 4, null, 0, null, 0)).hasMessageContaining("must not be negative");
        assertThat(a).containsExactly(unchanged);
    }
}
