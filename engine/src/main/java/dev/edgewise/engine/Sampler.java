package dev.edgewise.engine;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses tokens from logits. Holds its own seeded random stream and candidate buffers, so each
 * sequence (branch) owns one and its draws do not depend on what else runs beside it. Buffers are
 * allocated on the first call only.
 *
 * <p>Filters follow llama.cpp's chain: repetition penalty, top-k, top-p, min-p, temperature, draw.
 * Top-p and min-p both keep a prefix of the candidates sorted by logit, so the kept prefix is the
 * shorter of the two.
 */
public final class Sampler {
    /** Candidates more than this far below the top logit carry < vocab·e^-40 probability mass. */
    private static final float NEGLIGIBLE_LOGIT_GAP = 40f;

    private final SamplingParams params;
    private final SplittableRandom random;
    private float[] work = new float[0];
    private long[] candidates = new long[0];
    private double[] weights = new double[0];
    private boolean[] penalised = new boolean[0];

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    public SamplingParams params() {
        return params;
    }

    /**
     * Picks the next token from {@code logits[offset .. offset+vocab)} given the tokens seen so
     * far ({@code history[0..historyLength)}, for the repetition penalty). Does not modify logits.
     */
    public int sample(float[] logits, int offset, int vocab, int[] history, int historyLength) {
        if (work.length < vocab) {
            work = new float[vocab];
            candidates = new long[vocab];
            weights = new double[vocab];
            penalised = new boolean[vocab];
        }
        System.arraycopy(logits, offset, work, 0, vocab);
        applyRepeatPenalty(history, historyLength, vocab);
        if (params.greedy()) return argmax(work, 0, vocab);

        int n = collectCandidates(vocab);
        double max = work[id(candidates[0])];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += weights[i] = Math.exp(work[id(candidates[i])] - max);

        int kept = n;
        if (params.topP() < 1f) {
            double cumulative = 0;
            for (int i = 0; i < n; i++) {
                cumulative += weights[i] / sum;
                if (cumulative >= params.topP()) {
                    kept = i + 1;
                    break;
                }
            }
        }
        if (params.minP() > 0f) {
            int i = 1;
            while (i < kept && weights[i] >= params.minP()) i++; // weights[0] == 1, so this is p_i / p_max
            kept = i;
        }

        double total = 0;
        for (int i = 0; i < kept; i++) total += weights[i] = Math.exp((work[id(candidates[i])] - max) / params.temperature());
        double r = random.nextDouble() * total;
        for (int i = 0; i < kept; i++) {
            r -= weights[i];
            if (r < 0) return id(candidates[i]);
        }
        return id(candidates[kept - 1]);
    }

    /**
     * Fills candidates[0..n) with the tokens still in play, sorted by descending logit (lower id
     * first on ties), and returns n. Each entry packs an order-preserving key of the logit with
     * the token id so one primitive sort orders them.
     */
    private int collectCandidates(int vocab) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, work[i]);
        float floor = max - NEGLIGIBLE_LOGIT_GAP;
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            if (work[i] >= floor) candidates[n++] = pack(work[i], i);
        }
        Arrays.sort(candidates, 0, n);
        if (params.topK() > 0) n = Math.min(n, params.topK());
        return n;
    }

    /** Ascending order of the packed value = descending logit, then ascending id. */
    private static long pack(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int ascending = bits >= 0 ? bits ^ Integer.MIN_VALUE : ~bits; // monotone map float -> unsigned int
        long descending = 0xFFFF_FFFFL - (ascending & 0xFFFF_FFFFL);
        return ((descending << 32) | id) ^ Long.MIN_VALUE; // unsigned order -> signed order for Arrays.sort
    }

    private static int id(long packed) {
        return (int) packed;
    }

    /** llama.cpp's penalty: each recent token once; positive logits divided, negative multiplied. */
    private void applyRepeatPenalty(int[] history, int historyLength, int vocab) {
        if (params.repeatPenalty() == 1f || params.repeatLastN() == 0) return;
        int from = Math.max(0, historyLength - params.repeatLastN());
        for (int i = from; i < historyLength; i++) {
            int t = history[i];
            if (t < 0 || t >= vocab || penalised[t]) continue;
            penalised[t] = true;
            work[t] = work[t] > 0 ? work[t] / params.repeatPenalty() : work[t] * params.repeatPenalty();
        }
        for (int i = from; i < historyLength; i++) {
            int t = history[i];
            if (t >= 0 && t < vocab) penalised[t] = false;
        }
    }

    /** Index of the largest value; the lowest index wins a tie. */
    public static int argmax(float[] values, int offset, int n) {
        int best = 0;
        float bestValue = values[offset];
        for (int i = 1; i < n; i++) {
            if (values[offset + i] > bestValue) {
                bestValue = values[offset + i];
                best = i;
            }
        }
        return best;
    }

    /** Natural log-probability of {@code token} under the softmax of the raw logits. */
    public static float logProbability(float[] logits, int offset, int vocab, int token) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i] - max);
        return (float) (logits[offset + token] - max - Math.log(sum));
    }
}
