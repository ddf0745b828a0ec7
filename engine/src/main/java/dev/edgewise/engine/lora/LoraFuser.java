package dev.edgewise.engine.lora;

import dev.edgewise.engine.LayerWeights;
import dev.edgewise.engine.ModelConfig;
import dev.edgewise.engine.ModelWeights;
import dev.edgewise.kernels.PackedQ4_0;
import dev.edgewise.kernels.SimdKernels;
import dev.edgewise.kernels.VectorOps;
import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.quant.Dequantize;
import dev.edgewise.quant.GGMLType;
import dev.edgewise.quant.Quantize;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Merges adapters into the weights: {@code W' = W + sum_i s_i B_i A_i} for every matrix some adapter
 * targets, so the forward pass then runs at the base model's speed with no per-token LoRA work.
 * Suited to serving one fixed adapter mix; for per-sequence adapters use {@link LoraKernels}.
 *
 * <p>Each fused row is computed as: dequantize the base row exactly (as ggml does), accumulate the
 * delta {@code sum_i s_i sum_k B_i[o][k] A_i[k][:]} in float32, add it, and write the row in the
 * {@link FusedPrecision}'s type.
 *
 * <p>Error of {@link FusedPrecision#SAME_TYPE}: requantizing a fused row rounds it once more, to the
 * base type's grid. Measured on the fixture models (small, 256/512 wide, weights up to |w| = 3.8)
 * against the exact fused weights {@code float64(dequant(W)) + s B A} ({@code LoraFusedWeightErrorTest}):
 * <table>
 *   <caption>SAME_TYPE weight error</caption>
 *   <tr><th>base</th><th>fused as</th><th>max abs error</th><th>in rounding units</th></tr>
 *   <tr><td>Q8_0</td><td>Q8_0</td><td>1.5e-2</td><td>0.554 d (bound 0.5 d + F16 rounding of d)</td></tr>
 *   <tr><td>Q4_0</td><td>Q4_0</td><td>2.9e-1</td><td>1.003 d (bound d: ggml clamps +8 to 7)</td></tr>
 *   <tr><td>IQ4_NL (no quantizer)</td><td>Q8_0</td><td>1.3e-2</td><td>0.55 d</td></tr>
 *   <tr><td>Q4_K, Q5_K, Q6_K</td><td>same</td><td colspan="2">requantized with ggml's reference K-quantizers (not measured here)</td></tr>
 *   <tr><td>F16 / BF16</td><td>same</td><td>9.8e-4 / 7.8e-3</td><td>half an ulp</td></tr>
 * </table>
 * In other words a second quantization of the same kind as the first. On the fixture dumps
 * ({@code LoraFusedLogitsTest}, logit std 16) it moved logits by up to 1.43 for Q8_0 and 19.1 for
 * Q4_0, against 1.57 and 23.3 for quantizing the F32 base to that type in the first place, while the
 * adapters themselves move logits by up to 43–53. (These synthetic models amplify weight noise on
 * purpose; real models are far less sensitive, and real adapter deltas are far smaller than the
 * fixtures' 0.2 of the weights' std.) For 4-bit bases where quality matters, prefer
 * {@link FusedPrecision#F16} (max logit error 0.06 here, about what an F16 model differs from F32)
 * or on-the-fly {@link LoraKernels}. {@link FusedPrecision#F32} is exact up to float32 rounding
 * (3.4e-5 here, 2e-6 of the logit spread).
 *
 * <p>Cost: every touched row is dequantized and requantized with the scalar reference code and the
 * delta costs {@code r} multiply-adds per weight, so fusing is a one-off of seconds for a 0.5B model.
 *
 * <p>With {@code packQ4_0}, fused Q4_0 matrices are kept only as their {@link PackedQ4_0} packing
 * (the integer kernel's form, as the engine packs the file's Q4_0 at load): each is fused into a
 * scratch copy that is dropped once packed, so fusing holds the matrix once, and fusing again reads
 * the packing's rows, which are exactly the fused ones.
 */
public final class LoraFuser {
    private LoraFuser() {}

    /** One adapter's contribution to one matrix, dequantized to floats once. */
    private record Term(float scale, int rank, float[] a, float[] b) {}

    /**
     * Fuses {@code adapters} into {@code base}. Every adapter is {@linkplain LoraAdapter#validate
     * validated} against {@code c} first. Untouched matrices, norms and biases are shared with
     * {@code base}; the fused matrices live in the returned object's arena.
     *
     * @throws dev.edgewise.loader.ModelFormatException if an adapter does not fit the model
     * @throws IllegalArgumentException if an adapter is an activated LoRA, which applies to some positions only
     */
    public static FusedWeights fuse(ModelWeights base, ModelConfig c, List<ScaledAdapter> adapters, FusedPrecision precision,
                                    WorkerPool pool) {
        return fuse(base, c, adapters, precision, pool, false);
    }

    /** As {@link #fuse(ModelWeights, ModelConfig, List, FusedPrecision, WorkerPool)}, packing fused Q4_0 matrices when {@code packQ4_0}. */
    public static FusedWeights fuse(ModelWeights base, ModelConfig c, List<ScaledAdapter> adapters, FusedPrecision precision,
                                    WorkerPool pool, boolean packQ4_0) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(c, "config");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(pool, "pool");
        for (ScaledAdapter a : adapters) {
            a.adapter().validate(c);
            if (a.adapter().activated()) {
                throw new IllegalArgumentException("'" + a.adapter().name() + "' is an activated LoRA (off before its invocation "
                        + "sequence): it cannot be fused into the weights (PEFT refuses to merge it too); apply it on the fly");
            }
        }
        if (base.layers().length != c.nLayers()) {
            throw new IllegalArgumentException("weights have " + base.layers().length + " layers, config " + c.nLayers());
        }
        Arena arena = Arena.ofShared();
        try {
            LayerWeights[] layers = base.layers().clone();
            int fused = 0;
            long bytes = 0;
            for (int l = 0; l < layers.length; l++) {
                for (LoraTarget t : LoraTarget.values()) {
                    List<Term> terms = new ArrayList<>();
                    for (ScaledAdapter sa : adapters) {
                        LoraPair p = sa.adapter().pair(l, t);
                        float s = sa.scale();
                        if (p != null && s != 0) {
                            terms.add(new Term(s, p.rank(), AdapterStorage.dequantize(p.a()), AdapterStorage.dequantize(p.b())));
                        }
                    }
                    if (terms.isEmpty()) continue;
                    WeightMatrix w = t.of(layers[l]);
                    if (w.rows() != t.outDim(c) || w.cols() != t.inDim(c)) {
                        throw new IllegalArgumentException("blk." + l + "." + t.ggufName() + " is " + w + ", but the config says ["
                                + t.outDim(c) + " x " + t.inDim(c) + "]");
                    }
                    GGMLType type = precision.fusedType(w.type(), w.cols());
                    WeightMatrix f = packQ4_0 && type == GGMLType.Q4_0 ? fusePacked(w, terms, arena, pool)
                            : fuseMatrix(w, terms, type, arena, pool);
                    layers[l] = t.with(layers[l], f);
                    fused++;
                    bytes += f.rowBytes() * f.rows();
                }
            }
            ModelWeights weights = new ModelWeights(base.tokenEmbedding(), layers, base.outputNorm(), base.output());
            return new FusedWeights(weights, arena, fused, bytes);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Fuses into a scratch Q4_0 copy and keeps only its packing, when it packs (else the plain copy). */
    private static WeightMatrix fusePacked(WeightMatrix w, List<Term> terms, Arena arena, WorkerPool pool) {
        try (Arena scratch = Arena.ofShared()) {
            WeightMatrix plain = fuseMatrix(w, terms, GGMLType.Q4_0, scratch, pool);
            if (!PackedQ4_0.canPack(plain)) {
                MemorySegment kept = arena.allocate(plain.data().byteSize(), 64).copyFrom(plain.data());
                return new WeightMatrix(GGMLType.Q4_0, kept, plain.rows(), plain.cols());
            }
            PackedQ4_0 p = PackedQ4_0.allocate(plain, SimdKernels.preferred().int8PanelRows(), arena);
            pool.parallelFor(p.panels(), (p0, p1) -> p.packPanels(plain, p0, p1));
            return WeightMatrix.packedOnly(p);
        }
    }

    /** A row of {@code w} as floats: from its packing when it has one (the same values, and all a packed-only matrix has). */
    private static void row(WeightMatrix w, int r, float[] dst) {
        if (w.packed() != null) w.packed().dequantizeRow(r, dst, 0);
        else Dequantize.row(w.type(), w.data(), r * w.rowBytes(), dst, 0, w.cols());
    }

    private static WeightMatrix fuseMatrix(WeightMatrix w, List<Term> terms, GGMLType type, Arena arena, WorkerPool pool) {
        int rows = w.rows(), cols = w.cols();
        long dstRowBytes = type.rowBytes(cols);
        MemorySegment dst = arena.allocate(dstRowBytes * rows, 64);
        pool.parallelFor(rows, (from, to) -> {
            float[] row = new float[cols];
            float[] delta = new float[cols];
            for (int o = from; o < to; o++) {
                row(w, o, row);
                Arrays.fill(delta, 0f);
                for (Term term : terms) {
                    int r = term.rank();
                    for (int k = 0; k < r; k++) {
                        VectorOps.axpy(term.scale() * term.b()[o * r + k], term.a(), k * cols, delta, 0, cols);
                    }
                }
                VectorOps.add(delta, 0, row, 0, cols);
                Quantize.row(type, row, 0, dst, o * dstRowBytes, cols);
            }
        });
        return new WeightMatrix(type, dst, rows, cols);
    }
}
