package dev.edgewise.quant;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.HexFormat;

/** Bit-for-bit float comparison that treats every NaN as equal to every other NaN. */
final class BitExact {
    private BitExact() {}

    static boolean same(float expected, float actual) {
        if (Float.isNaN(expected) || Float.isNaN(actual)) return Float.isNaN(expected) && Float.isNaN(actual);
        return Float.floatToRawIntBits(expected) == Float.floatToRawIntBits(actual);
    }

    static String describe(float f) {
        return f + " (0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + ")";
    }

    static void assertSame(float expected, float actual, String where, byte[] block) {
        if (!same(expected, actual)) {
            fail(where + ": expected " + describe(expected) + " but was " + describe(actual)
                    + (block == null ? "" : "\nblock bytes: " + HexFormat.of().formatHex(block)));
        }
    }
}
