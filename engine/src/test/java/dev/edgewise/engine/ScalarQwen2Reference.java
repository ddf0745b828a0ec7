package dev.edgewise.engine;

import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFTensor;
import dev.edgewise.quant.Dequantize;

/**
 * A plain float64 forward pass written straight from the architecture descriptions (fixture README
 * §4 for {@code qwen2}, §8 for {@code qwen3}: no biases, each head's q and k RMS-normalised before
 * RoPE, head dim from {@code key_length}), independent of the engine's kernels: the test oracle for
 * models the tests build. (Named for the first architecture it covered; it runs every one.)
 */
final class ScalarQwen2Reference {
    private final GGUFFile f;
    private final ModelConfig c;

    ScalarQwen2Reference(GGUFFile f) {
        this.f = f;
        this.c = ModelConfig.from(f);
    }

    /** Logits after every token of {@code tokens}: [n][vocab]. */
    double[][] logits(int[] tokens) {
        double[][] hidden = hidden(tokens);
        double[][] out = f.tensor("output.weight") != null ? matrix("output.weight") : matrix("token_embd.weight");
        double[][] logits = new double[hidden.length][];
        for (int t = 0; t < hidden.length; t++) logits[t] = matvec(out, hidden[t]);
        return logits;
    }

    /** The final hidden state (after the output RMSNorm) of every token: [n][dim]. */
    double[][] hidden(int[] tokens) {
        int n = tokens.length, hd = c.headDim();
        boolean bias = c.architecture().qkvBias(), qkNorm = c.architecture().qkNorm();
        double[][] x = new double[n][];
        double[][] embd = matrix("token_embd.weight");
        for (int t = 0; t < n; t++) x[t] = embd[tokens[t]].clone();
        for (int l = 0; l < c.nLayers(); l++) {
            String b = "blk." + l + ".";
            double[][] wq = matrix(b + "attn_q.weight"), wk = matrix(b + "attn_k.weight"), wv = matrix(b + "attn_v.weight");
            double[][] wo = matrix(b + "attn_output.weight");
            double[] bq = bias ? vector(b + "attn_q.bias") : new double[c.qDim()];
            double[] bk = bias ? vector(b + "attn_k.bias") : new double[c.kvDim()], bv = bias ? vector(b + "attn_v.bias") : new double[c.kvDim()];
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] h = rmsnorm(x[t], vector(b + "attn_norm.weight"));
                q[t] = add(matvec(wq, h), bq);
                k[t] = add(matvec(wk, h), bk);
                v[t] = add(matvec(wv, h), bv);
                if (qkNorm) {
                    normalizeHeads(q[t], c.nHeads(), vector(b + "attn_q_norm.weight"));
                    normalizeHeads(k[t], c.nKvHeads(), vector(b + "attn_k_norm.weight"));
                }
                rope(q[t], c.nHeads(), t);
                rope(k[t], c.nKvHeads(), t);
            }
            for (int t = 0; t < n; t++) {
                double[] att = new double[c.qDim()];
                for (int h = 0; h < c.nHeads(); h++) {
                    int kvh = h / c.groupSize();
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int p = 0; p <= t; p++) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) dot += q[t][h * hd + i] * k[p][kvh * hd + i];
                        s[p] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[p]);
                    }
                    double sum = 0;
                    for (int p = 0; p <= t; p++) sum += s[p] = Math.exp(s[p] - max);
                    for (int p = 0; p <= t; p++) {
                        for (int i = 0; i < hd; i++) att[h * hd + i] += s[p] / sum * v[p][kvh * hd + i];
                    }
                }
                x[t] = add(x[t], matvec(wo, att));
            }
            double[][] gate = matrix(b + "ffn_gate.weight"), up = matrix(b + "ffn_up.weight"), down = matrix(b + "ffn_down.weight");
            for (int t = 0; t < n; t++) {
                double[] h = rmsnorm(x[t], vector(b + "ffn_norm.weight"));
                double[] g = matvec(gate, h), u = matvec(up, h);
                for (int i = 0; i < g.length; i++) g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
                x[t] = add(x[t], matvec(down, g));
            }
        }
        double[][] hidden = new double[n][];
        for (int t = 0; t < n; t++) hidden[t] = rmsnorm(x[t], vector("output_norm.weight"));
        return hidden;
    }

    /** Each head's vector RMS-normalised over its own values and scaled by {@code w} (Qwen3's q/k norm). */
    private void normalizeHeads(double[] x, int heads, double[] w) {
        int hd = c.headDim();
        for (int h = 0; h < heads; h++) {
            double[] head = rmsnorm(java.util.Arrays.copyOfRange(x, h * hd, (h + 1) * hd), w);
            System.arraycopy(head, 0, x, h * hd, hd);
        }
    }

    private void rope(double[] x, int heads, int pos) {
        int hd = c.headDim(), half = hd / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double theta = pos * Math.pow(c.ropeFreqBase(), -2.0 * i / hd);
                double a = x[h * hd + i], b = x[h * hd + i + half];
                x[h * hd + i] = a * Math.cos(theta) - b * Math.sin(theta);
                x[h * hd + i + half] = a * Math.sin(theta) + b * Math.cos(theta);
            }
        }
    }

    private double[] rmsnorm(double[] x, double[] w) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double scale = 1 / Math.sqrt(ss / x.length + c.rmsEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * scale * w[i];
        return out;
    }

    private static double[] matvec(double[][] w, double[] x) {
        double[] y = new double[w.length];
        for (int r = 0; r < w.length; r++) {
            double s = 0;
            for (int i = 0; i < x.length; i++) s += w[r][i] * x[i];
            y[r] = s;
        }
        return y;
    }

    private static double[] add(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) y[i] = a[i] + b[i];
        return y;
    }

    private double[][] matrix(String name) {
        GGUFTensor t = f.requireTensor(name);
        int cols = (int) t.ne()[0], rows = (int) t.ne()[1];
        float[] row = new float[cols];
        double[][] m = new double[rows][cols];
        long rowBytes = t.type().rowBytes(cols);
        for (int r = 0; r < rows; r++) {
            Dequantize.row(t.type(), f.data(t), r * rowBytes, row, 0, cols);
            for (int i = 0; i < cols; i++) m[r][i] = row[i];
        }
        return m;
    }

    private double[] vector(String name) {
        GGUFTensor t = f.requireTensor(name);
        int n = (int) t.ne()[0];
        float[] v = new float[n];
        Dequantize.row(t.type(), f.data(t), 0, v, 0, n);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = v[i];
        return out;
    }
}
