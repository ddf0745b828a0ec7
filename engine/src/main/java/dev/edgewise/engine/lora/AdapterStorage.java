package dev.edgewise.engine.lora;

import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.quant.Dequantize;
import dev.edgewise.quant.GGMLType;
import dev.edgewise.quant.Quantize;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Converts LoRA factors into the in-memory ggml type they are kept in, in an arena the adapter owns. */
final class AdapterStorage {
    private AdapterStorage() {}

    /** Largest finite half: F16 storage of a larger value would turn it into infinity. */
    static final float F16_MAX = 65504f;
    /** Off-heap matrices start on a cache line, which the SIMD kernels prefer. */
    private static final long ALIGNMENT = 64;

    /**
     * Reads {@code t} row by row, checks every value is finite (and representable when the target is
     * F16), and writes it in {@code precision.storageType(cols)}.
     */
    static WeightMatrix convert(SourceTensor t, AdapterPrecision precision, Arena arena, String file) {
        GGMLType to = precision.storageType(t.cols());
        MemorySegment dst = arena.allocate(to.rowBytes(t.cols()) * t.rows(), ALIGNMENT);
        long srcRowBytes = t.type().rowBytes(t.cols());
        long dstRowBytes = to.rowBytes(t.cols());
        float[] row = new float[t.cols()];
        for (int r = 0; r < t.rows(); r++) {
            Dequantize.row(t.type(), t.data(), r * srcRowBytes, row, 0, t.cols());
            for (int c = 0; c < row.length; c++) {
                float v = row[c];
                if (!Float.isFinite(v)) {
                    throw new ModelFormatException(file + ": tensor '" + t.name() + "' holds " + v + " at row " + r + ", column " + c);
                }
                if (to == GGMLType.F16 && Math.abs(v) > F16_MAX) {
                    throw new ModelFormatException(file + ": tensor '" + t.name() + "' holds " + v + " at row " + r + ", column " + c
                            + ", beyond the F16 range; load it with AdapterPrecision.F32");
                }
            }
            Quantize.row(to, row, 0, dst, r * dstRowBytes, t.cols());
        }
        return new WeightMatrix(to, dst, t.rows(), t.cols());
    }

    /** A {@code [rows][cols]} matrix of {@code values} (row-major) stored as {@code type} in {@code arena}. */
    static WeightMatrix matrix(float[] values, int rows, int cols, GGMLType type, Arena arena) {
        if (values.length != (long) rows * cols) throw new IllegalArgumentException(values.length + " values for [" + rows + " x " + cols + "]");
        long rowBytes = type.rowBytes(cols);
        MemorySegment dst = arena.allocate(rowBytes * rows, ALIGNMENT);
        for (int r = 0; r < rows; r++) Quantize.row(type, values, r * cols, dst, r * rowBytes, cols);
        return new WeightMatrix(type, dst, rows, cols);
    }

    /** All of {@code m} as row-major floats. */
    static float[] dequantize(WeightMatrix m) {
        float[] out = new float[Math.multiplyExact(m.rows(), m.cols())];
        for (int r = 0; r < m.rows(); r++) Dequantize.row(m.type(), m.data(), r * m.rowBytes(), out, r * m.cols(), m.cols());
        return out;
    }
}
