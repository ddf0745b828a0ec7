package dev.edgewise.engine.kv;

import java.util.Locale;

/** Element type of cached keys and values. */
public enum KvType {
    /** Half precision: half the memory of F32, the default (as llama.cpp). */
    F16(1, 2),
    /** Single precision: exact w.r.t. the computed keys and values (used for conformance dumps). */
    F32(1, 4),
    /**
     * ggml's Q8_0 blocks along the head dimension (32 signed 8-bit values and one F16 scale, 34
     * bytes per 32 values, quantized as {@code quantize_row_q8_0_ref}), as llama.cpp's
     * {@code -ctk q8_0 -ctv q8_0}: 53% of F16's memory. Needs a head dimension that is a multiple of 32.
     */
    Q8_0(32, 34);

    /** Values per storage block, and that block's bytes. */
    private final int blockValues, blockBytes;

    KvType(int blockValues, int blockBytes) {
        this.blockValues = blockValues;
        this.blockBytes = blockBytes;
    }

    /** Bytes that {@code values} cached values take ({@code values} a multiple of {@link #blockValues()}). */
    public long bytes(long values) {
        return values / blockValues * blockBytes;
    }

    /** Values stored together (1, or 32 for Q8_0): a head dimension must be a multiple of it. */
    public int blockValues() {
        return blockValues;
    }

    public static KvType parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown KV cache type '" + s + "' (known: f16, f32, q8_0)");
        }
    }
}
