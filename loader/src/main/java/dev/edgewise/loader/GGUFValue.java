package dev.edgewise.loader;

import java.util.Arrays;
import java.util.Objects;

/**
 * One GGUF metadata value.
 *
 * <p>Scalars are held as: INT8 {@link Byte}, INT16 {@link Short}, INT32 {@link Integer}, INT64 {@link Long},
 * FLOAT32 {@link Float}, FLOAT64 {@link Double}, BOOL {@link Boolean}, STRING {@link String}. Unsigned types
 * are widened so that every value is non-negative: UINT8 {@link Short}, UINT16 {@link Integer}, UINT32
 * {@link Long}. UINT64 is a {@link Long} holding the raw 64 bits (negative when the value is 2^63 or more).
 *
 * <p>Arrays have type ARRAY, an {@code elementType}, and a Java array with the element representation
 * above: {@code byte[]} (INT8), {@code short[]} (UINT8, INT16), {@code int[]} (UINT16, INT32), {@code long[]}
 * (UINT32, UINT64, INT64), {@code float[]}, {@code double[]}, {@code boolean[]}, {@code String[]}, or
 * {@code GGUFValue[]} (each itself an ARRAY) for nested arrays. The array is shared, not copied: do not modify it.
 *
 * <p>The constructor checks that the Java representation matches the type (and unsigned ranges), so a value
 * that exists can always be written.
 */
public record GGUFValue(GGUFValueType type, GGUFValueType elementType, Object value) {

    public GGUFValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (type == GGUFValueType.ARRAY) {
            Objects.requireNonNull(elementType, "elementType of an ARRAY");
            checkArray(elementType, value);
        } else {
            if (elementType != null) {
                throw new IllegalArgumentException("elementType must be null for a " + type + " value");
            }
            checkScalar(type, value);
        }
    }

    // ---- factories ----

    public static GGUFValue string(String s) { return new GGUFValue(GGUFValueType.STRING, null, s); }
    public static GGUFValue uint8(int v) { return new GGUFValue(GGUFValueType.UINT8, null, (short) checkRange(v, 0, 0xFF)); }
    public static GGUFValue int8(byte v) { return new GGUFValue(GGUFValueType.INT8, null, v); }
    public static GGUFValue uint16(int v) { return new GGUFValue(GGUFValueType.UINT16, null, (int) checkRange(v, 0, 0xFFFF)); }
    public static GGUFValue int16(short v) { return new GGUFValue(GGUFValueType.INT16, null, v); }
    public static GGUFValue uint32(long v) { return new GGUFValue(GGUFValueType.UINT32, null, checkRange(v, 0, 0xFFFF_FFFFL)); }
    public static GGUFValue int32(int v) { return new GGUFValue(GGUFValueType.INT32, null, v); }
    /** {@code v} holds the raw 64 bits; values of 2^63 and more are negative longs. */
    public static GGUFValue uint64(long v) { return new GGUFValue(GGUFValueType.UINT64, null, v); }
    public static GGUFValue int64(long v) { return new GGUFValue(GGUFValueType.INT64, null, v); }
    public static GGUFValue float32(float v) { return new GGUFValue(GGUFValueType.FLOAT32, null, v); }
    public static GGUFValue float64(double v) { return new GGUFValue(GGUFValueType.FLOAT64, null, v); }
    public static GGUFValue bool(boolean v) { return new GGUFValue(GGUFValueType.BOOL, null, v); }

    /** An array of {@code elementType} held in {@code javaArray} (representation as in the class comment). */
    public static GGUFValue array(GGUFValueType elementType, Object javaArray) {
        return new GGUFValue(GGUFValueType.ARRAY, elementType, javaArray);
    }

    public static GGUFValue stringArray(String... v) { return array(GGUFValueType.STRING, v); }
    public static GGUFValue int32Array(int... v) { return array(GGUFValueType.INT32, v); }
    public static GGUFValue float32Array(float... v) { return array(GGUFValueType.FLOAT32, v); }
    /** An array of arrays. */
    public static GGUFValue nestedArray(GGUFValue... arrays) { return array(GGUFValueType.ARRAY, arrays); }

    /** Number of elements of an ARRAY value. */
    public int length() {
        if (type != GGUFValueType.ARRAY) throw new IllegalStateException(type + " value has no length");
        return java.lang.reflect.Array.getLength(value);
    }

    // ---- checks ----

    private static long checkRange(long v, long min, long max) {
        if (v < min || v > max) throw new IllegalArgumentException(v + " is outside [" + min + ", " + max + "]");
        return v;
    }

    private static void checkScalar(GGUFValueType type, Object value) {
        Class<?> expected = switch (type) {
            case UINT8, INT16 -> Short.class;
            case INT8 -> Byte.class;
            case UINT16, INT32 -> Integer.class;
            case UINT32, UINT64, INT64 -> Long.class;
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> throw new AssertionError();
        };
        if (value.getClass() != expected) {
            throw new IllegalArgumentException(type + " value must be a " + expected.getSimpleName()
                    + ", not a " + value.getClass().getSimpleName());
        }
        switch (type) {
            case UINT8 -> checkRange((Short) value, 0, 0xFF);
            case UINT16 -> checkRange((Integer) value, 0, 0xFFFF);
            case UINT32 -> checkRange((Long) value, 0, 0xFFFF_FFFFL);
            default -> { }
        }
    }

    private static void checkArray(GGUFValueType elementType, Object value) {
        Class<?> expected = switch (elementType) {
            case INT8 -> byte[].class;
            case UINT8, INT16 -> short[].class;
            case UINT16, INT32 -> int[].class;
            case UINT32, UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GGUFValue[].class;
        };
        if (value.getClass() != expected) {
            throw new IllegalArgumentException("array of " + elementType + " must be held in a "
                    + expected.getSimpleName() + ", not a " + value.getClass().getSimpleName());
        }
        switch (elementType) {
            case UINT8 -> { for (short v : (short[]) value) checkRange(v, 0, 0xFF); }
            case UINT16 -> { for (int v : (int[]) value) checkRange(v, 0, 0xFFFF); }
            case UINT32 -> { for (long v : (long[]) value) checkRange(v, 0, 0xFFFF_FFFFL); }
            case STRING -> { for (String s : (String[]) value) Objects.requireNonNull(s, "string array element"); }
            case ARRAY -> {
                for (GGUFValue v : (GGUFValue[]) value) {
                    if (v == null || v.type != GGUFValueType.ARRAY) {
                        throw new IllegalArgumentException("elements of a nested array must be ARRAY values");
                    }
                }
            }
            default -> { }
        }
    }

    // Records compare arrays by identity; compare contents instead so values read back equal values written.
    @Override
    public boolean equals(Object o) {
        return o instanceof GGUFValue v && type == v.type && elementType == v.elementType
                && Arrays.deepEquals(new Object[] {value}, new Object[] {v.value});
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, elementType, Arrays.deepHashCode(new Object[] {value}));
    }

    @Override
    public String toString() {
        if (type != GGUFValueType.ARRAY) {
            return type == GGUFValueType.STRING ? '"' + (String) value + '"' : String.valueOf(value);
        }
        String wrapped = Arrays.deepToString(new Object[] {value}); // "[[a, b]]" for any element type
        String items = wrapped.substring(1, wrapped.length() - 1);
        if (items.length() > 200) items = items.substring(0, 200) + "...";
        return elementType + "[" + length() + "] " + items;
    }
}
