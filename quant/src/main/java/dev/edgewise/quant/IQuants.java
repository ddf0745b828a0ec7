package dev.edgewise.quant;

import static dev.edgewise.quant.LittleEndian.half;
import static dev.edgewise.quant.LittleEndian.u16;
import static dev.edgewise.quant.LittleEndian.u8;

import java.lang.foreign.MemorySegment;

/**
 * ggml's non-linear 4-bit formats IQ4_NL and IQ4_XS: each 4-bit index selects one of 16 fixed,
 * unevenly spaced levels ({@link #KVALUES_IQ4NL}), multiplied by the block scale. Nibble order is
 * that of Q4_0: byte {@code j} of a 32-element group holds element {@code j} (low nibble) and
 * {@code j + 16} (high nibble).
 *
 * <p>Scalar reference code, a transcription of ggml's {@code dequantize_row_iq4_nl} and
 * {@code dequantize_row_iq4_xs} (ggml-quants.c), with ggml's float operation order.
 */
public final class IQuants {
    private IQuants() {}

    /** ggml's {@code kvalues_iq4nl} (ggml-common.h): the 16 IQ4 levels. */
    private static final byte[] KVALUES_IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    /** The IQ4 level of 4-bit index {@code i} (0..15). */
    public static int kvalueIq4nl(int i) {
        return KVALUES_IQ4NL[i];
    }

    /** Elements per IQ4_NL block. */
    public static final int QK4_NL = 32;
    /** IQ4_NL: {@code ggml_half d; uint8_t qs[16]}. Value = d * kvalues[nibble]. */
    public static final int IQ4_NL_BYTES = 18, IQ4_NL_D = 0, IQ4_NL_QS = 2;

    /** Elements per IQ4_XS super-block (QK_K). */
    public static final int QK_K = KQuants.QK_K;
    /**
     * IQ4_XS: {@code ggml_half d; uint16_t scales_h; uint8_t scales_l[4]; uint8_t qs[128]}. Eight
     * groups of 32, each with a 6-bit scale (low nibble from {@code scales_l}, top two bits from
     * {@code scales_h}) biased by 32. Value = d * (ls - 32) * kvalues[nibble].
     */
    public static final int IQ4_XS_BYTES = 136, IQ4_XS_D = 0, IQ4_XS_SCALES_H = 2, IQ4_XS_SCALES_L = 4, IQ4_XS_QS = 8;

    public static void dequantizeIQ4_NL(MemorySegment src, long block, float[] y, int yOffset) {
        final float d = half(src, block + IQ4_NL_D);
        for (int j = 0; j < QK4_NL / 2; j++) {
            final int q = u8(src, block + IQ4_NL_QS + j);
            y[yOffset + j] = d * KVALUES_IQ4NL[q & 0xF];
            y[yOffset + j + QK4_NL / 2] = d * KVALUES_IQ4NL[q >>> 4];
        }
    }

    public static void dequantizeIQ4_XS(MemorySegment src, long block, float[] y, int yOffset) {
        final float d = half(src, block + IQ4_XS_D);
        final int scalesH = u16(src, block + IQ4_XS_SCALES_H);
        long qs = block + IQ4_XS_QS;
        int out = yOffset;
        for (int ib = 0; ib < QK_K / 32; ib++) {
            final int ls = ((u8(src, block + IQ4_XS_SCALES_L + ib / 2) >>> (4 * (ib % 2))) & 0xF)
                    | (((scalesH >>> (2 * ib)) & 3) << 4);
            final float dl = d * (ls - 32);
            for (int j = 0; j < 16; j++) {
                final int q = u8(src, qs + j);
                y[out + j] = dl * KVALUES_IQ4NL[q & 0xF];
                y[out + j + 16] = dl * KVALUES_IQ4NL[q >>> 4];
            }
            out += 32;
            qs += 16;
        }
    }
}
