package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.lora.LoraTarget;
import dev.edgewise.kernels.MatMul;
import dev.edgewise.kernels.Rope;
import dev.edgewise.kernels.VectorOps;
import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.kernels.WorkerPool;


/**
 * The decoder forward pass of every {@link Architecture}, as llama.cpp runs {@code qwen2} and
 * {@code qwen3}: embedding; per block RMSNorm → q/k/v projections (+ biases for Qwen2; per-head
 * RMSNorm of q and k for Qwen3) → NeoX RoPE → grouped-query attention → output projection →
 * residual → RMSNorm → SwiGLU MLP → residual; final RMSNorm and the (tied or separate) output
 * matrix. Queries are {@code nHeads × headDim} wide, which need not be the model width.
 *
 * <p>A pass evaluates a {@link ForwardBatch}: rows from one or many sequences (a prompt, or one new
 * token of every live branch). Every matmul runs once over the weights for all rows, which is what
 * makes both prompt processing and multi-branch decoding cheap: decoding is bound by streaming the
 * weights, and a batch of branches streams them once. Projections of one input (q, k and v; gate and
 * up) run as one loop over all their rows, so the input is quantized once and a GQA model's small key
 * and value matrices do not each wake the pool (0.5B Q4_0 decode +4-8%, 1.5B +8%, alternated).
 * Keys and values go to a {@link PagedKvCache};
 * attention ({@link Attention}) reads each row's own sequence through its block table.
 *
 * <p>Scratch buffers are allocated once for the largest chunk, so steady-state decoding does not
 * allocate. Not thread-safe: one instance per decode loop.
 */
public final class TransformerForward {
    private final ModelConfig c;
    private final ModelWeights w;
    private final WorkerPool pool;
    private final Rope rope;
    private final int maxBatch;
    private final float attentionScale;

    // activations of one chunk, [row][width] row-major
    private final float[] x, xb, q, k, v, att, proj, gate, up;
    private final int[] chunkAdapters;
    /** Per layer, the matrices that share an input and run as one loop: {wq, wk, wv} and {gate, up}; and their outputs. */
    private final WeightMatrix[][] qkv, gateUp;
    private final float[][] qkvOut, gateUpOut;
    private float[] logits = new float[0];
    private float[] chunkLogits = new float[0];
    private final Attention attention;
    private ProjectionDeltas deltas = ProjectionDeltas.NONE;
    private long tokensEvaluated;

    public TransformerForward(ModelConfig config, ModelWeights weights, WorkerPool pool, int maxBatch) {
        this(config, weights, pool, maxBatch, 0);
    }

    /** A forward pass that continues another's token count (when weights are swapped for fused ones). */
    TransformerForward(ModelConfig config, ModelWeights weights, WorkerPool pool, int maxBatch, long tokensEvaluated) {
        this.tokensEvaluated = tokensEvaluated;
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1");
        this.c = config;
        this.w = weights;
        this.pool = pool;
        this.maxBatch = maxBatch;
        this.rope = new Rope(config.headDim(), config.ropeFreqBase());
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
        int d = config.dim(), qDim = config.qDim();
        x = new float[maxBatch * d];
        xb = new float[maxBatch * d];
        q = new float[maxBatch * qDim];
        k = new float[maxBatch * config.kvDim()];
        v = new float[maxBatch * config.kvDim()];
        att = new float[maxBatch * qDim];
        proj = new float[maxBatch * d];
        gate = new float[maxBatch * config.ffnDim()];
        up = new float[maxBatch * config.ffnDim()];
        chunkAdapters = new int[maxBatch];
        int layers = weights.layers().length;
        qkv = new WeightMatrix[layers][];
        gateUp = new WeightMatrix[layers][];
        for (int l = 0; l < layers; l++) {
            LayerWeights lw = weights.layers()[l];
            qkv[l] = new WeightMatrix[] {lw.wq(), lw.wk(), lw.wv()};
            gateUp[l] = new WeightMatrix[] {lw.gate(), lw.up()};
        }
        qkvOut = new float[][] {q, k, v};
        gateUpOut = new float[][] {gate, up};
        attention = new Attention(config, pool, attentionScale);
    }

    public ModelConfig config() {
        return c;
    }

    public ModelWeights weights() {
        return w;
    }

    /** Rows per pass; larger batches are split into chunks of this size. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Tokens run through the transformer so far (tests use it to prove a prompt is encoded once). */
    public long tokensEvaluated() {
        return tokensEvaluated;
    }

    /** Installs the low-rank (LoRA) deltas added after each projection; {@link ProjectionDeltas#NONE} for none. */
    public void setDeltas(ProjectionDeltas deltas) {
        this.deltas = deltas == null ? ProjectionDeltas.NONE : deltas;
    }

    /**
     * Evaluates every row of {@code batch}, appending keys and values to each row's sequence.
     * Returns the logits of the rows that asked for them, as consecutive [vocab] rows in row order.
     * The returned array is reused by the next call.
     */
    public float[] forward(ForwardBatch batch, PagedKvCache cache) {
        int n = batch.size, vocab = c.vocabSize();
        for (int i = 0; i < n; i++) {
            if (batch.tokens[i] < 0 || batch.tokens[i] >= vocab) {
                throw new IllegalArgumentException("token id " + batch.tokens[i] + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        int logitRows = batch.logitRows();
        if (logits.length < (long) logitRows * vocab) logits = new float[Math.multiplyExact(logitRows, vocab)];
        int logitsDone = 0;
        for (int start = 0; start < n; start += maxBatch) {
            int end = Math.min(n, start + maxBatch);
            reserve(batch, start, end, cache);
            runChunk(batch, start, end, cache);
            for (int i = start; i < end; i++) {
                if (i == lastRowOf(batch, batch.sequences[i], start, end)) cache.advance(batch.sequences[i], batch.positions[i] + 1 - batch.sequences[i].length());
            }
            logitsDone += computeLogits(batch, start, end, logitsDone);
        }
        tokensEvaluated += n;
        return logits;
    }

    /**
     * Checks rows continue their sequence and makes sure the chunk's positions are reserved: a
     * no-op for the model's scheduler, which reserves them before it builds a step (and decides
     * there what a sequence without room does); direct callers get the reservation here.
     */
    private static void reserve(ForwardBatch batch, int start, int end, PagedKvCache cache) {
        for (int i = start; i < end; i++) {
            KvSequence s = batch.sequences[i];
            if (firstRowOf(batch, s, start, end) != i) continue;
            int count = 0;
            for (int j = i; j < end; j++) {
                if (batch.sequences[j] != s) continue;
                if (batch.positions[j] != s.length() + count) {
                    throw new IllegalStateException("row " + j + " of " + s + " is at position " + batch.positions[j]
                            + ", expected " + (s.length() + count));
                }
                count++;
            }
            cache.reserve(s, count);
        }
    }

    private static int firstRowOf(ForwardBatch batch, KvSequence s, int start, int end) {
        for (int i = start; i < end; i++) if (batch.sequences[i] == s) return i;
        return -1;
    }

    private static int lastRowOf(ForwardBatch batch, KvSequence s, int start, int end) {
        for (int i = end - 1; i >= start; i--) if (batch.sequences[i] == s) return i;
        return -1;
    }

    private void runChunk(ForwardBatch batch, int start, int end, PagedKvCache cache) {
        int b = end - start, d = c.dim(), qDim = c.qDim(), kvDim = c.kvDim();
        for (int t = 0; t < b; t++) w.embed(batch.tokens[start + t], x, t * d);
        int[] adapters = chunkAdapters;
        System.arraycopy(batch.adapters, start, adapters, 0, b);
        attention.plan(batch, start, b, cache);
        for (int l = 0; l < c.nLayers(); l++) {
            LayerWeights lw = w.layers()[l];
            rmsnormRows(lw.attnNorm(), b);
            MatMul.matmul(pool, qkv[l], xb, qkvOut, b);
            deltas.apply(l, LoraTarget.ATTN_Q, xb, q, b, adapters);
            deltas.apply(l, LoraTarget.ATTN_K, xb, k, b, adapters);
            deltas.apply(l, LoraTarget.ATTN_V, xb, v, b, adapters);
            for (int t = 0; t < b; t++) {
                int pos = batch.positions[start + t];
                if (lw.bq() != null) {
                    VectorOps.add(lw.bq(), 0, q, t * qDim, qDim);
                    VectorOps.add(lw.bk(), 0, k, t * kvDim, kvDim);
                    VectorOps.add(lw.bv(), 0, v, t * kvDim, kvDim);
                }
                if (lw.qNorm() != null) {
                    normalizeHeads(q, t * qDim, c.nHeads(), lw.qNorm());
                    normalizeHeads(k, t * kvDim, c.nKvHeads(), lw.kNorm());
                }
                rope.apply(q, t * qDim, c.nHeads(), pos);
                rope.apply(k, t * kvDim, c.nKvHeads(), pos);
                cache.store(batch.sequences[start + t], pos, l, k, t * kvDim, v, t * kvDim);
            }
            attention.run(cache, l, q, att);
            project(l, LoraTarget.ATTN_OUTPUT, lw.wo(), att, proj, b, adapters);
            VectorOps.add(proj, 0, x, 0, b * d);

            rmsnormRows(lw.ffnNorm(), b);
            MatMul.matmul(pool, gateUp[l], xb, gateUpOut, b);
            deltas.apply(l, LoraTarget.FFN_GATE, xb, gate, b, adapters);
            deltas.apply(l, LoraTarget.FFN_UP, xb, up, b, adapters);
            VectorOps.siluMul(gate, 0, up, 0, b * c.ffnDim());
            project(l, LoraTarget.FFN_DOWN, lw.down(), gate, proj, b, adapters);
            VectorOps.add(proj, 0, x, 0, b * d);
            if (l == batch.hiddenLayer) emitHidden(batch, start, b, false);
        }
        if (batch.hiddenLayer < 0) emitHidden(batch, start, b, true);
    }

    /** Hands the chunk's requested hidden states to the batch's sink (after the final norm if {@code normed}). */
    private void emitHidden(ForwardBatch batch, int start, int b, boolean normed) {
        if (batch.hiddenSink == null) return;
        int d = c.dim();
        for (int t = 0; t < b; t++) {
            if (!batch.wantHidden[start + t]) continue;
            if (normed) {
                VectorOps.rmsnorm(proj, 0, x, t * d, w.outputNorm(), d, c.rmsEps());
                batch.hiddenSink.accept(start + t, proj, 0);
            } else {
                batch.hiddenSink.accept(start + t, x, t * d);
            }
        }
    }

    private void project(int layer, LoraTarget target, WeightMatrix m, float[] in, float[] out, int b, int[] adapters) {
        MatMul.matmul(pool, m, in, out, b);
        deltas.apply(layer, target, in, out, b, adapters);
    }

    /** Qwen3's q/k norm: each of {@code heads} consecutive head vectors RMS-normalised in place and scaled by {@code weight}. */
    private void normalizeHeads(float[] x, int off, int heads, float[] weight) {
        int hd = c.headDim();
        for (int h = 0; h < heads; h++) VectorOps.rmsnorm(x, off + h * hd, x, off + h * hd, weight, hd, c.rmsEps());
    }

    private void rmsnormRows(float[] weight, int b) {
        int d = c.dim();
        for (int t = 0; t < b; t++) VectorOps.rmsnorm(xb, t * d, x, t * d, weight, d, c.rmsEps());
    }

    /** Final norm and output matrix for the chunk's rows that want logits; returns how many. */
    private int computeLogits(ForwardBatch batch, int start, int end, int logitsDone) {
        int d = c.dim(), vocab = c.vocabSize(), n = 0;
        for (int i = start; i < end; i++) {
            if (batch.wantLogits[i]) VectorOps.rmsnorm(xb, n++ * d, x, (i - start) * d, w.outputNorm(), d, c.rmsEps());
        }
        if (n == 0) return 0;
        WeightMatrix out = w.output();
        if (logitsDone == 0) {
            MatMul.matmul(pool, out, xb, logits, n);
        } else {
            if (chunkLogits.length < n * vocab) chunkLogits = new float[maxBatch * vocab];
            MatMul.matmul(pool, out, xb, chunkLogits, n);
            System.arraycopy(chunkLogits, 0, logits, logitsDone * vocab, n * vocab);
        }
        return n;
    }
}
