package dev.edgewise.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Quantize} against {@link QuantizeReference} byte for byte, hand-derived blocks, and
 * quantize-then-dequantize error bounds.
 */
class QuantizeTest {

    /** Blocks of 32 inputs meant to hit every branch: ties, signs, clamps, zeros, first-of-equal maxima. */
    static List<float[]> awkwardBlocks(Random rnd) {
        final List<float[]> blocks = new ArrayList<>();
        blocks.add(new float[32]); // all zero
        final float[] allSame = new float[32];
        Arrays.fill(allSame, 0.75f);
        blocks.add(allSame);
        final float[] allSameNegative = new float[32];
        Arrays.fill(allSameNegative, -3.0f);
        blocks.add(allSameNegative);
        final float[] spike = new float[32];
        spike[7] = -5.0f;
        blocks.add(spike);
        final float[] equalMagnitudes = new float[32]; // +8 and -8: ggml keeps the first
        equalMagnitudes[3] = 8f;
        equalMagnitudes[20] = -8f;
        blocks.add(equalMagnitudes);
        final float[] equalMagnitudesReversed = new float[32];
        equalMagnitudesReversed[3] = -8f;
        equalMagnitudesReversed[20] = 8f;
        blocks.add(equalMagnitudesReversed);
        final float[] halves = new float[32]; // x * id lands on .5 for Q8_0: roundf's tie rule
        halves[0] = 127f;
        for (int j = 1; j < 32; j++) halves[j] = (j - 16) + 0.5f;
        blocks.add(halves);
        final float[] ramp = new float[32];
        for (int j = 0; j < 32; j++) ramp[j] = j - 16.0f;
        blocks.add(ramp);
        final float[] tiny = new float[32];
        for (int j = 0; j < 32; j++) tiny[j] = (float) (rnd.nextGaussian() * 1e-30);
        blocks.add(tiny);
        final float[] huge = new float[32]; // d overflows F16 to infinity
        for (int j = 0; j < 32; j++) huge[j] = (float) (rnd.nextGaussian() * 1e30);
        blocks.add(huge);
        final float[] subnormalScale = new float[32]; // d is an F16 subnormal
        for (int j = 0; j < 32; j++) subnormalScale[j] = (float) (rnd.nextGaussian() * 1e-4);
        blocks.add(subnormalScale);
        for (int k = 0; k < 200; k++) {
            final float[] b = new float[32];
            final double scale = Math.pow(10, rnd.nextInt(9) - 4);
            for (int j = 0; j < 32; j++) {
                b[j] = switch (k % 4) {
                    case 0 -> (float) (rnd.nextGaussian() * scale);
                    case 1 -> (float) (rnd.nextDouble() * scale); // one-signed: exercises min/max paths
                    case 2 -> (float) (-rnd.nextDouble() * scale);
                    default -> (rnd.nextInt(33) - 16) * 0.25f; // grid values: many exact ties
                };
            }
            blocks.add(b);
        }
        return blocks;
    }

    private static float[] concat(List<float[]> blocks) {
        final float[] all = new float[blocks.size() * 32];
        for (int b = 0; b < blocks.size(); b++) System.arraycopy(blocks.get(b), 0, all, 32 * b, 32);
        return all;
    }

    private static void assertBytesEqual(GGMLType type, float[] x, byte[] expected, byte[] actual) {
        if (Arrays.equals(expected, actual)) return;
        for (int b = 0; b < expected.length / type.typeSize; b++) {
            final byte[] e = Arrays.copyOfRange(expected, b * type.typeSize, (b + 1) * type.typeSize);
            final byte[] a = Arrays.copyOfRange(actual, b * type.typeSize, (b + 1) * type.typeSize);
            if (!Arrays.equals(e, a)) {
                fail(type + " block " + b + " differs\ninput:    "
                        + Arrays.toString(Arrays.copyOfRange(x, b * type.blockSize, (b + 1) * type.blockSize))
                        + "\nexpected: " + HexFormat.of().formatHex(e) + "\nactual:   " + HexFormat.of().formatHex(a));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void legacyQuantizersMatchGgmlReferenceByteForByte(GGMLType type) {
        final float[] x = concat(awkwardBlocks(new Random(42 + type.id)));
        assertBytesEqual(type, x, QuantizeReference.quantize(type, x), Quantize.quantize(type, x));
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16"})
    void floatFormatsMatchGgmlConversionsForAllKindsOfFloats(GGMLType type) {
        // a stride through all 2^32 bit patterns (every exponent, both signs, NaNs, subnormals)
        // plus values near F16's and BF16's rounding midpoints
        final Random rnd = new Random(7);
        final float[] x = new float[1 << 20];
        for (int i = 0; i < x.length; i++) {
            final int bits = (i & 1) == 0 ? i * 4099 : Float.floatToRawIntBits(Float.float16ToFloat((short) rnd.nextInt()))
                    + (rnd.nextInt(5) - 2) * 0x1000 + (rnd.nextInt(3) - 1);
            x[i] = Float.intBitsToFloat(bits);
        }
        final byte[] expected = QuantizeReference.quantize(type, x);
        final byte[] actual = Quantize.quantize(type, x);
        final int width = type.typeSize;
        for (int i = 0; i < x.length; i++) {
            long e = 0, a = 0;
            for (int k = width - 1; k >= 0; k--) {
                e = (e << 8) | (expected[i * width + k] & 0xFF);
                a = (a << 8) | (actual[i * width + k] & 0xFF);
            }
            if (e != a) {
                // NaN payloads are platform-defined in ggml (F16C keeps them, the portable code does not)
                final boolean bothNaN = type == GGMLType.F16
                        && Float.isNaN(x[i]) && (a & 0x7C00) == 0x7C00 && (a & 0x3FF) != 0;
                if (!bothNaN) {
                    fail(type + " of " + BitExact.describe(x[i]) + ": expected 0x" + Long.toHexString(e)
                            + " but was 0x" + Long.toHexString(a));
                }
            }
        }
    }

    @Test
    void q8_0HandDerivedBlock() {
        final float[] x = new float[32];
        x[0] = 127f; // amax 127 -> d = 1.0 exactly (F16 0x3C00), id = 1
        x[1] = -2.5f; // roundf: half away from zero -> -3 (Math.round would give -2)
        x[2] = 2.5f; // -> 3
        x[3] = 0.5f; // -> 1
        x[4] = -0.5f; // -> -1
        x[5] = 1.49f; // -> 1
        x[6] = -127f; // -> -127
        x[7] = 0.49999997f; // -> 0 (a naive floor(x + 0.5f) in float gives 1)
        final byte[] expected = new byte[34];
        expected[0] = 0x00;
        expected[1] = 0x3C;
        final int[] q = {127, -3, 3, 1, -1, 1, -127, 0};
        for (int j = 0; j < q.length; j++) expected[2 + j] = (byte) q[j];
        assertThat(Quantize.quantize(GGMLType.Q8_0, x)).containsExactly(expected);
    }

    @Test
    void q4_0HandDerivedBlock() {
        final float[] x = new float[32];
        x[0] = -8f; // first largest magnitude, negative: d = -8 / -8 = 1 (F16 0x3C00)
        x[1] = 8f; // same magnitude, not taken as max; 8 + 8.5 = 16.5 -> 16 -> clamped to 15
        x[2] = -0.6f; // 7.9 -> 7
        x[3] = 3f; // 11
        x[16] = 7f; // 15
        x[17] = -0.5f; // 8.0 -> 8
        x[18] = 0.49f; // 8.99 -> 8
        x[19] = -3f; // 5
        // all other elements are 0 -> 8
        final byte[] expected = new byte[18];
        expected[0] = 0x00;
        expected[1] = 0x3C;
        expected[2] = (byte) (0 | (15 << 4));
        expected[3] = (byte) (15 | (8 << 4));
        expected[4] = (byte) (7 | (8 << 4));
        expected[5] = (byte) (11 | (5 << 4));
        for (int j = 4; j < 16; j++) expected[2 + j] = (byte) 0x88;
        assertThat(Quantize.quantize(GGMLType.Q4_0, x)).containsExactly(expected);

        // the positive extreme first: d = 8 / -8 = -1 (F16 0xBC00), so 8 -> nibble 0
        final float[] y = new float[32];
        y[0] = 8f;
        y[1] = -8f; // -8 * -1 + 8.5 = 16.5 -> 15
        final byte[] q = Quantize.quantize(GGMLType.Q4_0, y);
        assertThat(q[0]).isEqualTo((byte) 0x00);
        assertThat(q[1]).isEqualTo((byte) 0xBC);
        assertThat(q[2]).isEqualTo((byte) (0 | (8 << 4)));
        assertThat(q[3]).isEqualTo((byte) (15 | (8 << 4)));
    }

    @Test
    void q4_1Q5_0Q5_1HandDerivedBlocks() {
        // Q4_1: min -1, max 14 -> d = 1, m = -1; q = trunc(x + 1 + 0.5)
        final float[] a = new float[32];
        Arrays.fill(a, 2f); // -> 3
        a[0] = -1f; // 0
        a[16] = 14f; // 15
        a[1] = 0.4f; // 1.9 -> 1
        final byte[] qa = Quantize.quantize(GGMLType.Q4_1, a);
        assertThat(Arrays.copyOfRange(qa, 0, 6)).containsExactly(0x00, 0x3C, 0x00, 0xBC, 0xF0, 0x31);
        for (int j = 2; j < 16; j++) assertThat(qa[4 + j]).isEqualTo((byte) 0x33);

        // Q5_0: -16 first -> d = 1; q = trunc(x + 16.5) clamped to 31; 0 -> 16 (5th bit set)
        final float[] b = new float[32];
        b[0] = -16f; // 0
        b[16] = 16f; // 32 -> 31
        b[31] = 15f; // 31
        final byte[] qb = Quantize.quantize(GGMLType.Q5_0, b);
        final byte[] eb = new byte[22];
        eb[1] = 0x3C;
        final int qh = 0xFFFFFFFE; // every element but element 0 has q >= 16
        for (int k = 0; k < 4; k++) eb[2 + k] = (byte) (qh >>> (8 * k));
        eb[6] = (byte) 0xF0; // element 0 -> 0, element 16 -> 31 & 0xF
        eb[6 + 15] = (byte) 0xF0; // element 15 -> 16 & 0xF = 0, element 31 -> 31 & 0xF
        assertThat(qb).containsExactly(eb);

        // Q5_1: x[i] = i -> min 0, max 31, d = 1, m = 0, q = i
        final float[] c = new float[32];
        for (int i = 0; i < 32; i++) c[i] = i;
        final byte[] qc = Quantize.quantize(GGMLType.Q5_1, c);
        final byte[] ec = new byte[24];
        ec[1] = 0x3C;
        ec[4 + 2] = (byte) 0xFF; // qh = 0xFFFF0000: elements 16..31 have the 5th bit
        ec[4 + 3] = (byte) 0xFF;
        for (int j = 0; j < 16; j++) ec[8 + j] = (byte) (j | (j << 4));
        assertThat(qc).containsExactly(ec);
    }

    /** Quantize, dequantize, and bound each element's error by what the format can represent. */
    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void roundTripErrorIsWithinHalfAStep(GGMLType type) {
        final Random rnd = new Random(99 + type.id);
        final float[] x = new float[32 * 400];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * Math.pow(10, (i / 32) % 7 - 3));
        final byte[] q = Quantize.quantize(type, x);
        final float[] y = new float[x.length];
        Dequantize.row(type, MemorySegment.ofArray(q), 0, y, 0, x.length);
        final boolean symmetric = type == GGMLType.Q8_0 || type == GGMLType.Q4_0 || type == GGMLType.Q5_0;
        final int levels = switch (type) {
            case Q8_0 -> 127;
            case Q4_0 -> 8;
            case Q5_0 -> 16;
            case Q4_1 -> 15;
            default -> 31;
        };
        for (int b = 0; b < x.length / 32; b++) {
            float amax = 0, min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                final float v = x[32 * b + j];
                amax = Math.max(amax, Math.abs(v));
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            // d as ggml computes it, and as stored (rounded to F16); the error is half a step of the
            // stored d, plus what the F16 rounding of d (and m) shifts the largest level by
            final float d = symmetric ? amax / levels : (max - min) / levels;
            final float dStored = Float.float16ToFloat(Float.floatToFloat16(d));
            final float mErr = symmetric ? 0 : Math.abs(min - Float.float16ToFloat(Float.floatToFloat16(min)));
            for (int j = 0; j < 32; j++) {
                final int i = 32 * b + j;
                // Q4_0/Q5_0 map the signed extreme to -levels; the opposite extreme is clamped to
                // levels - 1, a whole step away
                final boolean clampedEnd = (type == GGMLType.Q4_0 || type == GGMLType.Q5_0) && Math.abs(x[i]) > (levels - 0.5f) * d
                        && Math.signum(x[i]) != Math.signum(findSignedMax(x, 32 * b));
                final double bound = (clampedEnd ? 1.0 : 0.5) * dStored + (levels + 1) * Math.abs(d - dStored) + mErr
                        + 4 * Math.ulp(amax);
                if (Math.abs(x[i] - y[i]) > bound) {
                    fail(type + " element " + i + ": " + x[i] + " came back as " + y[i] + ", error above " + bound);
                }
            }
        }
    }

    private static float findSignedMax(float[] x, int from) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            if (amax < Math.abs(x[from + j])) {
                amax = Math.abs(x[from + j]);
                max = x[from + j];
            }
        }
        return max;
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16"})
    void floatFormatsRoundTrip(GGMLType type) {
        final float[] x = {0f, -0f, 1f, -2.5f, 65504f, 1e-7f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3.1415927f};
        final float[] y = new float[x.length];
        Dequantize.row(type, MemorySegment.ofArray(Quantize.quantize(type, x)), 0, y, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            final float expected = switch (type) {
                case F16 -> Float.float16ToFloat(Float.floatToFloat16(x[i]));
                case BF16 -> Float.intBitsToFloat(QuantizeReference.fp32ToBf16(x[i]) << 16);
                default -> x[i];
            };
            BitExact.assertSame(expected, y[i], type + " " + x[i], null);
        }
    }

    @Test
    void rowWritesAtAnOffsetAndLeavesTheRestAlone() {
        final float[] x = new float[100];
        for (int i = 0; i < x.length; i++) x[i] = i * 0.37f - 11f;
        final byte[] expected = Quantize.quantize(GGMLType.Q4_1, Arrays.copyOfRange(x, 4, 68));
        final byte[] dst = new byte[3 + expected.length + 5];
        Arrays.fill(dst, (byte) 0x5A);
        Quantize.row(GGMLType.Q4_1, x, 4, MemorySegment.ofArray(dst), 3, 64);
        assertThat(Arrays.copyOfRange(dst, 3, 3 + expected.length)).containsExactly(expected);
        assertThat(Arrays.copyOfRange(dst, 0, 3)).containsOnly(0x5A);
        assertThat(Arrays.copyOfRange(dst, 3 + expected.length, dst.length)).containsOnly(0x5A);
    }

    @Test
    void canQuantizeTheReferenceTypesOnly() {
        for (GGMLType type : GGMLType.values()) {
            final boolean expected = switch (type) {
                case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K -> true;
                default -> false;
            };
            assertThat(Quantize.canQuantize(type)).as(type.name()).isEqualTo(expected);
        }
    }

    @Test
    void rejectsBadArgumentsWithClearMessages() {
        assertThatThrownBy(() -> Quantize.quantize(GGMLType.Q3_K, new float[256]))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("Q3_K");
        assertThatThrownBy(() -> Quantize.quantize(GGMLType.Q6_K, new float[255]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("255");
        assertThatThrownBy(() -> Quantize.row(GGMLType.IQ4_NL, new float[32], 0, MemorySegment.ofArray(new byte[18]), 0, 32))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("IQ4_NL");
        assertThatThrownBy(() -> Quantize.quantize(GGMLType.Q8_0, new float[33]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("33").hasMessageContaining("Q8_0");
        assertThatThrownBy(() -> Quantize.row(GGMLType.Q8_0, new float[64], 0, MemorySegment.ofArray(new byte[68]).asReadOnly(), 0, 64))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-only");
        assertThatThrownBy(() -> Quantize.row(GGMLType.Q8_0, new float[64], 0, MemorySegment.ofArray(new byte[67]), 0, 64))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("68 bytes");
        assertThatThrownBy(() -> Quantize.row(GGMLType.Q8_0, new float[64], 1, MemorySegment.ofArray(new byte[68]), 0, 64))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("length 64");
        assertThatThrownBy(() -> Quantize.row(GGMLType.Q8_0, new float[64], 0, MemorySegment.ofArray(new byte[68]), 0, 31))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Quantize.quantize(GGMLType.F16, new float[3])).hasSize(6);
        assertThat(Quantize.quantize(GGMLType.Q8_0, new float[0])).isEmpty();
    }
}
