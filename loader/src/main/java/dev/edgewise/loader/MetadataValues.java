package dev.edgewise.loader;

/** Conversions of metadata values to the Java types callers ask for, with range checks. */
final class MetadataValues {
    private MetadataValues() {}

    static String asString(GGUFValue v, GGUFFile f, String key) {
        if (v.type() != GGUFValueType.STRING) throw wrongType(v, f, key, "STRING");
        return (String) v.value();
    }

    static boolean asBoolean(GGUFValue v, GGUFFile f, String key) {
        if (v.type() != GGUFValueType.BOOL) throw wrongType(v, f, key, "BOOL");
        return (Boolean) v.value();
    }

    static long asLong(GGUFValue v, GGUFFile f, String key) {
        if (!v.type().isInteger()) throw wrongType(v, f, key, "an integer");
        long x = ((Number) v.value()).longValue();
        if (v.type() == GGUFValueType.UINT64 && x < 0) {
            throw f.keyError(key, "value " + Long.toUnsignedString(x) + " does not fit in a signed 64-bit long");
        }
        return x;
    }

    static int asInt(GGUFValue v, GGUFFile f, String key) {
        long x = asLong(v, f, key);
        if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
            throw f.keyError(key, "value " + x + " does not fit in a 32-bit int");
        }
        return (int) x;
    }

    static float asFloat(GGUFValue v, GGUFFile f, String key) {
        return switch (v.type()) {
            case FLOAT32 -> (Float) v.value();
            case FLOAT64 -> (float) (double) (Double) v.value();
            default -> (float) asLong(v, f, key); // rejects non-integers with a type error
        };
    }

    static String[] asStringArray(GGUFValue v, GGUFFile f, String key) {
        if (v.type() != GGUFValueType.ARRAY || v.elementType() != GGUFValueType.STRING) {
            throw wrongType(v, f, key, "an array of STRING");
        }
        return ((String[]) v.value()).clone();
    }

    static int[] asIntArray(GGUFValue v, GGUFFile f, String key) {
        if (v.type() != GGUFValueType.ARRAY || !v.elementType().isInteger()) {
            throw wrongType(v, f, key, "an array of integers");
        }
        Object a = v.value();
        return switch (a) {
            case int[] ints when v.elementType() == GGUFValueType.INT32 || v.elementType() == GGUFValueType.UINT16 -> ints.clone();
            case byte[] bytes -> { int[] r = new int[bytes.length]; for (int i = 0; i < r.length; i++) r[i] = bytes[i]; yield r; }
            case short[] shorts -> { int[] r = new int[shorts.length]; for (int i = 0; i < r.length; i++) r[i] = shorts[i]; yield r; }
            case long[] longs -> {
                int[] r = new int[longs.length];
                for (int i = 0; i < r.length; i++) {
                    long x = longs[i];
                    boolean unsignedHuge = v.elementType() == GGUFValueType.UINT64 && x < 0; // 2^63 or more
                    if (unsignedHuge || x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
                        throw f.keyError(key, "element " + i + " = "
                                + (v.elementType() == GGUFValueType.UINT64 ? Long.toUnsignedString(x) : x)
                                + " does not fit in a 32-bit int");
                    }
                    r[i] = (int) x;
                }
                yield r;
            }
            default -> throw new AssertionError(a.getClass());
        };
    }

    static float[] asFloatArray(GGUFValue v, GGUFFile f, String key) {
        if (v.type() != GGUFValueType.ARRAY) throw wrongType(v, f, key, "an array of numbers");
        Object a = v.value();
        return switch (v.elementType()) {
            case FLOAT32 -> ((float[]) a).clone();
            case FLOAT64 -> { double[] d = (double[]) a; float[] r = new float[d.length]; for (int i = 0; i < r.length; i++) r[i] = (float) d[i]; yield r; }
            case UINT64 -> {
                long[] l = (long[]) a; float[] r = new float[l.length];
                for (int i = 0; i < r.length; i++) r[i] = l[i] >= 0 ? l[i] : (float) Double.parseDouble(Long.toUnsignedString(l[i]));
                yield r;
            }
            default -> {
                if (!v.elementType().isInteger()) throw wrongType(v, f, key, "an array of numbers");
                int[] ints = v.elementType() == GGUFValueType.UINT32 || v.elementType() == GGUFValueType.INT64 ? null : asIntArray(v, f, key);
                if (ints != null) { float[] r = new float[ints.length]; for (int i = 0; i < r.length; i++) r[i] = ints[i]; yield r; }
                long[] l = (long[]) a; float[] r = new float[l.length]; for (int i = 0; i < r.length; i++) r[i] = l[i]; yield r;
            }
        };
    }

    private static ModelFormatException wrongType(GGUFValue v, GGUFFile f, String key, String expected) {
        String actual = v.type() == GGUFValueType.ARRAY ? "an array of " + v.elementType() : v.type().toString();
        return f.keyError(key, "has type " + actual + ", expected " + expected);
    }
}
