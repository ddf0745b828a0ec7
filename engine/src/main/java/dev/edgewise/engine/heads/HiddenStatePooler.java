package dev.edgewise.engine.heads;

import java.util.Arrays;
import java.util.Objects;

/**
 * Reduces the hidden states of a prompt's tokens to one vector, streaming: feed each token's hidden state in
 * prompt order with {@link #accept} as the prefill produces them, then read {@link #pooled}. Accumulation is
 * in double, in token order, so the result does not depend on how the engine batched its prefill.
 *
 * <ul>
 *   <li>{@link Pooling#MEAN}: {@code pooled = sum(h_t) / n} over all {@code n} tokens.</li>
 *   <li>{@link Pooling#LAST}: the last token's hidden state.</li>
 *   <li>{@link Pooling#EMA}: tokens are grouped into consecutive chunks of {@code chunk} tokens counted from the
 *       first token fed to this pooler (chunk {@code c} holds tokens {@code [c*chunk, (c+1)*chunk)}), whatever
 *       batch sizes the prefill used. With {@code m_c} the mean of chunk {@code c}:
 *       <pre>
 *   pooled_1 = m_1
 *   pooled_c = alpha * m_c + (1 - alpha) * pooled_(c-1)     for c = 2, 3, ...</pre>
 *       A trailing partial chunk (1 to {@code chunk - 1} tokens) counts as a chunk with its own mean. So 300
 *       tokens with chunk 128 and alpha 0.5 give chunks of 128, 128 and 44 tokens and
 *       {@code pooled = 0.5 m_3 + 0.25 m_2 + 0.25 m_1}. {@link #pooled} does not close the partial chunk: more
 *       tokens may follow, and a later call sees them in the same chunk.</li>
 * </ul>
 *
 * <p>Not thread-safe; one pooler per prompt.
 */
public final class HiddenStatePooler {
    private final Pooling pooling;
    private final int dim;
    private final int chunk;
    private final double alpha;
    /** MEAN: sum over all tokens; EMA: sum over the open chunk; LAST: unused. */
    private final double[] sum;
    /** EMA over the closed chunks (valid when closedChunks > 0). */
    private final double[] ema;
    /** LAST: the latest token. */
    private final float[] last;
    private int inChunk;
    private int closedChunks;
    private int count;

    /**
     * @param chunk tokens per EMA chunk (at least 1; ignored by MEAN and LAST)
     * @param alpha weight of the newest chunk, in (0, 1] (ignored by MEAN and LAST)
     */
    public HiddenStatePooler(Pooling p, int dim, int chunk, float alpha) {
        this.pooling = Objects.requireNonNull(p, "pooling");
        if (dim < 1) throw new IllegalArgumentException("dim " + dim + " < 1");
        if (chunk < 1) throw new IllegalArgumentException("chunk " + chunk + " < 1");
        if (!(alpha > 0f && alpha <= 1f)) throw new IllegalArgumentException("alpha " + alpha + " is not in (0, 1]");
        this.dim = dim;
        this.chunk = chunk;
        this.alpha = alpha;
        this.sum = p == Pooling.LAST ? null : new double[dim];
        this.ema = p == Pooling.EMA ? new double[dim] : null;
        this.last = p == Pooling.LAST ? new float[dim] : null;
    }

    public Pooling pooling() { return pooling; }

    public int dim() { return dim; }

    /** Adds one token's hidden state, {@code hidden[offset .. offset + dim)}. */
    public void accept(float[] hidden, int offset) {
        Objects.checkFromIndexSize(offset, dim, hidden.length);
        if (count == Integer.MAX_VALUE) throw new IllegalStateException("more than " + Integer.MAX_VALUE + " tokens");
        count++;
        switch (pooling) {
            case LAST -> System.arraycopy(hidden, offset, last, 0, dim);
            case MEAN -> add(hidden, offset);
            case EMA -> {
                add(hidden, offset);
                if (++inChunk == chunk) {
                    fold(ema, closedChunks == 0);
                    closedChunks++;
                    Arrays.fill(sum, 0.0);
                    inChunk = 0;
                }
            }
        }
    }

    private void add(float[] hidden, int offset) {
        for (int i = 0; i < dim; i++) sum[i] += hidden[offset + i];
    }

    /** Folds the open chunk's mean into {@code into} (an EMA state): replaces it if {@code first}. */
    private void fold(double[] into, boolean first) {
        for (int i = 0; i < dim; i++) {
            double mean = sum[i] / inChunk;
            into[i] = first ? mean : alpha * mean + (1.0 - alpha) * into[i];
        }
    }

    /**
     * The pooled vector of the tokens so far (a new array of length dim).
     *
     * @throws IllegalStateException if no token was accepted
     */
    public float[] pooled() {
        if (count == 0) throw new IllegalStateException("no hidden states were pooled yet");
        float[] out = new float[dim];
        switch (pooling) {
            case LAST -> System.arraycopy(last, 0, out, 0, dim);
            case MEAN -> {
                for (int i = 0; i < dim; i++) out[i] = (float) (sum[i] / count);
            }
            case EMA -> {
                double[] state = ema;
                if (inChunk > 0) { // the partial chunk counts, without closing it
                    state = ema.clone();
                    fold(state, closedChunks == 0);
                }
                for (int i = 0; i < dim; i++) out[i] = (float) state[i];
            }
        }
        return out;
    }

    /** Tokens accepted so far. */
    public int count() { return count; }

    /** Forgets all tokens, for reuse on another prompt. */
    public void reset() {
        if (sum != null) Arrays.fill(sum, 0.0);
        if (ema != null) Arrays.fill(ema, 0.0);
        if (last != null) Arrays.fill(last, 0f);
        inChunk = 0;
        closedChunks = 0;
        count = 0;
    }
}
