package dev.edgewise.engine.heads;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HiddenStatePoolerTest {

    /** Token t's hidden state is {@code t + i}, so each chunk mean is (first + last) / 2 + i. */
    private static float[] ramp(int tokens, int dim) {
        float[] h = new float[tokens * dim];
        for (int t = 0; t < tokens; t++) for (int i = 0; i < dim; i++) h[t * dim + i] = t + i;
        return h;
    }

    private static HiddenStatePooler feed(Pooling p, int dim, int chunk, float alpha, float[] states) {
        HiddenStatePooler pooler = new HiddenStatePooler(p, dim, chunk, alpha);
        for (int off = 0; off < states.length; off += dim) pooler.accept(states, off);
        return pooler;
    }

    @Test
    void emaOver300TokensInChunksOf128_128_44() {
        int dim = 5;
        HiddenStatePooler p = feed(Pooling.EMA, dim, 128, 0.5f, ramp(300, dim));
        // chunk means: tokens 0..127 -> 63.5 + i; 128..255 -> 191.5 + i; 256..299 (44 tokens) -> 277.5 + i
        // pooled = 0.5 * 277.5 + 0.5 * (0.5 * 191.5 + 0.5 * 63.5) = 138.75 + 47.875 + 15.875 = 202.5 (+ i)
        float[] pooled = p.pooled();
        for (int i = 0; i < dim; i++) assertThat(pooled[i]).isEqualTo(202.5f + i);
        assertThat(p.count()).isEqualTo(300);
    }

    @Test
    void emaWithFullChunksOnlyAndOtherAlpha() {
        int dim = 3;
        // 256 tokens: 0.25 * 191.5 + 0.75 * 63.5 = 47.875 + 47.625 = 95.5 with alpha 0.25
        float[] pooled = feed(Pooling.EMA, dim, 128, 0.25f, ramp(256, dim)).pooled();
        for (int i = 0; i < dim; i++) assertThat(pooled[i]).isEqualTo(95.5f + i);
        // fewer tokens than one chunk: the partial chunk alone is the first chunk, its plain mean
        float[] one = feed(Pooling.EMA, dim, 128, 0.5f, ramp(10, dim)).pooled();
        for (int i = 0; i < dim; i++) assertThat(one[i]).isEqualTo(4.5f + i);
        // alpha 1: only the newest chunk counts
        float[] newest = feed(Pooling.EMA, dim, 128, 1f, ramp(300, dim)).pooled();
        for (int i = 0; i < dim; i++) assertThat(newest[i]).isEqualTo(277.5f + i);
    }

    /** Against an independent reference: split into chunk means first, then fold them. */
    @Test
    void emaMatchesAChunkThenFoldReference() {
        Random rnd = new Random(7);
        int dim = 6, chunk = 7;
        float alpha = 0.3f;
        for (int tokens : new int[] {1, 6, 7, 8, 14, 15, 50}) {
            float[] h = new float[tokens * dim];
            for (int k = 0; k < h.length; k++) h[k] = (float) rnd.nextGaussian();
            double[] ref = null;
            for (int start = 0; start < tokens; start += chunk) {
                int end = Math.min(tokens, start + chunk);
                double[] mean = new double[dim];
                for (int t = start; t < end; t++) for (int i = 0; i < dim; i++) mean[i] += h[t * dim + i];
                for (int i = 0; i < dim; i++) mean[i] /= (end - start);
                if (ref == null) {
                    ref = mean;
                } else {
                    for (int i = 0; i < dim; i++) ref[i] = alpha * mean[i] + (1 - alpha) * ref[i];
                }
            }
            float[] got = feed(Pooling.EMA, dim, chunk, alpha, h).pooled();
            for (int i = 0; i < dim; i++) assertThat((double) got[i]).as(tokens + " tokens, [" + i + "]").isCloseTo(ref[i], within(ref[i]));
        }
    }

    private static org.assertj.core.data.Offset<Double> within(double x) {
        return org.assertj.core.data.Offset.offset(1e-6 * Math.max(1, Math.abs(x)));
    }

    @Test
    void readingMidStreamDoesNotDisturbTheState() {
        int dim = 4;
        float[] h = ramp(300, dim);
        HiddenStatePooler p = new HiddenStatePooler(Pooling.EMA, dim, 128, 0.5f);
        for (int off = 0; off < h.length; off += dim) {
            p.accept(h, off);
            p.pooled();
        }
        assertThat(p.pooled()).containsExactly(feed(Pooling.EMA, dim, 128, 0.5f, h).pooled());
        assertThat(p.pooled()).containsExactly(202.5f, 203.5f, 204.5f, 205.5f);
    }

    @Test
    void meanAndLast() {
        int dim = 3;
        float[] h = ramp(300, dim);
        HiddenStatePooler mean = feed(Pooling.MEAN, dim, 128, 0.5f, h);
        assertThat(mean.pooled()).containsExactly(149.5f, 150.5f, 151.5f);
        HiddenStatePooler last = feed(Pooling.LAST, dim, 128, 0.5f, h);
        assertThat(last.pooled()).containsExactly(299f, 300f, 301f);
        float[] out = last.pooled();
        out[0] = -1;
        assertThat(last.pooled()[0]).as("pooled() returns a copy").isEqualTo(299f);
    }

    @Test
    void readsOnlyItsSliceOfABatchArray() {
        float[] batch = {9, 9, 1, 2, 3, 9, 9};
        HiddenStatePooler p = new HiddenStatePooler(Pooling.MEAN, 3, 128, 0.5f);
        p.accept(batch, 2);
        assertThat(p.pooled()).containsExactly(1f, 2f, 3f);
        assertThatThrownBy(() -> p.accept(batch, 5)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> p.accept(batch, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(p.count()).isEqualTo(1);
    }

    @Test
    void resetForgetsEverything() {
        int dim = 2;
        HiddenStatePooler p = feed(Pooling.EMA, dim, 4, 0.5f, ramp(9, dim));
        p.reset();
        assertThat(p.count()).isZero();
        assertThatThrownBy(p::pooled).isInstanceOf(IllegalStateException.class);
        float[] h = ramp(10, dim);
        for (int off = 0; off < h.length; off += dim) p.accept(h, off);
        assertThat(p.pooled()).containsExactly(feed(Pooling.EMA, dim, 4, 0.5f, h).pooled());
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new HiddenStatePooler(Pooling.MEAN, 4, 128, 0.5f).pooled())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no hidden states");
        assertThatThrownBy(() -> new HiddenStatePooler(Pooling.EMA, 0, 128, 0.5f)).hasMessageContaining("dim 0");
        assertThatThrownBy(() -> new HiddenStatePooler(Pooling.EMA, 4, 0, 0.5f)).hasMessageContaining("chunk 0");
        assertThatThrownBy(() -> new HiddenStatePooler(Pooling.EMA, 4, 128, 0f)).hasMessageContaining("alpha 0.0");
        assertThatThrownBy(() -> new HiddenStatePooler(Pooling.EMA, 4, 128, Float.NaN)).hasMessageContaining("alpha NaN");
        assertThatThrownBy(() -> new HiddenStatePooler(null, 4, 128, 0.5f)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void poolingSpellings() {
        assertThat(Pooling.parse("mean")).isEqualTo(Pooling.MEAN);
        assertThat(Pooling.parse("EMA")).isEqualTo(Pooling.EMA);
        assertThat(Pooling.parse("last")).isEqualTo(Pooling.LAST);
        for (Pooling p : Pooling.values()) assertThat(Pooling.parse(p.key())).isEqualTo(p);
        assertThatThrownBy(() -> Pooling.parse("max")).hasMessage("unknown pooling 'max' (expected mean, ema or last)");
        assertThatThrownBy(() -> Pooling.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
