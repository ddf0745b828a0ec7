package dev.edgewise.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

class RopeTest {
    private static final int[] HEAD_DIMS = {2, 6, 10, 64, 128}; // halves 1, 3, 5, 32, 64: tails at every width
    private static final int[] POSITIONS = {0, 1, 17, 1000, 32767};

    /** NeoX rotation of one pair in float64, angles as the contract defines them. */
    private static float[] reference(float[] x, int off, int nHeads, int headDim, float base, int pos) {
        float[] out = x.clone();
        int half = headDim / 2;
        for (int h = 0; h < nHeads; h++) {
            int b = off + h * headDim;
            for (int i = 0; i < half; i++) {
                double theta = pos * Math.pow(base, -2.0 * i / headDim);
                double c = Math.cos(theta), s = Math.sin(theta);
                double x0 = x[b + i], x1 = x[b + half + i];
                out[b + i] = (float) (x0 * c - x1 * s);
                out[b + half + i] = (float) (x0 * s + x1 * c);
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.edgewise.kernels.TestKernels#all")
    void rotatesHalvesLikeTheFloat64Reference(SimdKernels k) {
        Random rnd = new Random(11);
        for (float base : new float[] {10000f, 1000000f}) {
            for (int headDim : HEAD_DIMS) {
                Rope rope = new Rope(headDim, base, k);
                for (int nHeads : new int[] {1, 3}) {
                    for (int pos : POSITIONS) {
                        int off = 5;
                        float[] x = new float[off + nHeads * headDim + 4];
                        for (int i = 0; i < x.length; i++) x[i] = rnd.nextFloat() * 4 - 2;
                        float[] want = reference(x, off, nHeads, headDim, base, pos);
                        float[] got = x.clone();
                        rope.apply(got, off, nHeads, pos);
                        for (int i = 0; i < x.length; i++) {
                            boolean inside = i >= off && i < off + nHeads * headDim;
                            if (!inside && got[i] != x[i]) fail("element " + i + " outside the heads changed");
                            // cos/sin rounded to float, then float arithmetic: a few ulps of the pair's size
                            int half = headDim / 2;
                            int j = (i - off) % headDim;
                            int pair = inside ? (j < half ? i + half : i - half) : i;
                            double tolerance = 1e-6 * (Math.abs(x[i]) + Math.abs(x[pair]));
                            if (!(Math.abs(got[i] - want[i]) <= tolerance)) {
                                fail("headDim " + headDim + " heads " + nHeads + " pos " + pos + " element " + i
                                        + ": got " + got[i] + ", want " + want[i]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void positionZeroIsTheIdentity() {
        float[] x = {1.5f, -2.25f, 3f, 0.125f, 7f, -1f, 2f, 9f};
        float[] got = x.clone();
        new Rope(4, 1e6f).apply(got, 0, 2, 0);
        assertThat(got).containsExactly(x);
    }

    @Test
    void alternatingPositionsUseTheirOwnAngles() {
        Rope rope = new Rope(64, 1e6f);
        Random rnd = new Random(2);
        float[] x = new float[128];
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextFloat();
        float[] at5 = x.clone(), at9 = x.clone();
        rope.apply(at5, 0, 2, 5);
        rope.apply(at9, 0, 2, 9);
        float[] again5 = x.clone();
        rope.apply(again5, 0, 2, 5);
        assertThat(again5).containsExactly(at5);
        assertThat(at9).isNotEqualTo(at5);
    }

    @Test
    void threadsRotatingAtDifferentPositionsDoNotInterfere() throws Exception {
        Rope rope = new Rope(64, 1e6f);
        float[] x = new float[64];
        for (int i = 0; i < x.length; i++) x[i] = i * 0.01f;
        float[][] expected = new float[8][];
        for (int p = 0; p < 8; p++) {
            expected[p] = reference(x, 0, 1, 64, 1e6f, p * 100);
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            Future<?>[] futures = new Future<?>[8];
            for (int p = 0; p < 8; p++) {
                int pos = p * 100;
                float[] want = expected[p];
                futures[p] = pool.submit(() -> {
                    for (int rep = 0; rep < 200; rep++) {
                        float[] got = x.clone();
                        rope.apply(got, 0, 1, pos);
                        for (int i = 0; i < 64; i++) {
                            if (Math.abs(got[i] - want[i]) > 1e-5) throw new AssertionError("pos " + pos + " element " + i);
                        }
                    }
                    return null;
                });
            }
            for (Future<?> f : futures) f.get();
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new Rope(7, 1e6f)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("even");
        assertThatThrownBy(() -> new Rope(64, 0f)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("base frequency");
        Rope rope = new Rope(8, 1e4f);
        assertThatThrownBy(() -> rope.apply(new float[16], 0, 2, -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> rope.apply(new float[16], 1, 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
