package dev.edgewise.quant;

/** Conversions between float and the 16-bit formats ggml stores (IEEE half and bfloat16). */
public final class Float16 {
    private Float16() {}

    /** IEEE half to float (exact). */
    public static float toFloat(short half) {
        return Float.float16ToFloat(half);
    }

    /** Float to IEEE half, round to nearest even (as ggml's {@code GGML_FP32_TO_FP16}). */
    public static short fromFloat(float f) {
        return Float.floatToFloat16(f);
    }

    /** bfloat16 to float (exact: the upper half of the float's bits). */
    public static float bf16ToFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xFFFF) << 16);
    }

    /** Float to bfloat16 with ggml's rounding: nearest even, NaN kept quiet. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 64); // quiet NaN
        return (short) ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16);
    }
}
