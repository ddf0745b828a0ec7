package dev.edgewise.engine.lora;

import dev.edgewise.quant.GGMLType;

import java.lang.foreign.MemorySegment;

/**
 * One A or B factor as an adapter file stores it, before conversion: a row-major {@code [rows][cols]}
 * matrix of {@code type} at {@code data} (a slice of the file's mapping).
 *
 * @param ggmlOrder whether the file writes shapes in ggml order ({@code ne = [cols, rows]}, GGUF) rather
 *                  than numpy order ({@code [rows, cols]}, safetensors); messages quote shapes the way
 *                  the file does so a user can find them
 */
record SourceTensor(String name, GGMLType type, int rows, int cols, MemorySegment data, boolean ggmlOrder) {

    /** The same description without the data: what an adapter keeps for messages once its file is closed. */
    SourceTensor withoutData() {
        return new SourceTensor(name, type, rows, cols, MemorySegment.NULL, ggmlOrder);
    }

    String shape() {
        return shape(rows, cols, ggmlOrder);
    }

    static String shape(long rows, long cols, boolean ggmlOrder) {
        return ggmlOrder ? "ne [" + cols + ", " + rows + "]" : "shape [" + rows + ", " + cols + "]";
    }
}
