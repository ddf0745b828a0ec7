package dev.edgewise.quant;

import static org.assertj.core.api.Assertions.assertThat;
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
 * {@link Quantize} for Q4_K, Q5_K and Q6_K against {@link KQuantReference} byte for byte, and
 * quantize-then-dequantize error bounds. (FixtureCrossCheckTest checks them against llama-quantize.)
 */
class KQuantizeTest {

    /** Super-blocks of 256 meant to reach every branch of the searches and of the scale packing. */
    static float[] awkwardSuperBlocks(long seed) {
        final Random rnd = new Random(seed);
        final List<float[]> blocks = new ArrayList<>();
        blocks.add(new float[256]); // all zero: d = dmin = 0
        final float[] tiny = new float[256]; // below GROUP_MAX_EPS (Q6_K writes a zero block)
        for (int i = 0; i < 256; i++) tiny[i] = (float) (rnd.nextGaussian() * 1e-17);
        blocks.add(tiny);
        final float[] constant = new float[256]; // max == min inside each sub-block
        Arrays.fill(constant, 0.75f);
        blocks.add(constant);
        final float[] negativeConstant = new float[256];
        Arrays.fill(negativeConstant, -2f);
        blocks.add(negativeConstant);
        final float[] oneSubBlock = new float[256]; // other sub-blocks' scales round to 0: d == 0 keeps the search's levels
        for (int i = 64; i < 96; i++) oneSubBlock[i] = (float) rnd.nextGaussian();
        oneSubBlock[200] = 1e-6f;
        blocks.add(oneSubBlock);
        final float[] spikes = new float[256];
        spikes[3] = 100f;
        spikes[150] = -100f;
        blocks.add(spikes);
        final float[] huge = new float[256]; // d overflows F16 to infinity
        for (int i = 0; i < 256; i++) huge[i] = (float) (rnd.nextGaussian() * 1e30);
        blocks.add(huge);
        final float[] subnormalScale = new float[256]; // d is an F16 subnormal
        for (int i = 0; i < 256; i++) subnormalScale[i] = (float) (rnd.nextGaussian() * 1e-5);
        blocks.add(subnormalScale);
        final float[] ramp = new float[256];
        for (int i = 0; i < 256; i++) ramp[i] = i - 128f;
        blocks.add(ramp);
        for (int k = 0; k < 120; k++) {
            final float[] b = new float[256];
            for (int sub = 0; sub < 8; sub++) {
                final double scale = Math.pow(10, rnd.nextInt(7) - 3);
                for (int j = 32 * sub; j < 32 * sub + 32; j++) {
                    b[j] = switch ((k + sub) % 5) {
                        case 0 -> (float) (rnd.nextGaussian() * scale);
                        case 1 -> (float) (rnd.nextDouble() * scale); // one-signed: min clamps to 0
                        case 2 -> (float) (-rnd.nextDouble() * scale);
                        case 3 -> (rnd.nextInt(33) - 16) * 0.125f; // grid values: exact ties in nearest_int
                        default -> (float) (rnd.nextGaussian() * (k % 2 == 0 ? 1 : scale));
                    };
                }
            }
            blocks.add(b);
        }
        final float[] all = new float[256 * blocks.size()];
        for (int b = 0; b < blocks.size(); b++) System.arraycopy(blocks.get(b), 0, all, 256 * b, 256);
        return all;
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_K", "Q5_K", "Q6_K"})
    void matchesTheGgmlReferenceByteForByte(GGMLType type) {
        final float[] x = awkwardSuperBlocks(5 + type.id);
        final byte[] expected = KQuantReference.quantize(type, x);
        final byte[] actual = Quantize.quantize(type, x);
        if (!Arrays.equals(expected, actual)) {
            final int block = Arrays.mismatch(expected, actual) / type.typeSize;
            fail(type + " super-block " + block + " differs\nexpected: "
                    + HexFormat.of().formatHex(expected, block * type.typeSize, (block + 1) * type.typeSize)
                    + "\nactual:   " + HexFormat.of().formatHex(actual, block * type.typeSize, (block + 1) * type.typeSize));
        }
    }

    @Test
    void nearestIntRoundsHalfToEvenAtFloatPrecision() {
        assertThat(KQuantize.nearestInt(0.5f)).isEqualTo(0);
        assertThat(KQuantize.nearestInt(1.5f)).isEqualTo(2);
        assertThat(KQuantize.nearestInt(2.5f)).isEqualTo(2);
        assertThat(KQuantize.nearestInt(-2.5f)).isEqualTo(-2);
        assertThat(KQuantize.nearestInt(-0.49999997f)).isEqualTo(0);
        assertThat(KQuantize.nearestInt(14.999999f)).isEqualTo(15);
        assertThat(KQuantize.nearestInt(4194303f)).isEqualTo(4194303);
        assertThat(KQuantize.nearestInt(-4194303f)).isEqualTo(-4194303);
        final Random rnd = new Random(3);
        for (int i = 0; i < 100_000; i++) {
            final float f = (float) ((rnd.nextDouble() - 0.5) * Math.pow(2, rnd.nextInt(24)));
            assertThat(KQuantize.nearestInt(f)).as("%s", f).isEqualTo((int) Math.rint(f));
        }
    }

    @Test
    void zeroAndTinyBlocksComeBackAsZero() {
        for (GGMLType type : new GGMLType[] {GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K}) {
            final float[] tiny = new float[256];
            tiny[17] = 1e-20f;
            final float[] y = new float[256];
            Dequantize.row(type, MemorySegment.ofArray(Quantize.quantize(type, new float[256])), 0, y, 0, 256);
            for (float v : y) assertThat(v == 0).as(type + " gives " + v).isTrue(); // Q6_K: 0 * (0 - 32) = -0
            Dequantize.row(type, MemorySegment.ofArray(Quantize.quantize(type, tiny)), 0, y, 0, 256);
            for (float v : y) assertThat(Math.abs(v)).as(type.name()).isLessThanOrEqualTo(1e-20f);
        }
        assertThat(Quantize.quantize(GGMLType.Q6_K, new float[256])).containsOnly(0);
    }

    /**
     * Gaussian super-blocks with a different spread per sub-block: the relative RMS error, and
     * every element's error against one step of its super-block's largest sub-block scale.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_K", "Q5_K", "Q6_K"})
    void roundTripErrorIsBounded(GGMLType type) {
        final Random rnd = new Random(11 + type.id);
        final int blocks = 200;
        final float[] x = new float[256 * blocks];
        for (int i = 0; i < x.length; i++) {
            final int sub = i / 32;
            x[i] = (float) (rnd.nextGaussian() * Math.pow(10, (sub % 5) * 0.25 - 1) + (sub % 3 == 0 ? 0.3 : 0));
        }
        final float[] y = new float[x.length];
        Dequantize.row(type, MemorySegment.ofArray(Quantize.quantize(type, x)), 0, y, 0, x.length);
        final int levels = switch (type) {
            case Q4_K -> 15;
            case Q5_K -> 31;
            default -> 63;
        };
        double sumErr2 = 0, sumX2 = 0;
        for (int b = 0; b < blocks; b++) {
            double range = 0; // widest sub-block range in the super-block (Q6_K: twice the largest magnitude)
            for (int sub = 0; sub < (type == GGMLType.Q6_K ? 16 : 8); sub++) {
                final int n = type == GGMLType.Q6_K ? 16 : 32;
                float min = 0, max = 0;
                for (int j = 0; j < n; j++) {
                    final float v = x[256 * b + n * sub + j];
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                range = Math.max(range, type == GGMLType.Q6_K ? 2 * Math.max(max, -min) : max - min);
            }
            for (int j = 0; j < 256; j++) {
                final int i = 256 * b + j;
                final double err = Math.abs((double) y[i] - x[i]);
                sumErr2 += err * err;
                sumX2 += (double) x[i] * x[i];
                // a whole step of the coarsest sub-block: the search may trade half a step of rounding
                // against the range, and 6-bit scales round the step itself
                if (err > range / levels) fail(type + " element " + i + ": " + x[i] + " came back as " + y[i]);
            }
        }
        final double relative = Math.sqrt(sumErr2 / sumX2);
        final double bound = switch (type) {
            case Q4_K -> 0.10;
            case Q5_K -> 0.05;
            default -> 0.025;
        };
        assertThat(relative).as(type + " relative RMS error").isLessThan(bound);
    }
}
