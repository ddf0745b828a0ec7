package dev.edgewise.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Little-endian, unaligned field access for ggml blocks. GGUF data is little-endian and blocks sit
 * at arbitrary byte offsets (an 18-byte Q4_0 block is never 4-byte aligned), so every multi-byte
 * read goes through an unaligned little-endian layout.
 */
final class LittleEndian {
    private LittleEndian() {}

    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Unsigned byte (ggml {@code uint8_t}). */
    static int u8(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    /** Signed byte (ggml {@code int8_t}). */
    static int s8(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_BYTE, offset);
    }

    /** Unsigned 16-bit value (ggml {@code uint16_t}). */
    static int u16(MemorySegment s, long offset) {
        return s.get(SHORT, offset) & 0xFFFF;
    }

    /** 32 raw bits (ggml {@code uint32_t}; use {@code >>>} on the result). */
    static int u32(MemorySegment s, long offset) {
        return s.get(INT, offset);
    }

    /** An IEEE half (ggml {@code ggml_half}) widened to float: exact, as {@code GGML_FP16_TO_FP32}. */
    static float half(MemorySegment s, long offset) {
        return Float.float16ToFloat(s.get(SHORT, offset));
    }

    static void putU8(MemorySegment s, long offset, int value) {
        s.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    static void putU32(MemorySegment s, long offset, int value) {
        s.set(INT, offset, value);
    }

    /** Stores {@code value} rounded to an IEEE half, as {@code GGML_FP32_TO_FP16}. */
    static void putHalf(MemorySegment s, long offset, float value) {
        s.set(SHORT, offset, Float16.fromFloat(value));
    }
}
