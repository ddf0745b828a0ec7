package dev.edgewise.server;

import dev.edgewise.engine.TokenConstraint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The {@code top_logprobs} alternatives of every sampled token. The engine hands each branch's raw
 * logits row to its {@link TokenConstraint} before sampling; this one masks nothing and records
 * the row's {@code k} most likely tokens with their log-probabilities, so sampling is unchanged.
 * Recorders are made once per branch, in branch order; they run on the scheduler's thread.
 */
final class TopLogprobs implements Supplier<TokenConstraint> {
    /** The most likely tokens of one position, most likely first. */
    record Alternatives(int[] tokens, float[] logprobs) {}

    private final int k;
    private final List<Recorder> branches = new ArrayList<>();

    TopLogprobs(int k) {
        this.k = k;
    }

    @Override
    public synchronized TokenConstraint get() {
        Recorder r = new Recorder();
        branches.add(r);
        return r;
    }

    /** The alternatives of token {@code index} of {@code branch}, or null (a token injected by budget forcing). */
    synchronized Alternatives at(int branch, int index) {
        if (branch >= branches.size()) return null;
        List<Alternatives> list = branches.get(branch).positions;
        synchronized (list) {
            return index < list.size() ? list.get(index) : null;
        }
    }

    private final class Recorder implements TokenConstraint {
        final List<Alternatives> positions = new ArrayList<>();
        private Alternatives pending;

        @Override
        public void mask(float[] logits, int offset, int vocab) {
            pending = top(logits, offset, vocab, k);
        }

        @Override
        public void accept(int token) {
            synchronized (positions) {
                positions.add(pending);
            }
            pending = null;
        }
    }

    /** The k largest logits of a row as log-probabilities (log-softmax), most likely first. */
    static Alternatives top(float[] logits, int offset, int vocab, int k) {
        k = Math.min(k, vocab);
        int[] ids = new int[k];
        float[] vals = new float[k];
        Arrays.fill(vals, Float.NEGATIVE_INFINITY);
        Arrays.fill(ids, -1);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            float v = logits[offset + i];
            if (v > max) max = v;
            if (v > vals[k - 1]) { // insertion into the sorted top k
                int j = k - 1;
                while (j > 0 && vals[j - 1] < v) {
                    vals[j] = vals[j - 1];
                    ids[j] = ids[j - 1];
                    j--;
                }
                vals[j] = v;
                ids[j] = i;
            }
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i] - max);
        float logZ = (float) (max + Math.log(sum));
        int n = 0;
        while (n < k && ids[n] >= 0) n++;
        float[] lp = new float[n];
        for (int i = 0; i < n; i++) lp[i] = vals[i] - logZ;
        return new Alternatives(Arrays.copyOf(ids, n), lp);
    }
}
