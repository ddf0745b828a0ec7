package dev.edgewise.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The type table against ggml-common.h's block structs, restated as their sizeof expressions. */
class GGMLTypeTest {
    private static final int QK_K = 256, HALF = 2;

    @Test
    void blockSizesAndBytesMatchGgmlCommonH() {
        expect(GGMLType.F32, 0, 1, 4);
        expect(GGMLType.F16, 1, 1, 2);
        expect(GGMLType.Q4_0, 2, 32, HALF + 32 / 2);
        expect(GGMLType.Q4_1, 3, 32, 2 * HALF + 32 / 2);
        expect(GGMLType.Q5_0, 6, 32, HALF + 4 + 32 / 2);
        expect(GGMLType.Q5_1, 7, 32, 2 * HALF + 4 + 32 / 2);
        expect(GGMLType.Q8_0, 8, 32, HALF + 32);
        expect(GGMLType.Q8_1, 9, 32, 2 * HALF + 32);
        expect(GGMLType.Q2_K, 10, QK_K, 2 * HALF + QK_K / 16 + QK_K / 4);
        expect(GGMLType.Q3_K, 11, QK_K, HALF + QK_K / 4 + QK_K / 8 + 12);
        expect(GGMLType.Q4_K, 12, QK_K, 2 * HALF + 12 + QK_K / 2);
        expect(GGMLType.Q5_K, 13, QK_K, 2 * HALF + 12 + QK_K / 2 + QK_K / 8);
        expect(GGMLType.Q6_K, 14, QK_K, HALF + QK_K / 16 + 3 * QK_K / 4);
        expect(GGMLType.Q8_K, 15, QK_K, 4 + QK_K + QK_K / 16 * 2);
        expect(GGMLType.IQ2_XXS, 16, QK_K, HALF + QK_K / 8 * 2);
        expect(GGMLType.IQ2_XS, 17, QK_K, HALF + QK_K / 8 * 2 + QK_K / 32);
        expect(GGMLType.IQ3_XXS, 18, QK_K, HALF + 3 * (QK_K / 8));
        expect(GGMLType.IQ1_S, 19, QK_K, HALF + QK_K / 8 + QK_K / 16);
        expect(GGMLType.IQ4_NL, 20, 32, HALF + 32 / 2);
        expect(GGMLType.IQ3_S, 21, QK_K, HALF + 13 * (QK_K / 32) + QK_K / 64);
        expect(GGMLType.IQ2_S, 22, QK_K, HALF + QK_K / 4 + QK_K / 16);
        expect(GGMLType.IQ4_XS, 23, QK_K, HALF + 2 + QK_K / 64 + QK_K / 2);
        expect(GGMLType.I8, 24, 1, 1);
        expect(GGMLType.I16, 25, 1, 2);
        expect(GGMLType.I32, 26, 1, 4);
        expect(GGMLType.I64, 27, 1, 8);
        expect(GGMLType.F64, 28, 1, 8);
        expect(GGMLType.IQ1_M, 29, QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32);
        expect(GGMLType.BF16, 30, 1, 2);
    }

    private static void expect(GGMLType type, int id, int blockSize, int typeSize) {
        assertThat(type.id).as(type + " id").isEqualTo(id);
        assertThat(type.blockSize).as(type + " block size").isEqualTo(blockSize);
        assertThat(type.typeSize).as(type + " type size").isEqualTo(typeSize);
        assertThat(GGMLType.fromId(id)).isSameAs(type);
    }

    @Test
    void retiredAndUnknownIdsAreNull() {
        assertThat(GGMLType.fromId(4)).isNull(); // Q4_2, removed
        assertThat(GGMLType.fromId(5)).isNull(); // Q4_3, removed
        assertThat(GGMLType.fromId(-1)).isNull();
        assertThat(GGMLType.fromId(1000)).isNull();
    }

    @Test
    void rowBytes() {
        assertThat(GGMLType.Q4_K.rowBytes(512)).isEqualTo(288);
        assertThat(GGMLType.F16.rowBytes(3)).isEqualTo(6);
        assertThatThrownBy(() -> GGMLType.Q8_0.rowBytes(33)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Q8_0");
    }
}
