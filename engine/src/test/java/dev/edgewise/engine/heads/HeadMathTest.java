package dev.edgewise.engine.heads;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The switcher and verifier against plain scalar implementations written here, independently. */
class HeadMathTest {

    /** Reference switcher: hidden layer into an array, ReLU, then the output dot product; float math. */
    private static double referenceLogit(float[] w1, float[] b1, float[] w2, float b2, int dim, int hidden, float[] x) {
        float[] h = new float[hidden];
        for (int j = 0; j < hidden; j++) {
            float acc = 0f;
            for (int i = 0; i < dim; i++) acc += w1[j * dim + i] * x[i];
            h[j] = Math.max(0f, acc + b1[j]);
        }
        float out = 0f;
        for (int j = 0; j < hidden; j++) out += w2[j] * h[j];
        return out + b2;
    }

    private static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    private static void assertClose(double actual, double expected, String what) {
        assertThat(Math.abs(actual - expected)).as(what + ": " + actual + " vs " + expected)
                .isLessThanOrEqualTo(1e-6 * Math.max(1.0, Math.abs(expected)));
    }

    private static float[] gaussian(Random rnd, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (std * rnd.nextGaussian());
        return v;
    }

    @Test
    void switcherMatchesTheReference() {
        Random rnd = new Random(11);
        for (int hidden : new int[] {8, 1, 5}) {
            int dim = 64;
            float[] w1 = gaussian(rnd, hidden * dim, 0.2), b1 = gaussian(rnd, hidden, 0.1), w2 = gaussian(rnd, hidden, 0.5);
            float b2 = (float) rnd.nextGaussian() * 0.1f;
            SwitcherHead s = new SwitcherHead(-1, Pooling.MEAN, 128, 0.5f, 0.5f, w1, b1, w2, b2, dim, hidden);
            int activeSomewhere = 0;
            for (int trial = 0; trial < 20; trial++) {
                float[] x = gaussian(rnd, dim, 1.0);
                double ref = referenceLogit(w1, b1, w2, b2, dim, hidden, x);
                assertClose(s.logit(x), ref, "logit, hidden " + hidden);
                assertClose(s.probability(x), sigmoid(ref), "probability, hidden " + hidden);
                assertThat(s.reason(x)).isEqualTo(s.probability(x) >= 0.5f);
                if (ref != b2) activeSomewhere++;
            }
            assertThat(activeSomewhere).as("some ReLU units fire, so the test sees fc1").isPositive();
        }
    }

    @Test
    void switcherByHand() {
        // dim 2, hidden 2: h = relu([1*x0 + 2*x1 + 0.5, -1*x0 + 0*x1 - 1]); logit = 3*h0 - 2*h1 - 1
        SwitcherHead s = new SwitcherHead(3, Pooling.LAST, 128, 0.5f, 0.7f,
                new float[] {1, 2, -1, 0}, new float[] {0.5f, -1}, new float[] {3, -2}, -1f, 2, 2);
        assertThat(s.logit(new float[] {1, 1})).isEqualTo(3f * 3.5f - 1f);       // h = [3.5, 0]
        assertThat(s.logit(new float[] {-4, 0})).isEqualTo(-1f - 2f * 3f);        // h = [0, 3]
        assertThat(s.probability(new float[] {-4, 0})).isEqualTo((float) sigmoid(-7));
        assertThat(s.reason(new float[] {1, 1})).isTrue();
        assertThat(s.reason(new float[] {-4, 0})).isFalse();
        // threshold is inclusive: logit 0 -> p = 0.5 -> reason at threshold 0.5
        SwitcherHead half = new SwitcherHead(-1, Pooling.MEAN, 128, 0.5f, 0.5f, new float[] {0}, new float[] {0},
                new float[] {0}, 0f, 1, 1);
        assertThat(half.probability(new float[] {3})).isEqualTo(0.5f);
        assertThat(half.reason(new float[] {3})).isTrue();
        assertThatThrownBy(() -> s.logit(new float[3])).hasMessageContaining("length 3, expected 2");
    }

    @Test
    void sigmoidSaturatesWithoutNaN() {
        SwitcherHead big = new SwitcherHead(-1, Pooling.MEAN, 128, 0.5f, 0.5f, new float[] {0}, new float[] {0},
                new float[] {0}, 1e30f, 1, 1);
        assertThat(big.probability(new float[] {0})).isEqualTo(1f);
        SwitcherHead small = new SwitcherHead(-1, Pooling.MEAN, 128, 0.5f, 0.5f, new float[] {0}, new float[] {0},
                new float[] {0}, -1e30f, 1, 1);
        assertThat(small.probability(new float[] {0})).isEqualTo(0f);
    }

    @Test
    void newPoolerIsConfiguredLikeTheHead() {
        SwitcherHead s = new SwitcherHead(-1, Pooling.EMA, 4, 0.25f, 0.5f, new float[3], new float[1], new float[1], 0f, 3, 1);
        HiddenStatePooler p = s.newPooler();
        assertThat(p.pooling()).isEqualTo(Pooling.EMA);
        assertThat(p.dim()).isEqualTo(3);
        float[] h = new float[8 * 3];
        for (int t = 0; t < 8; t++) for (int i = 0; i < 3; i++) h[t * 3 + i] = t;
        for (int t = 0; t < 8; t++) p.accept(h, t * 3);
        assertThat(p.pooled()[0]).isEqualTo(0.25f * 5.5f + 0.75f * 1.5f); // chunks of 4, alpha 0.25
    }

    @Test
    void switcherRejectsInconsistentParts() {
        float[] w1 = new float[16], b1 = new float[8], w2 = new float[8];
        assertThatThrownBy(() -> new SwitcherHead(-1, Pooling.MEAN, 128, 0.5f, 0.5f, w1, b1, w2, 0f, 3, 8)).hasMessageContaining("w1 has 16");
        assertThatThrownBy(() -> new SwitcherHead(-1, Pooling.MEAN, 128, 0.5f, 0.5f, w1, new float[7], w2, 0f, 2, 8)).hasMessageContaining("b1 has 7");
        assertThatThrownBy(() -> new SwitcherHead(-1, Pooling.MEAN, 128, 0.5f, 0.5f, w1, b1, new float[1], 0f, 2, 8)).hasMessageContaining("w2 has 1");
        assertThatThrownBy(() -> new SwitcherHead(-2, Pooling.MEAN, 128, 0.5f, 0.5f, w1, b1, w2, 0f, 2, 8)).hasMessageContaining("layer -2");
        assertThatThrownBy(() -> new SwitcherHead(-1, Pooling.MEAN, 0, 0.5f, 0.5f, w1, b1, w2, 0f, 2, 8)).hasMessageContaining("chunk 0");
        assertThatThrownBy(() -> new SwitcherHead(-1, Pooling.MEAN, 128, 1.5f, 0.5f, w1, b1, w2, 0f, 2, 8)).hasMessageContaining("alpha 1.5");
        assertThatThrownBy(() -> new SwitcherHead(-1, Pooling.MEAN, 128, 0.5f, -0.1f, w1, b1, w2, 0f, 2, 8)).hasMessageContaining("threshold -0.1");
        assertThatThrownBy(() -> new SwitcherHead(-1, Pooling.MEAN, 128, 0.5f, 0.5f, w1, b1, w2, Float.NaN, 2, 8)).hasMessageContaining("b2 is NaN");
        float[] bad = w1.clone();
        bad[5] = Float.POSITIVE_INFINITY;
        assertThatThrownBy(() -> new SwitcherHead(-1, Pooling.MEAN, 128, 0.5f, 0.5f, bad, b1, w2, 0f, 2, 8)).hasMessageContaining("w1[5] is Infinity");
    }

    @Test
    void headsCopyTheirArrays() {
        float[] w1 = {1}, b1 = {0}, w2 = {1};
        SwitcherHead s = new SwitcherHead(-1, Pooling.MEAN, 128, 0.5f, 0.5f, w1, b1, w2, 0f, 1, 1);
        w1[0] = 100;
        s.w1()[0] = 100;
        assertThat(s.logit(new float[] {2})).isEqualTo(2f);
        float[] w = {1, 1};
        VerifierHead v = new VerifierHead(-1, w, 0f, 2, Float.NaN);
        w[0] = 100;
        v.w()[1] = 100;
        assertThat(v.logit(new float[] {1, 1}, 0)).isEqualTo(2f);
        assertThat(s).isEqualTo(new SwitcherHead(-1, Pooling.MEAN, 128, 0.5f, 0.5f, new float[] {1}, b1, w2, 0f, 1, 1));
        assertThat(v).isEqualTo(new VerifierHead(-1, new float[] {1, 1}, 0f, 2, Float.NaN));
    }

    @Test
    void verifierMatchesTheReference() {
        Random rnd = new Random(5);
        int dim = 96;
        float[] w = gaussian(rnd, dim, 0.1);
        float b = 0.3f;
        VerifierHead v = new VerifierHead(2, w, b, dim, 0.6f);
        float[] batch = gaussian(rnd, 4 * dim, 1.0); // four tokens' hidden states side by side
        for (int t = 0; t < 4; t++) {
            float z = b;
            for (int i = 0; i < dim; i++) z += w[i] * batch[t * dim + i];
            assertClose(v.logit(batch, t * dim), z, "logit, token " + t);
            assertClose(v.score(batch, t * dim), sigmoid(z), "score, token " + t);
            assertThat(v.passes(batch, t * dim)).isEqualTo(v.score(batch, t * dim) >= 0.6f);
        }
        assertThatThrownBy(() -> v.score(batch, 3 * dim + 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void verifierThresholdIsOptional() {
        VerifierHead none = new VerifierHead(-1, new float[] {1}, 0f, 1, Float.NaN);
        assertThat(none.hasThreshold()).isFalse();
        assertThat(none.score(new float[] {0}, 0)).isEqualTo(0.5f);
        assertThatThrownBy(() -> none.passes(new float[] {0}, 0)).isInstanceOf(IllegalStateException.class);
        VerifierHead some = new VerifierHead(-1, new float[] {1}, 0f, 1, 0.5f);
        assertThat(some.passes(new float[] {0}, 0)).isTrue();
        assertThat(some.passes(new float[] {-0.01f}, 0)).isFalse();
        assertThatThrownBy(() -> new VerifierHead(-1, new float[] {1}, 0f, 1, 2f)).hasMessageContaining("threshold 2.0");
        assertThatThrownBy(() -> new VerifierHead(-1, new float[] {1}, 0f, 2, 0.5f)).hasMessageContaining("w has 1 values, expected dim = 2");
        assertThatThrownBy(() -> new VerifierHead(-1, new float[] {Float.NaN}, 0f, 1, 0.5f)).hasMessageContaining("w[0] is NaN");
        assertThatThrownBy(() -> new VerifierHead(-5, new float[] {1}, 0f, 1, 0.5f)).hasMessageContaining("layer -5");
    }
}
