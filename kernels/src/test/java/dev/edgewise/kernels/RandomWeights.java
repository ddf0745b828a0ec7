package dev.edgewise.kernels;

import dev.edgewise.quant.Dequantize;
import dev.edgewise.quant.Float16;
import dev.edgewise.quant.GGMLType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Random weight matrices in any ggml format: random bytes for the quants, with each block's F16
 * scale fields overwritten by sane values (random bytes there would often be huge, Inf or NaN).
 */
final class RandomWeights {
    private RandomWeights() {}

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Byte offsets of the F16 fields inside one block (ggml-common.h). */
    static int[] halfFieldOffsets(GGMLType type) {
        return switch (type) {
            case Q4_0, Q5_0, Q8_0, IQ4_NL -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2}; // d, m / d, dmin
            case Q2_K -> new int[] {80, 82};                  // after scales[16], qs[64]
            case Q3_K -> new int[] {108};                     // after hmask[32], qs[64], scales[12]
            case Q6_K -> new int[] {208};                     // after ql[128], qh[64], scales[16]
            case IQ4_XS -> new int[] {0};
            default -> throw new IllegalArgumentException("no scale layout for " + type);
        };
    }

    static MemorySegment matrix(Arena arena, GGMLType type, int rows, int cols, Random rnd) {
        long bytes = type.rowBytes(cols) * rows;
        MemorySegment seg = arena.allocate(Math.max(1, bytes));
        switch (type) {
            case F32 -> {
                for (long i = 0; i < bytes / 4; i++) seg.set(LE_FLOAT, 4 * i, rnd.nextFloat() * 2 - 1);
            }
            case F16 -> {
                for (long i = 0; i < bytes / 2; i++) {
                    // a few subnormal halves exercise the SIMD conversion's subnormal path
                    float v = rnd.nextInt(20) == 0 ? (rnd.nextFloat() - 0.5f) * 1e-5f : rnd.nextFloat() * 2 - 1;
                    seg.set(LE_SHORT, 2 * i, Float16.fromFloat(v));
                }
            }
            case BF16 -> {
                for (long i = 0; i < bytes / 2; i++) seg.set(LE_SHORT, 2 * i, Float16.floatToBf16(rnd.nextFloat() * 2 - 1));
            }
            default -> {
                for (long i = 0; i < bytes; i++) seg.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
                int[] fields = halfFieldOffsets(type);
                for (long block = 0; block < bytes; block += type.typeSize) {
                    for (int f : fields) {
                        float scale = (0.002f + rnd.nextFloat() * 0.05f) * (rnd.nextBoolean() ? 1 : -1);
                        seg.set(LE_SHORT, block + f, Float16.fromFloat(scale));
                    }
                }
            }
        }
        return seg;
    }

    static float[] vectors(int n, Random rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = rnd.nextFloat() * 2 - 1;
        return x;
    }

    /** Whether quant's scalar dequantizer handles {@code type} yet. */
    static boolean dequantizable(GGMLType type) {
        try {
            Dequantize.row(type, MemorySegment.ofArray(new byte[type.typeSize]), 0, new float[type.blockSize], 0, type.blockSize);
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }
}
