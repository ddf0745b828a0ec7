package dev.edgewise.engine.lora;

import dev.edgewise.quant.GGMLType;
import dev.edgewise.quant.Quantize;

/**
 * The type {@link LoraFuser} writes a fused matrix {@code W + sum s B A} in. Matrices no adapter
 * touches keep their type (they are shared with the base model, not copied).
 */
public enum FusedPrecision {
    /**
     * The base matrix's own type, so memory and speed stay those of the base model: each row is
     * dequantized, the delta added in float32, and the row requantized with ggml's reference
     * quantizer. This rounds the sum once more, an error of the base type's quantization step
     * (see {@link LoraFuser} for measured values). Types without a quantizer here (Q2_K, Q3_K,
     * IQ4_NL, IQ4_XS) become {@link GGMLType#Q8_0}, which is more precise than any of them at
     * about twice the bytes of a 4-bit type; a row length that is not a multiple of 32 becomes F16.
     */
    SAME_TYPE,
    /** F16 rows: half the bytes of F32, an error of about 2^-11 of each weight. */
    F16,
    /** F32 rows: the fused weights exactly as float32 arithmetic gives them. */
    F32;

    /** The type a fused matrix with base type {@code base} and rows of {@code cols} elements is written in. */
    public GGMLType fusedType(GGMLType base, int cols) {
        return switch (this) {
            case F32 -> GGMLType.F32;
            case F16 -> GGMLType.F16;
            case SAME_TYPE -> {
                if (Quantize.canQuantize(base) && cols % base.blockSize == 0) yield base;
                yield cols % GGMLType.Q8_0.blockSize == 0 ? GGMLType.Q8_0 : GGMLType.F16;
            }
        };
    }
}
