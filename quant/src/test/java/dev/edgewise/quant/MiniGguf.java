package dev.edgewise.quant;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Just enough of a GGUF reader for the fixture cross-checks: maps the file and lists where each
 * tensor's data lives. The real, validating reader is the loader module's; quant cannot depend on
 * it, and this one trusts its (known-good) fixture input.
 */
final class MiniGguf implements AutoCloseable {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    record Tensor(String name, GGMLType type, long elements, long rowLength, long offset, long[] ne) {}

    private final Arena arena = Arena.ofConfined();
    final MemorySegment data;
    final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private long pos;

    MiniGguf(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            data = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
        if (data.get(U32, 0) != 0x46554747) throw new IOException(file + ": not a GGUF file");
        pos = 8;
        final long tensorCount = data.get(U64, pos);
        final long kvCount = data.get(U64, pos + 8);
        pos += 16;
        long alignment = 32;
        for (long k = 0; k < kvCount; k++) {
            final String key = string();
            final int type = u32();
            if (key.equals("general.alignment") && type == 4) alignment = Integer.toUnsignedLong(data.get(U32, pos));
            skipValue(type);
        }
        final Object[][] infos = new Object[(int) tensorCount][];
        for (int t = 0; t < tensorCount; t++) {
            final String name = string();
            final int nDims = u32();
            long elements = 1;
            long rowLength = 0;
            final long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                final long dim = data.get(U64, pos);
                pos += 8;
                if (d == 0) rowLength = dim;
                ne[d] = dim;
                elements *= dim;
            }
            final GGMLType type = GGMLType.fromId(u32());
            final long offset = data.get(U64, pos);
            pos += 8;
            infos[t] = new Object[] {name, type, elements, rowLength, offset, ne};
        }
        final long dataStart = (pos + alignment - 1) / alignment * alignment;
        for (Object[] i : infos) {
            tensors.put((String) i[0], new Tensor((String) i[0], (GGMLType) i[1], (long) i[2], (long) i[3], dataStart + (long) i[4], (long[]) i[5]));
        }
    }

    /** All of an F32 tensor's values. */
    float[] f32(Tensor t) {
        if (t.type() != GGMLType.F32) throw new IllegalArgumentException(t.name() + " is " + t.type());
        final float[] out = new float[Math.toIntExact(t.elements())];
        Dequantize.row(GGMLType.F32, data, t.offset(), out, 0, out.length);
        return out;
    }

    byte[] bytes(Tensor t) {
        return data.asSlice(t.offset(), t.type().rowBytes(t.elements())).toArray(ValueLayout.JAVA_BYTE);
    }

    private int u32() {
        final int v = data.get(U32, pos);
        pos += 4;
        return v;
    }

    private String string() {
        final long len = data.get(U64, pos);
        final String s = new String(data.asSlice(pos + 8, len).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        pos += 8 + len;
        return s;
    }

    private void skipValue(int type) {
        switch (type) {
            case 0, 1, 7 -> pos += 1;
            case 2, 3 -> pos += 2;
            case 4, 5, 6 -> pos += 4;
            case 10, 11, 12 -> pos += 8;
            case 8 -> pos += 8 + data.get(U64, pos);
            case 9 -> {
                final int elementType = u32();
                final long count = data.get(U64, pos);
                pos += 8;
                for (long i = 0; i < count; i++) skipValue(elementType);
            }
            default -> throw new IllegalStateException("unknown GGUF value type " + type + " at offset " + pos);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
