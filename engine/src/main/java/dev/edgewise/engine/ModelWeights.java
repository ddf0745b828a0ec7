package dev.edgewise.engine;

import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFTensor;
import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.quant.Dequantize;
import dev.edgewise.quant.GGMLType;

import java.util.Arrays;

/**
 * All tensors of a Qwen2 model. Matrices stay in the memory-mapped file (never copied); only the
 * small F32 vectors (norms, biases) are read onto the heap.
 */
public record ModelWeights(
        WeightMatrix tokenEmbedding,
        LayerWeights[] layers,
        float[] outputNorm,
        WeightMatrix output) {

    public static ModelWeights from(GGUFFile gguf, ModelConfig c) {
        TensorReader r = new TensorReader(gguf);
        LayerWeights[] layers = new LayerWeights[c.nLayers()];
        for (int i = 0; i < c.nLayers(); i++) {
            String b = "blk." + i + ".";
            layers[i] = new LayerWeights(
                    r.vector(b + "attn_norm.weight", c.dim()),
                    r.matrix(b + "attn_q.weight", c.dim(), c.dim()), r.vector(b + "attn_q.bias", c.dim()),
                    r.matrix(b + "attn_k.weight", c.kvDim(), c.dim()), r.vector(b + "attn_k.bias", c.kvDim()),
                    r.matrix(b + "attn_v.weight", c.kvDim(), c.dim()), r.vector(b + "attn_v.bias", c.kvDim()),
                    r.matrix(b + "attn_output.weight", c.dim(), c.dim()),
                    r.vector(b + "ffn_norm.weight", c.dim()),
                    r.matrix(b + "ffn_gate.weight", c.ffnDim(), c.dim()),
                    r.matrix(b + "ffn_up.weight", c.ffnDim(), c.dim()),
                    r.matrix(b + "ffn_down.weight", c.dim(), c.ffnDim()));
        }
        WeightMatrix embedding = r.matrix("token_embd.weight", c.vocabSize(), c.dim());
        WeightMatrix output = c.tiedOutput() ? embedding : r.matrix("output.weight", c.vocabSize(), c.dim());
        return new ModelWeights(embedding, layers, r.vector("output_norm.weight", c.dim()), output);
    }

    /** Copies the embedding row of {@code token} into {@code dst[offset ..]}. */
    public void embed(int token, float[] dst, int offset) {
        WeightMatrix e = tokenEmbedding;
        Dequantize.row(e.type(), e.data(), token * e.rowBytes(), dst, offset, e.cols());
    }

    /** Reads tensors by name, checking shape and type so a mismatch names the tensor. */
    private record TensorReader(GGUFFile gguf) {
        WeightMatrix matrix(String name, int rows, int cols) {
            GGUFTensor t = gguf.requireTensor(name);
            expectShape(t, cols, rows);
            if (!t.type().supported()) {
                throw new ModelFormatException(file() + ": tensor '" + name + "' has type " + t.type() + ", which Edgewise cannot run");
            }
            return new WeightMatrix(t.type(), gguf.data(t), rows, cols);
        }

        float[] vector(String name, int n) {
            GGUFTensor t = gguf.requireTensor(name);
            expectShape(t, n);
            if (t.type() != GGMLType.F32 && t.type() != GGMLType.F16 && t.type() != GGMLType.BF16) {
                throw new ModelFormatException(file() + ": tensor '" + name + "' has type " + t.type() + ", expected F32, F16 or BF16");
            }
            float[] v = new float[n];
            Dequantize.row(t.type(), gguf.data(t), 0, v, 0, n);
            return v;
        }

        private void expectShape(GGUFTensor t, long... ne) {
            long[] actual = t.ne();
            boolean ok = actual.length >= ne.length;
            for (int i = 0; ok && i < actual.length; i++) ok = actual[i] == (i < ne.length ? ne[i] : 1);
            if (!ok) {
                throw new ModelFormatException(file() + ": tensor '" + t.name() + "' has shape " + Arrays.toString(actual)
                        + ", expected " + Arrays.toString(ne) + " (ggml order)");
            }
        }

        private String file() {
            return gguf.path().getFileName().toString();
        }
    }
}
