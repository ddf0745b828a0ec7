package dev.edgewise.loader;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-assembles GGUF bytes, field by field, so tests can write headers no well-behaved writer would. */
final class RawGGUF {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Magic, version and the two counts. */
    static RawGGUF header(int version, long tensorCount, long kvCount) {
        return new RawGGUF().bytes(new byte[] {'G', 'G', 'U', 'F'}).u32(version).u64(tensorCount).u64(kvCount);
    }

    RawGGUF u8(int v) {
        out.write(v);
        return this;
    }

    RawGGUF u32(long v) {
        for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i)));
        return this;
    }

    RawGGUF u64(long v) {
        for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i)));
        return this;
    }

    RawGGUF bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    RawGGUF str(String s) {
        return str(s.getBytes(StandardCharsets.UTF_8));
    }

    RawGGUF str(byte[] utf8) {
        return u64(utf8.length).bytes(utf8);
    }

    RawGGUF kvU32(String key, long v) {
        return str(key).u32(GGUFValueType.UINT32.id).u32(v);
    }

    RawGGUF kvString(String key, String v) {
        return str(key).u32(GGUFValueType.STRING.id).str(v);
    }

    RawGGUF tensorInfo(String name, int typeId, long offset, long... ne) {
        str(name).u32(ne.length);
        for (long d : ne) u64(d);
        return u32(typeId).u64(offset);
    }

    RawGGUF padTo(int alignment) {
        while (out.size() % alignment != 0) out.write(0);
        return this;
    }

    RawGGUF zeros(int n) {
        return bytes(new byte[n]);
    }

    int size() {
        return out.size();
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
