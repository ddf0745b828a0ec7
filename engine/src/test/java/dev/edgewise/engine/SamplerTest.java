package dev.edgewise.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SamplerTest {
    private static final float[] LOGITS = {1f, 3f, 2f, 3f, -1f, 0.5f};

    @Test
    void greedyTakesTheArgmaxLowestIdOnTies() {
        Sampler s = new Sampler(SamplingParams.GREEDY);
        assertThat(s.sample(LOGITS, 0, LOGITS.length, new int[0], 0)).isEqualTo(1);
    }

    @Test
    void topKOfOneIsGreedyWhateverTheTemperature() {
        Sampler s = new Sampler(SamplingParams.defaults(7).withTopK(1).withTemperature(5f));
        for (int i = 0; i < 50; i++) assertThat(s.sample(LOGITS, 0, LOGITS.length, new int[0], 0)).isEqualTo(1);
    }

    @Test
    void sameSeedSameDraws() {
        int[] a = draws(new Sampler(SamplingParams.defaults(123).withMinP(0f).withTopK(0).withTopP(1f).withTemperature(1f)), 200);
        int[] b = draws(new Sampler(SamplingParams.defaults(123).withMinP(0f).withTopK(0).withTopP(1f).withTemperature(1f)), 200);
        int[] c = draws(new Sampler(SamplingParams.defaults(124).withMinP(0f).withTopK(0).withTopP(1f).withTemperature(1f)), 200);
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void frequenciesFollowTheSoftmaxAtTemperatureOne() {
        float[] logits = {0f, (float) Math.log(3)}; // p = 1/4, 3/4
        Sampler s = new Sampler(new SamplingParams(1f, 0, 1f, 0f, 1f, 64, 99));
        int ones = 0, n = 20_000;
        for (int i = 0; i < n; i++) ones += s.sample(logits, 0, 2, new int[0], 0);
        assertThat(ones / (double) n).isBetween(0.73, 0.77);
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        Sampler s = new Sampler(new SamplingParams(1f, 0, 0.6f, 0f, 1f, 64, 5)); // keeps {0, 1}
        boolean[] seen = new boolean[3];
        for (int i = 0; i < 2000; i++) seen[s.sample(logits, 0, 3, new int[0], 0)] = true;
        assertThat(seen).containsExactly(true, true, false);
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTop() {
        float[] logits = {(float) Math.log(0.6), (float) Math.log(0.35), (float) Math.log(0.05)};
        Sampler s = new Sampler(new SamplingParams(1f, 0, 1f, 0.1f, 1f, 64, 5)); // 0.05 < 0.1*0.6
        boolean[] seen = new boolean[3];
        for (int i = 0; i < 2000; i++) seen[s.sample(logits, 0, 3, new int[0], 0)] = true;
        assertThat(seen).containsExactly(true, true, false);
    }

    @Test
    void repeatPenaltyDividesPositiveAndMultipliesNegativeLogitsOnce() {
        float[] logits = {2.0f, 1.9f, -1f};
        int[] history = {0, 0, 0};
        // penalty 1.5: logit 0 -> 1.333 (once, not thrice), so token 1 (1.9) wins
        Sampler s = new Sampler(new SamplingParams(0f, 0, 1f, 0f, 1.5f, 64, 0));
        assertThat(s.sample(logits, 0, 3, history, 3)).isEqualTo(1);
        assertThat(history).containsExactly(0, 0, 0);
        assertThat(logits).containsExactly(2.0f, 1.9f, -1f);
    }

    @Test
    void topKDrawsOnlyFromTheKLargestOfALargeVocabulary() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        float[] logits = new float[50_000];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) Math.floor(r.nextGaussian() * 20) / 4; // many ties
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        java.util.Set<Integer> top = new java.util.HashSet<>(java.util.Arrays.asList(order).subList(0, 25));
        Sampler s = new Sampler(new SamplingParams(3f, 25, 1f, 0f, 1f, 64, 8));
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 3000; i++) seen.add(s.sample(logits, 0, logits.length, new int[0], 0));
        assertThat(top).containsAll(seen);
        assertThat(seen.size()).as("a hot temperature reaches most of the 25").isGreaterThan(15);
    }

    @Test
    void logProbabilityIsNormalised() {
        double total = 0;
        for (int t = 0; t < LOGITS.length; t++) total += Math.exp(Sampler.logProbability(LOGITS, 0, LOGITS.length, t));
        assertThat(total).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void rejectsNonsenseParameters() {
        assertThatThrownBy(() -> new SamplingParams(-1f, 0, 1f, 0f, 1f, 64, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingParams(1f, 0, 0f, 0f, 1f, 64, 0)).hasMessageContaining("top-p");
        assertThatThrownBy(() -> new SamplingParams(1f, 0, 1f, 1f, 1f, 64, 0)).hasMessageContaining("min-p");
    }

    private static int[] draws(Sampler s, int n) {
        float[] logits = new float[50];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) Math.sin(i);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = s.sample(logits, 0, logits.length, new int[0], 0);
        return out;
    }
}
