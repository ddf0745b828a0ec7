package dev.edgewise.engine;

import dev.edgewise.kernels.MatMul;
import dev.edgewise.kernels.Rope;
import dev.edgewise.kernels.VectorOps;
import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.kernels.WorkerPool;

/**
 * The Qwen2 forward pass as llama.cpp runs {@code general.architecture = qwen2}: embedding,
 * per block RMSNorm → GQA attention with q/k/v bias and NeoX RoPE → residual → RMSNorm → SwiGLU MLP
 * → residual, final RMSNorm and the (tied or separate) output matrix.
 *
 * <p>Tokens are evaluated in batches: every matmul runs once over the weights for the whole batch,
 * which is what makes prompt evaluation fast. Scratch buffers are allocated once for the largest
 * batch, so the decode loop does not allocate. Not thread-safe: one instance per generating thread.
 */
public final class Qwen2Forward {
    private final ModelConfig c;
    private final ModelWeights w;
    private final WorkerPool pool;
    private final Rope rope;
    private final int maxBatch;
    private final float attentionScale;

    // activations, [batch][width] row-major
    private final float[] x, xb, q, k, v, att, proj, gate, up;
    private float[] logits = new float[0];
    /** Per-thread attention score scratch, grown to the longest context seen. */
    private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[256]);

    /** Counts tokens run through the transformer; tests use it to prove a prompt is encoded once. */
    private long tokensEvaluated;

    public Qwen2Forward(ModelConfig config, ModelWeights weights, WorkerPool pool, int maxBatch) {
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1");
        this.c = config;
        this.w = weights;
        this.pool = pool;
        this.maxBatch = maxBatch;
        this.rope = new Rope(config.headDim(), config.ropeFreqBase());
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
        int d = config.dim();
        x = new float[maxBatch * d];
        xb = new float[maxBatch * d];
        q = new float[maxBatch * d];
        k = new float[maxBatch * config.kvDim()];
        v = new float[maxBatch * config.kvDim()];
        att = new float[maxBatch * d];
        proj = new float[maxBatch * d];
        gate = new float[maxBatch * config.ffnDim()];
        up = new float[maxBatch * config.ffnDim()];
    }

    public ModelConfig config() {
        return c;
    }

    public long tokensEvaluated() {
        return tokensEvaluated;
    }

    /**
     * Evaluates {@code tokens[0..n)} at the next positions of {@code cache} and appends their keys
     * and values. Returns the logits of the last token, or with {@code allLogits} those of every
     * token as rows of a [n][vocab] array. The returned array is reused by the next call.
     */
    public float[] forward(int[] tokens, int n, KvCache cache, boolean allLogits) {
        if (n < 1) throw new IllegalArgumentException("no tokens to evaluate");
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[i] + " is outside the vocabulary [0, " + c.vocabSize() + ")");
            }
        }
        cache.reserve(n);
        int rows = allLogits ? n : 1;
        if (logits.length < (long) rows * c.vocabSize()) logits = new float[Math.multiplyExact(rows, c.vocabSize())];
        for (int start = 0; start < n; start += maxBatch) {
            int b = Math.min(maxBatch, n - start);
            runBatch(tokens, start, b, cache);
            if (allLogits) {
                computeLogits(0, b, start);
            } else if (start + b == n) {
                computeLogits(b - 1, 1, 0);
            }
        }
        tokensEvaluated += n;
        return logits;
    }

    private void runBatch(int[] tokens, int start, int b, KvCache cache) {
        int d = c.dim(), kvDim = c.kvDim();
        int pos0 = cache.length();
        for (int t = 0; t < b; t++) w.embed(tokens[start + t], x, t * d);
        for (int l = 0; l < c.nLayers(); l++) {
            LayerWeights lw = w.layers()[l];
            rmsnormRows(lw.attnNorm(), b);
            MatMul.matmul(pool, lw.wq(), xb, q, b);
            MatMul.matmul(pool, lw.wk(), xb, k, b);
            MatMul.matmul(pool, lw.wv(), xb, v, b);
            float[] kCache = cache.keys(l), vCache = cache.values(l);
            for (int t = 0; t < b; t++) {
                VectorOps.add(lw.bq(), 0, q, t * d, d);
                VectorOps.add(lw.bk(), 0, k, t * kvDim, kvDim);
                VectorOps.add(lw.bv(), 0, v, t * kvDim, kvDim);
                rope.apply(q, t * d, c.nHeads(), pos0 + t);
                rope.apply(k, t * kvDim, c.nKvHeads(), pos0 + t);
                System.arraycopy(k, t * kvDim, kCache, (pos0 + t) * kvDim, kvDim);
                System.arraycopy(v, t * kvDim, vCache, (pos0 + t) * kvDim, kvDim);
            }
            attention(kCache, vCache, pos0, b);
            MatMul.matmul(pool, lw.wo(), att, proj, b);
            VectorOps.add(proj, 0, x, 0, b * d);

            rmsnormRows(lw.ffnNorm(), b);
            MatMul.matmul(pool, lw.gate(), xb, gate, b);
            MatMul.matmul(pool, lw.up(), xb, up, b);
            VectorOps.siluMul(gate, 0, up, 0, b * c.ffnDim());
            MatMul.matmul(pool, lw.down(), gate, proj, b);
            VectorOps.add(proj, 0, x, 0, b * d);
        }
        cache.advance(b);
    }

    /** Causal attention of the batch's queries over every cached position up to their own. */
    private void attention(float[] kCache, float[] vCache, int pos0, int b) {
        int nHeads = c.nHeads(), headDim = c.headDim(), kvDim = c.kvDim(), group = c.groupSize(), d = c.dim();
        pool.parallelFor(b * nHeads, (from, to) -> {
            float[] s = scratchScores(pos0 + b);
            for (int item = from; item < to; item++) {
                int t = item / nHeads, h = item % nHeads;
                int qOff = t * d + h * headDim;
                int kvOff = (h / group) * headDim;
                int len = pos0 + t + 1;
                for (int p = 0; p < len; p++) {
                    s[p] = VectorOps.dot(q, qOff, kCache, p * kvDim + kvOff, headDim) * attentionScale;
                }
                VectorOps.softmax(s, 0, len);
                java.util.Arrays.fill(att, qOff, qOff + headDim, 0f);
                for (int p = 0; p < len; p++) {
                    VectorOps.axpy(s[p], vCache, p * kvDim + kvOff, att, qOff, headDim);
                }
            }
        });
    }

    private float[] scratchScores(int n) {
        float[] s = scores.get();
        if (s.length < n) {
            s = new float[Math.max(n, 2 * s.length)];
            scores.set(s);
        }
        return s;
    }

    private void rmsnormRows(float[] weight, int b) {
        int d = c.dim();
        for (int t = 0; t < b; t++) VectorOps.rmsnorm(xb, t * d, x, t * d, weight, d, c.rmsEps());
    }

    /** Logits of batch rows [first, first+count) into logits rows [outRow, outRow+count). */
    private void computeLogits(int first, int count, int outRow) {
        int d = c.dim();
        for (int t = 0; t < count; t++) {
            VectorOps.rmsnorm(xb, t * d, x, (first + t) * d, w.outputNorm(), d, c.rmsEps());
        }
        WeightMatrix out = w.output();
        if (outRow == 0) {
            MatMul.matmul(pool, out, xb, logits, count);
        } else {
            float[] tmp = new float[count * c.vocabSize()];
            MatMul.matmul(pool, out, xb, tmp, count);
            System.arraycopy(tmp, 0, logits, outRow * c.vocabSize(), tmp.length);
        }
    }
}
