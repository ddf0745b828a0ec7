package dev.edgewise.loader;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor described in a safetensors header.
 *
 * @param name  tensor name, e.g. {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}
 * @param dtype element type as written in the file: F32, F16, BF16, F64, I8, U8, I16, U16, I32, U32, I64, U64,
 *              BOOL, F8_E4M3, F8_E5M2, F8_E8M0
 * @param shape row-major (numpy/PyTorch) shape: the last dimension is contiguous, so it is ggml's {@code ne}
 *              reversed. Empty for a scalar. Copied on the way in and out.
 * @param begin start of the data, relative to the data section (after the header)
 * @param end   end of the data (exclusive), relative to the data section
 */
public record SafeTensor(String name, String dtype, long[] shape, long begin, long end) {

    public SafeTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar, 0 if any dimension is 0). */
    public long elements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteSize() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafeTensor t && name.equals(t.name) && dtype.equals(t.dtype) && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " shape=" + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
    }
}
