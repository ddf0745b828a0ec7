package dev.edgewise.quant;

import java.lang.foreign.MemorySegment;

/**
 * The unquantized element types F32, F16 and BF16 (block size 1): one value per element,
 * little-endian. Conversions follow ggml: F16 to float is exact, float to F16 rounds to nearest
 * even ({@code GGML_FP32_TO_FP16}), float to BF16 rounds to nearest even and keeps NaNs quiet
 * ({@code GGML_FP32_TO_BF16}).
 */
public final class FloatFormats {
    private FloatFormats() {}

    public static final int F32_BYTES = 4;
    public static final int F16_BYTES = 2;
    public static final int BF16_BYTES = 2;

    public static float dequantizeF32(MemorySegment src, long offset) {
        return src.get(LittleEndian.FLOAT, offset);
    }

    public static float dequantizeF16(MemorySegment src, long offset) {
        return Float16.toFloat(src.get(LittleEndian.SHORT, offset));
    }

    public static float dequantizeBF16(MemorySegment src, long offset) {
        return Float16.bf16ToFloat(src.get(LittleEndian.SHORT, offset));
    }

    public static void quantizeF32(float x, MemorySegment dst, long offset) {
        dst.set(LittleEndian.FLOAT, offset, x);
    }

    public static void quantizeF16(float x, MemorySegment dst, long offset) {
        dst.set(LittleEndian.SHORT, offset, Float16.fromFloat(x));
    }

    public static void quantizeBF16(float x, MemorySegment dst, long offset) {
        dst.set(LittleEndian.SHORT, offset, Float16.floatToBf16(x));
    }
}
