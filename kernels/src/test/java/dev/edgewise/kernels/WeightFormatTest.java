package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-type kernel table agrees with GGMLType's block traits and with what packs. */
class WeightFormatTest {

    @Test
    void rowsTakeTheirBlocksFromGgmlType() {
        for (WeightFormat f : WeightFormat.values()) {
            if (f == WeightFormat.OTHER) continue;
            assertThat(f.type.name()).isEqualTo(f.name());
            assertThat(f.blockSize).as(f.name()).isEqualTo(f.type.blockSize);
            assertThat(f.blockBytes).as(f.name()).isEqualTo(f.type.typeSize);
            assertThat(WeightFormat.of(f.type)).isSameAs(f);
            WeightFormat.Family family = f.lanes == WeightFormat.Lanes.NONE ? WeightFormat.Family.NONE
                    : f.blockSize == 1 ? WeightFormat.Family.ELEMENTS
                    : f.blockSize == 32 ? WeightFormat.Family.QUANTS : WeightFormat.Family.K_QUANTS;
            assertThat(f.family).as(f.name()).isEqualTo(family);
        }
        assertThat(WeightFormat.OTHER.family).isEqualTo(WeightFormat.Family.NONE);
        // Q5_K: integer kernels only; its float path is the scalar decoder's
        assertThat(WeightFormat.of(GGMLType.Q5_K).lanes).isEqualTo(WeightFormat.Lanes.NONE);
        assertThat(WeightFormat.of(GGMLType.Q5_K).packing).isEqualTo(WeightFormat.Packing.BLOCKS);
        assertThat(WeightFormat.of(GGMLType.Q3_K)).isSameAs(WeightFormat.OTHER);
        assertThat(WeightFormat.of(GGMLType.IQ4_NL)).isSameAs(WeightFormat.OTHER);
    }

    @Test
    void packingColumnMatchesThePackers() {
        for (GGMLType t : GGMLType.values()) {
            WeightFormat.Packing expected = t == GGMLType.Q4_0 ? WeightFormat.Packing.Q4_0_PANELS
                    : PackedBlocks.packs(t) ? WeightFormat.Packing.BLOCKS : WeightFormat.Packing.NONE;
            WeightFormat f = WeightFormat.of(t);
            if (f != WeightFormat.OTHER) assertThat(f.packing).as(t.name()).isEqualTo(expected);
            else assertThat(expected).as(t + " packs but has no row in the table").isEqualTo(WeightFormat.Packing.NONE);
        }
    }

    @Test
    void widthsFollowTheLaneRules() {
        for (int lanes : new int[] {2, 4, 8, 16, 32}) {
            assertThat(WeightFormat.Lanes.ANY.fits(lanes)).isTrue();
            assertThat(WeightFormat.Lanes.HALVES.fits(lanes)).isEqualTo(lanes >= 4);
            assertThat(WeightFormat.Lanes.BLOCKS.fits(lanes)).isEqualTo(lanes >= 4 && lanes <= 16);
            assertThat(WeightFormat.Lanes.NONE.fits(lanes)).isFalse();
        }
    }
}
