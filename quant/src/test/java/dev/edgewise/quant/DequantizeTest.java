package dev.edgewise.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Dequantize#row} against {@link GgmlReference}, bit for bit, on hand-built blocks: seeded
 * random bytes, and every combination of awkward F16 scales (zero, negative zero, subnormal,
 * largest, infinite, NaN) with extreme quant patterns.
 */
class DequantizeTest {

    /** Byte offsets of the F16 scale fields (d, and m/dmin where present) of each block type. */
    static int[] halfFields(GGMLType type) {
        return switch (type) {
            case Q4_0, Q5_0, Q8_0, IQ4_NL, IQ4_XS -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> new int[0];
        };
    }

    static final int[] SPECIAL_HALVES = {
        0x0000, 0x8000, // +-0
        0x3C00, 0xBC00, // +-1
        0x0001, 0x8001, 0x03FF, 0x0400, // smallest subnormal, largest subnormal, smallest normal
        0x7BFF, 0xFBFF, // +-65504
        0x7C00, 0xFC00, // +-inf
        0x7E00, 0x7C01, 0xFE00, // quiet, signalling and negative NaN
        0x3555, 0x2E66 // 0.333..., 0.1
    };

    static final int[] FILL_BYTES = {0x00, 0xFF, 0x0F, 0xF0, 0x55, 0xAA, 0x80, 0x7F, 0x88};

    private static void checkAgainstReference(GGMLType type, byte[] data) {
        final int blocks = data.length / type.typeSize;
        final float[] out = new float[blocks * type.blockSize];
        Dequantize.row(type, MemorySegment.ofArray(data).asReadOnly(), 0, out, 0, out.length);
        for (int b = 0; b < blocks; b++) {
            final byte[] block = Arrays.copyOfRange(data, b * type.typeSize, (b + 1) * type.typeSize);
            for (int i = 0; i < type.blockSize; i++) {
                final float expected = GgmlReference.element(type, block, i);
                BitExact.assertSame(expected, out[b * type.blockSize + i], type + " block " + b + " element " + i, block);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
        "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void randomBlocksMatchReference(GGMLType type) {
        final Random rnd = new Random(0x5EED0000L + type.id);
        final int blocks = Math.max(16, 32768 / type.blockSize);
        final byte[] data = new byte[blocks * type.typeSize];
        rnd.nextBytes(data);
        // random F16 scales are often huge, inf or NaN: give half the blocks moderate scales too
        for (int b = 0; b < blocks; b += 2) {
            for (int field : halfFields(type)) {
                final short h = Float.floatToFloat16((float) rnd.nextGaussian() * 0.05f);
                data[b * type.typeSize + field] = (byte) h;
                data[b * type.typeSize + field + 1] = (byte) (h >> 8);
            }
        }
        checkAgainstReference(type, data);
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
        "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void specialScalesAndExtremeQuantsMatchReference(GGMLType type) {
        final int[] fields = halfFields(type);
        final List<int[]> scaleCombos = new ArrayList<>();
        if (fields.length == 1) {
            for (int h : SPECIAL_HALVES) scaleCombos.add(new int[] {h});
        } else {
            for (int h0 : SPECIAL_HALVES) for (int h1 : SPECIAL_HALVES) scaleCombos.add(new int[] {h0, h1});
        }
        final Random rnd = new Random(0xED6EL + type.id);
        final int patterns = FILL_BYTES.length + 1; // the fills, then random bytes
        final byte[] data = new byte[scaleCombos.size() * patterns * type.typeSize];
        int at = 0;
        for (int[] combo : scaleCombos) {
            for (int p = 0; p < patterns; p++) {
                if (p < FILL_BYTES.length) {
                    Arrays.fill(data, at, at + type.typeSize, (byte) FILL_BYTES[p]);
                } else {
                    final byte[] r = new byte[type.typeSize];
                    rnd.nextBytes(r);
                    System.arraycopy(r, 0, data, at, r.length);
                }
                for (int f = 0; f < fields.length; f++) {
                    data[at + fields[f]] = (byte) combo[f];
                    data[at + fields[f] + 1] = (byte) (combo[f] >> 8);
                }
                at += type.typeSize;
            }
        }
        checkAgainstReference(type, data);
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16"})
    void every16BitPatternMatchesReference(GGMLType type) {
        final byte[] data = new byte[2 * 65536];
        for (int bits = 0; bits < 65536; bits++) {
            data[2 * bits] = (byte) bits;
            data[2 * bits + 1] = (byte) (bits >> 8);
        }
        checkAgainstReference(type, data);
    }

    @Test
    void f32SpecialValuesPassThroughUnchanged() {
        final int[] bits = {0, 0x80000000, 1, 0x807FFFFF, 0x3F800000, 0x7F7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000, 0x12345678};
        final byte[] data = new byte[4 * bits.length];
        MemorySegment.ofArray(data).asByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(bits);
        final float[] out = new float[bits.length];
        Dequantize.row(GGMLType.F32, MemorySegment.ofArray(data), 0, out, 0, bits.length);
        for (int i = 0; i < bits.length; i++) BitExact.assertSame(Float.intBitsToFloat(bits[i]), out[i], "F32 " + i, null);
    }

    @Test
    void handComputedBlocks() {
        // Q4_0, d = 2.0 (0x4000): nibble 0 -> -16, nibble 15 -> 14; byte j = element j | element j+16 << 4
        final byte[] q4 = new byte[18];
        q4[0] = 0x00;
        q4[1] = 0x40;
        q4[2] = (byte) 0xF0; // element 0 = nibble 0, element 16 = nibble 15
        q4[3] = (byte) 0x98; // element 1 = nibble 8, element 17 = nibble 9
        final float[] y = new float[32];
        Dequantize.row(GGMLType.Q4_0, MemorySegment.ofArray(q4), 0, y, 0, 32);
        assertThat(y[0]).isEqualTo(-16f);
        assertThat(y[16]).isEqualTo(14f);
        assertThat(y[1]).isEqualTo(0f);
        assertThat(y[17]).isEqualTo(2f);
        assertThat(y[2]).isEqualTo(-16f); // zero byte -> nibble 0

        // Q4_1 with d = 0.5, m = -1: x = q * 0.5 - 1
        final byte[] q41 = new byte[20];
        q41[1] = 0x38; // d = 0.5
        q41[3] = (byte) 0xBC; // m = -1
        q41[4] = (byte) 0x3F; // element 0 = 15 -> 6.5, element 16 = 3 -> 0.5
        Dequantize.row(GGMLType.Q4_1, MemorySegment.ofArray(q41), 0, y, 0, 32);
        assertThat(y[0]).isEqualTo(6.5f);
        assertThat(y[16]).isEqualTo(0.5f);
        assertThat(y[1]).isEqualTo(-1f);

        // Q5_0 with d = 1: qh bit 31 sets the 5th bit of element 31; qh bit 0 that of element 0
        final byte[] q5 = new byte[22];
        q5[1] = 0x3C;
        q5[2] = 0x01;
        q5[5] = (byte) 0x80;
        q5[6 + 15] = (byte) 0xF0; // element 31 low nibble 15
        Dequantize.row(GGMLType.Q5_0, MemorySegment.ofArray(q5), 0, y, 0, 32);
        assertThat(y[0]).isEqualTo(0f); // 16 - 16
        assertThat(y[31]).isEqualTo(15f); // 31 - 16
        assertThat(y[15]).isEqualTo(-16f);

        // IQ4_NL with d = 1: the nibble indexes kvalues_iq4nl
        final byte[] nl = new byte[18];
        nl[1] = 0x3C;
        nl[2] = (byte) 0xF0;
        Dequantize.row(GGMLType.IQ4_NL, MemorySegment.ofArray(nl), 0, y, 0, 32);
        assertThat(y[0]).isEqualTo(-127f);
        assertThat(y[16]).isEqualTo(113f);
    }

    @Test
    void readsUnalignedOffsetsOfReadOnlyNativeMemoryIntoAnyDestinationOffset() {
        for (GGMLType type : new GGMLType[] {GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q4_0, GGMLType.Q4_1,
            GGMLType.Q5_0, GGMLType.Q5_1, GGMLType.Q8_0, GGMLType.Q2_K, GGMLType.Q3_K, GGMLType.Q4_K,
            GGMLType.Q5_K, GGMLType.Q6_K, GGMLType.IQ4_NL, GGMLType.IQ4_XS}) {
            final int n = 3 * Math.max(type.blockSize, 32);
            final byte[] row = new byte[(int) type.rowBytes(n)];
            new Random(type.id).nextBytes(row);
            final float[] expected = new float[n];
            Dequantize.row(type, MemorySegment.ofArray(row), 0, expected, 0, n);
            try (Arena arena = Arena.ofConfined()) {
                final MemorySegment native_ = arena.allocate(row.length + 7, 8);
                MemorySegment.copy(MemorySegment.ofArray(row), 0, native_, 3, row.length);
                final float[] out = new float[n + 10];
                Dequantize.row(type, native_.asReadOnly(), 3, out, 5, n);
                for (int i = 0; i < n; i++) BitExact.assertSame(expected[i], out[5 + i], type + " element " + i, null);
                assertThat(out[4]).isZero();
                assertThat(out[5 + n]).isZero();
            }
        }
    }

    @Test
    void zeroElementsIsANoOp() {
        final float[] out = {7f};
        Dequantize.row(GGMLType.Q4_K, MemorySegment.ofArray(new byte[0]), 0, out, 1, 0);
        assertThat(out[0]).isEqualTo(7f);
    }

    @Test
    void rejectsBadArgumentsWithClearMessages() {
        final MemorySegment seg = MemorySegment.ofArray(new byte[144]);
        final float[] out = new float[256];
        assertThatThrownBy(() -> Dequantize.row(GGMLType.IQ2_XXS, seg, 0, out, 0, 256))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("IQ2_XXS");
        assertThatThrownBy(() -> Dequantize.row(GGMLType.Q4_K, seg, 0, out, 0, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Q4_K").hasMessageContaining("256");
        assertThatThrownBy(() -> Dequantize.row(GGMLType.Q4_K, seg, 0, out, 0, -256))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Dequantize.row(GGMLType.Q4_K, seg, 1, out, 0, 256))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("144 bytes at offset 1");
        assertThatThrownBy(() -> Dequantize.row(GGMLType.Q4_K, seg, -1, out, 0, 256))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Dequantize.row(GGMLType.Q4_K, seg, 0, out, 1, 256))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("length 256");
        assertThatThrownBy(() -> Dequantize.row(GGMLType.Q4_K, seg, 0, out, -1, 256))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void canDequantizeExactlyTheSupportedTypes() {
        for (GGMLType type : GGMLType.values()) {
            assertThat(Dequantize.canDequantize(type)).as(type.name()).isEqualTo(type.supported());
        }
    }
}
