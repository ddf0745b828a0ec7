package dev.edgewise.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.LinkedHashSet;
import java.util.List;

/** The kernel copies every test runs on: each float species the JDK offers (wider ones are emulated). */
final class TestKernels {
    private TestKernels() {}

    static List<SimdKernels> all() {
        LinkedHashSet<VectorSpecies<Float>> species = new LinkedHashSet<>(List.of(
                FloatVector.SPECIES_64, FloatVector.SPECIES_128, FloatVector.SPECIES_256, FloatVector.SPECIES_512,
                FloatVector.SPECIES_MAX, FloatVector.SPECIES_PREFERRED));
        return species.stream().map(SimdKernels::forSpecies).toList();
    }

    static KernelInternals internals(SimdKernels k) {
        return (KernelInternals) k;
    }
}
