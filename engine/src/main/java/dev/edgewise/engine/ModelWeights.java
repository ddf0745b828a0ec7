package dev.edgewise.engine;

import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFTensor;
import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.quant.Dequantize;
import dev.edgewise.quant.GGMLType;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * All tensors of a model, named and shaped as llama.cpp names them for its {@link Architecture}.
 * Matrices stay in the memory-mapped file (never copied); only the small F32 vectors (norms,
 * biases) are read onto the heap. Loading checks every tensor's shape and type, and that the file
 * holds no tensor the architecture does not use (as llama.cpp refuses files with extra tensors):
 * a Qwen3 file mislabelled {@code qwen2} would otherwise run without its q/k norms.
 */
public record ModelWeights(
        WeightMatrix tokenEmbedding,
        LayerWeights[] layers,
        float[] outputNorm,
        WeightMatrix output) {

    public static ModelWeights from(GGUFFile gguf, ModelConfig c) {
        TensorReader r = new TensorReader(gguf, new HashSet<>());
        Architecture a = c.architecture();
        int d = c.dim(), q = c.qDim(), kv = c.kvDim();
        // every block has at least its nine matrices and norms: a forged block count is refused before it sizes an array
        if (c.nLayers() > gguf.tensors().size() / 9) {
            throw new ModelFormatException("block_count is " + c.nLayers() + " but the file holds only "
                    + gguf.tensors().size() + " tensors (a block needs at least 9)");
        }
        LayerWeights[] layers = new LayerWeights[c.nLayers()];
        for (int i = 0; i < c.nLayers(); i++) {
            String b = "blk." + i + ".";
            layers[i] = new LayerWeights(
                    r.vector(b + "attn_norm.weight", d),
                    r.matrix(b + "attn_q.weight", q, d), a.qkvBias() ? r.vector(b + "attn_q.bias", q) : null,
                    r.matrix(b + "attn_k.weight", kv, d), a.qkvBias() ? r.vector(b + "attn_k.bias", kv) : null,
                    r.matrix(b + "attn_v.weight", kv, d), a.qkvBias() ? r.vector(b + "attn_v.bias", kv) : null,
                    a.qkNorm() ? r.vector(b + "attn_q_norm.weight", c.headDim()) : null,
                    a.qkNorm() ? r.vector(b + "attn_k_norm.weight", c.headDim()) : null,
                    r.matrix(b + "attn_output.weight", d, q),
                    r.vector(b + "ffn_norm.weight", d),
                    r.matrix(b + "ffn_gate.weight", c.ffnDim(), d),
                    r.matrix(b + "ffn_up.weight", c.ffnDim(), d),
                    r.matrix(b + "ffn_down.weight", d, c.ffnDim()));
        }
        WeightMatrix embedding = r.matrix("token_embd.weight", c.vocabSize(), d);
        WeightMatrix output = c.tiedOutput() ? embedding : r.matrix("output.weight", c.vocabSize(), d);
        ModelWeights w = new ModelWeights(embedding, layers, r.vector("output_norm.weight", d), output);
        r.requireAllRead(a);
        return w;
    }

    /**
     * Copies the embedding row of {@code token} into {@code dst[offset ..]}: from the integer
     * packing when the embedding has one (a tied output packed at load, whose file pages are then
     * released), which dequantizes to the same floats.
     */
    public void embed(int token, float[] dst, int offset) {
        WeightMatrix e = tokenEmbedding;
        if (e.packedBlocks() != null) {
            e.packedBlocks().dequantizeRow(token, dst, offset);
            return;
        }
        if (e.packed() != null) {
            e.packed().dequantizeRow(token, dst, offset);
            return;
        }
        Dequantize.row(e.type(), e.data(), token * e.rowBytes(), dst, offset, e.cols());
    }

    /**
     * Bytes a decode step streams from {@code mapping} (the model file): the layer and output
     * matrices that are not packed (a packing is a copy in memory, and the file's pages under it
     * are released) and whose data lies in the mapping. Zero when every matrix is packed: then the
     * file's page size does not matter to decoding.
     */
    public long bytesReadPerTokenFrom(MemorySegment mapping) {
        long bytes = 0;
        for (WeightMatrix m : matrices()) {
            if (m.isPacked() || !m.hasData()) continue;
            long start = m.data().address() - mapping.address();
            boolean inside = mapping.isNative() && m.data().isNative() && start >= 0 && start + m.data().byteSize() <= mapping.byteSize();
            if (inside) bytes += (long) m.rows() * m.rowBytes();
        }
        return bytes;
    }

    /** The matrices a decode step reads whole: every layer's seven ({@link LayerWeights#matrices}), then the output. */
    public List<WeightMatrix> matrices() {
        List<WeightMatrix> all = new ArrayList<>();
        for (LayerWeights l : layers) all.addAll(Arrays.asList(l.matrices()));
        all.add(output);
        return all;
    }

    /** Reads tensors by name, checking shape and type so a mismatch names the tensor. */
    private record TensorReader(GGUFFile gguf, Set<String> read) {
        WeightMatrix matrix(String name, int rows, int cols) {
            GGUFTensor t = tensor(name);
            expectShape(t, cols, rows);
            if (!t.type().supported()) {
                throw new ModelFormatException(file() + ": tensor '" + name + "' has type " + t.type() + ", which Edgewise cannot run");
            }
            return new WeightMatrix(t.type(), gguf.data(t), rows, cols);
        }

        float[] vector(String name, int n) {
            GGUFTensor t = tensor(name);
            expectShape(t, n);
            if (t.type() != GGMLType.F32 && t.type() != GGMLType.F16 && t.type() != GGMLType.BF16) {
                throw new ModelFormatException(file() + ": tensor '" + name + "' has type " + t.type() + ", expected F32, F16 or BF16");
            }
            float[] v = new float[n];
            Dequantize.row(t.type(), gguf.data(t), 0, v, 0, n);
            return v;
        }

        private GGUFTensor tensor(String name) {
            GGUFTensor t = gguf.tensor(name);
            if (t == null) {
                throw new ModelFormatException(file() + ": tensor '" + name + "' is missing; a '" + gguf.getString("general.architecture", "?")
                        + "' model needs it");
            }
            read.add(name);
            return t;
        }

        /** Refuses tensors nothing read: they belong to another architecture (or the file is damaged). */
        void requireAllRead(Architecture a) {
            for (GGUFTensor t : gguf.tensors()) {
                if (!read.contains(t.name())) {
                    throw new ModelFormatException(file() + ": unexpected tensor '" + t.name() + "' for architecture '" + a.key()
                            + "' (" + a.models() + "); is general.architecture right?");
                }
            }
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
