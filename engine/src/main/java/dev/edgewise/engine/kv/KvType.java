package dev.edgewise.engine.kv;

import java.util.Locale;

/** Element type of cached keys and values. */
public enum KvType {
    /** Half precision: half the memory of F32, the default (as llama.cpp). */
    F16(2),
    /** Single precision: exact w.r.t. the computed keys and values (used for conformance dumps). */
    F32(4);

    public final int bytes;

    KvType(int bytes) {
        this.bytes = bytes;
    }

    public static KvType parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown KV cache type '" + s + "' (known: f16, f32)");
        }
    }
}
