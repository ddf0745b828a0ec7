package dev.edgewise.engine;

import dev.edgewise.kernels.VectorOps;

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

        float max = VectorOps.max(work, 0, vocab);
        int n;
        double mass = 0; // unnormalised probability of the set that top-p is measured against
        boolean topK = params.topK() > 0 && params.topK() < vocab;
        if (topK) {
            n = selectTopK(vocab, params.topK()); // top-p is then measured against the k kept
        } else {
            mass = VectorOps.sumExp(work, 0, vocab, max);
            // min-p keeps p_i >= minP * p_max, i.e. logit_i >= max + ln(minP): filter before sorting
            float floor = params.minP() > 0f ? max + (float) Math.log(params.minP()) : max - NEGLIGIBLE_LOGIT_GAP;
            n = 0;
            for (int i = VectorOps.firstAtLeast(work, 0, vocab, floor); i < vocab; i = VectorOps.firstAtLeast(work, i + 1, vocab, floor)) {
                candidates[n++] = pack(work[i], i);
            }
            Arrays.sort(candidates, 0, n);
        }
        for (int i = 0; i < n; i++) weights[i] = Math.exp(work[id(candidates[i])] - max);
        if (topK) for (int i = 0; i < n; i++) mass += weights[i];

        int kept = n;
        if (params.topP() < 1f) {
            double cumulative = 0;
            for (int i = 0; i < n; i++) {
                cumulative += weights[i] / mass;
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
     * Puts the k best tokens into candidates[0..k), sorted (descending logit, lower id first on
     * ties), through a bounded heap: O(vocab log k) rather than sorting the vocabulary. Once the
     * heap is full only logits at least its worst one can enter, and a vector comparison skips
     * the long runs of those that cannot.
     */
    private int selectTopK(int vocab, int k) {
        int size = 0; // candidates[0..size) is a heap whose root is the worst kept token
        for (; size < k; size++) siftUp(size, pack(work[size], size));
        for (int i = k; ; i++) {
            i = VectorOps.firstAtLeast(work, i, vocab, work[id(candidates[0])]);
            if (i == vocab) break;
            long key = pack(work[i], i);
            if (key < candidates[0]) siftDown(k, key);
        }
        Arrays.sort(candidates, 0, size);
        return size;
    }

    private void siftUp(int i, long key) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (candidates[parent] >= key) break;
            candidates[i] = candidates[parent];
            i = parent;
        }
        candidates[i] = key;
    }

    private void siftDown(int size, long key) {
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) break;
            if (child + 1 < size && candidates[child + 1] > candidates[child]) child++;
            if (candidates[child] <= key) break;
            candidates[i] = candidates[child];
            i = child;
        }
        candidates[i] = key;
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
        float max = VectorOps.max(logits, offset, vocab);
        double sum = VectorOps.sumExp(logits, offset, vocab, max);
        return (float) (logits[offset + token] - max - Math.log(sum));
    }
}
