package dev.edgewise.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimdKernelsTest {

    @Test
    void preferredKernelsUseThePreferredSpecies() {
        assertThat(SimdKernels.preferred().species()).isEqualTo(FloatVector.SPECIES_PREFERRED);
        assertThat(SimdKernels.forSpecies(FloatVector.SPECIES_PREFERRED)).isSameAs(SimdKernels.preferred());
    }

    @Test
    void eachSpeciesGetsItsOwnSpecialisedCopyOnce() {
        for (VectorSpecies<Float> s : new VectorSpecies[] {FloatVector.SPECIES_64, FloatVector.SPECIES_128, FloatVector.SPECIES_256, FloatVector.SPECIES_512}) {
            SimdKernels k = SimdKernels.forSpecies(s);
            assertThat(k.species()).isEqualTo(s);
            assertThat(SimdKernels.forSpecies(s)).isSameAs(k);
            if (!s.equals(FloatVector.SPECIES_PREFERRED)) {
                // a hidden copy of the kernel class, whose static final species is `s`
                assertThat(k.getClass().isHidden()).isTrue();
                assertThat(k.getClass()).isNotSameAs(SimdKernels.preferred().getClass());
            }
        }
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void rejectsNonFloatSpecies() {
        VectorSpecies ints = IntVector.SPECIES_128;
        assertThatThrownBy(() -> SimdKernels.forSpecies((VectorSpecies<Float>) ints))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("float species");
    }
}
