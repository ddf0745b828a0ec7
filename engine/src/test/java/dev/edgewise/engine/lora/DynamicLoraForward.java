package dev.edgewise.engine.lora;

import dev.edgewise.engine.LayerWeights;
import dev.edgewise.engine.ModelConfig;
import dev.edgewise.engine.ModelWeights;
import dev.edgewise.kernels.MatMul;
import dev.edgewise.kernels.Rope;
import dev.edgewise.kernels.VectorOps;
import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.kernels.WorkerPool;

import java.util.List;

/**
 * Test oracle for on-the-fly LoRA: a plain Qwen2 forward over one batch holding a whole sequence
 * (same arithmetic as {@code Qwen2Forward}), with {@link LoraKernels#addDelta} after every adapted
 * projection. It shows where the deltas go: after {@code W x} and before the bias, RoPE and the
 * SwiGLU product, i.e. on the raw projection output. Adapter {@code i} applies to the batch rows
 * {@code rows[i]} (null: all rows), the shape a mixed multi-sequence batch takes.
 */
final class DynamicLoraForward {
    private DynamicLoraForward() {}

    static float[][] logits(ModelConfig c, ModelWeights w, WorkerPool pool, List<ScaledAdapter> adapters, int[][] rows, int[] tokens) {
        int n = tokens.length, d = c.dim(), kvDim = c.kvDim(), ffn = c.ffnDim(), hd = c.headDim();
        float[] x = new float[n * d], xb = new float[n * d], q = new float[n * d], k = new float[n * kvDim], v = new float[n * kvDim];
        float[] att = new float[n * d], proj = new float[n * d], gate = new float[n * ffn], up = new float[n * ffn];
        LoraScratch scratch = LoraScratch.forModel(c, n, 64);
        Rope rope = new Rope(hd, c.ropeFreqBase());
        float attScale = (float) (1 / Math.sqrt(hd));
        for (int t = 0; t < n; t++) w.embed(tokens[t], x, t * d);
        for (int l = 0; l < c.nLayers(); l++) {
            LayerWeights lw = w.layers()[l];
            for (int t = 0; t < n; t++) VectorOps.rmsnorm(xb, t * d, x, t * d, lw.attnNorm(), d, c.rmsEps());
            project(pool, lw, l, LoraTarget.ATTN_Q, xb, q, n, adapters, rows, scratch);
            project(pool, lw, l, LoraTarget.ATTN_K, xb, k, n, adapters, rows, scratch);
            project(pool, lw, l, LoraTarget.ATTN_V, xb, v, n, adapters, rows, scratch);
            for (int t = 0; t < n; t++) {
                VectorOps.add(lw.bq(), 0, q, t * d, d);
                VectorOps.add(lw.bk(), 0, k, t * kvDim, kvDim);
                VectorOps.add(lw.bv(), 0, v, t * kvDim, kvDim);
                rope.apply(q, t * d, c.nHeads(), t);
                rope.apply(k, t * kvDim, c.nKvHeads(), t);
            }
            float[] s = new float[n];
            for (int t = 0; t < n; t++) {
                for (int h = 0; h < c.nHeads(); h++) {
                    int qOff = t * d + h * hd, kvOff = (h / c.groupSize()) * hd;
                    for (int p = 0; p <= t; p++) s[p] = VectorOps.dot(q, qOff, k, p * kvDim + kvOff, hd) * attScale;
                    VectorOps.softmax(s, 0, t + 1);
                    java.util.Arrays.fill(att, qOff, qOff + hd, 0f);
                    for (int p = 0; p <= t; p++) VectorOps.axpy(s[p], v, p * kvDim + kvOff, att, qOff, hd);
                }
            }
            project(pool, lw, l, LoraTarget.ATTN_OUTPUT, att, proj, n, adapters, rows, scratch);
            VectorOps.add(proj, 0, x, 0, n * d);
            for (int t = 0; t < n; t++) VectorOps.rmsnorm(xb, t * d, x, t * d, lw.ffnNorm(), d, c.rmsEps());
            project(pool, lw, l, LoraTarget.FFN_GATE, xb, gate, n, adapters, rows, scratch);
            project(pool, lw, l, LoraTarget.FFN_UP, xb, up, n, adapters, rows, scratch);
            VectorOps.siluMul(gate, 0, up, 0, n * ffn);
            project(pool, lw, l, LoraTarget.FFN_DOWN, gate, proj, n, adapters, rows, scratch);
            VectorOps.add(proj, 0, x, 0, n * d);
        }
        for (int t = 0; t < n; t++) VectorOps.rmsnorm(xb, t * d, x, t * d, w.outputNorm(), d, c.rmsEps());
        float[] all = new float[n * c.vocabSize()];
        MatMul.matmul(pool, w.output(), xb, all, n);
        float[][] out = new float[n][];
        for (int t = 0; t < n; t++) out[t] = java.util.Arrays.copyOfRange(all, t * c.vocabSize(), (t + 1) * c.vocabSize());
        return out;
    }

    /** out = W x, then + s_i B_i A_i x for every adapter touching this projection (on its rows). */
    private static void project(WorkerPool pool, LayerWeights lw, int layer, LoraTarget target, float[] in, float[] out, int n,
                                List<ScaledAdapter> adapters, int[][] rows, LoraScratch scratch) {
        WeightMatrix w = target.of(lw);
        MatMul.matmul(pool, w, in, out, n);
        for (int i = 0; i < adapters.size(); i++) {
            LoraPair p = adapters.get(i).adapter().pair(layer, target);
            if (p == null) continue;
            float s = adapters.get(i).scale();
            if (rows == null || rows[i] == null) LoraKernels.addDelta(pool, p, s, in, out, n, scratch);
            else LoraKernels.addDelta(pool, p, s, in, out, rows[i], rows[i].length, scratch);
        }
    }
}
