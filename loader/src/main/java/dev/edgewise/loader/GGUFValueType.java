package dev.edgewise.loader;

/** GGUF metadata value types with their on-disk ids ({@code enum gguf_type}). */
public enum GGUFValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, -1),
    ARRAY(9, -1),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    /** The id stored in the file. */
    public final int id;
    /** Encoded size in bytes, or -1 for the variable-length STRING and ARRAY. */
    final int fixedSize;

    private static final GGUFValueType[] BY_ID = values();

    GGUFValueType(int id, int fixedSize) {
        this.id = id;
        this.fixedSize = fixedSize;
    }

    /** The type with this id, or null if the id is unknown. */
    public static GGUFValueType fromId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /** Whether values of this type are integers (signed or unsigned, any width). */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** The fewest bytes one encoded value can take: a string is at least its 8-byte length, an array its type and count. */
    long minEncodedSize() {
        return switch (this) {
            case STRING -> 8;
            case ARRAY -> 4 + 8;
            default -> fixedSize;
        };
    }
}
