package dev.edgewise.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes one copy of the kernel classes per vector species: {@link SpeciesKernels} (the
 * {@link SimdKernels} of that width) and the per-concern classes it and they hold
 * ({@link VectorKernels}, {@link ElementKernels}, {@link QuantKernels}, {@link KQuantKernels}, {@link FloatTiles},
 * {@link IntegerKernels}, {@link Q8Q5IntegerKernels}, {@link KQuantIntegerKernels}).
 *
 * <p>Why copies: C2 compiles Vector API code to SIMD instructions only when the species is a
 * compile-time constant; a species held in an instance field or passed as an argument makes every
 * vector operation fall back to boxed Java code, about 40 times slower (measured on this project's
 * Q4_0 kernel). So each kernel class keeps its species in a {@code static final} field. The
 * normally loaded class holds {@link FloatVector#SPECIES_PREFERRED}; for any other species the same
 * class file is defined again as a hidden class whose class data is that species, which its static
 * initializer reads into the same {@code static final} field. Each copy is thus compiled with its
 * own constant species, and all widths run identical source.
 */
final class KernelsBySpecies {
    private KernelsBySpecies() {}

    static final SimdKernels PREFERRED = new SpeciesKernels();

    private static final ConcurrentHashMap<VectorSpecies<Float>, SimdKernels> BY_SPECIES = new ConcurrentHashMap<>();

    static {
        BY_SPECIES.put(PREFERRED.species(), PREFERRED);
    }

    static SimdKernels get(VectorSpecies<Float> species) {
        Objects.requireNonNull(species, "species");
        if (species.elementType() != float.class) {
            throw new IllegalArgumentException("kernels need a float species, got " + species);
        }
        return BY_SPECIES.computeIfAbsent(species, KernelsBySpecies::defineCopy);
    }

    private static SimdKernels defineCopy(VectorSpecies<Float> species) {
        return (SimdKernels) defineCopy(SpeciesKernels.class, species);
    }

    /**
     * The kernels of class {@code kernels} (one of this package's per-width kernel classes, with a
     * no-argument constructor) for {@code species}: the normally loaded class for the preferred
     * species, else a hidden copy, made once per class and species. Called from the kernel classes'
     * static initializers (so it must not rely on this class's own static state).
     */
    static <T> T kernels(Class<?> kernels, Class<T> as, VectorSpecies<Float> species) {
        if (species.equals(FloatVector.SPECIES_PREFERRED)) {
            try {
                return as.cast(kernels.getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot make " + kernels.getSimpleName(), e);
            }
        }
        List<Object> key = List.of(kernels, species);
        Object copy = Copies.BY_CLASS_AND_SPECIES.get(key);
        if (copy == null) { // not computeIfAbsent: a copy's initializer asks for the copies it uses
            copy = defineCopy(kernels, species);
            Object earlier = Copies.BY_CLASS_AND_SPECIES.putIfAbsent(key, copy);
            if (earlier != null) copy = earlier;
        }
        return as.cast(copy);
    }

    /** Hidden copies made by {@link #kernels}, keyed by class and species (a holder: initialized on first use). */
    private static final class Copies {
        static final ConcurrentHashMap<List<Object>, Object> BY_CLASS_AND_SPECIES = new ConcurrentHashMap<>();
    }

    /**
     * The species of the kernel class whose own lookup is {@code lookup}: a hidden copy's class
     * data, or {@link FloatVector#SPECIES_PREFERRED} for the normally loaded class.
     */
    static VectorSpecies<Float> speciesOf(MethodHandles.Lookup lookup) {
        try {
            @SuppressWarnings("unchecked")
            VectorSpecies<Float> species = MethodHandles.classData(lookup, ConstantDescs.DEFAULT_NAME, VectorSpecies.class);
            return species != null ? species : FloatVector.SPECIES_PREFERRED;
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    /** The integer kernels for {@code species} ({@link #kernels} of IntegerKernels). */
    static Int8Kernels integerKernels(VectorSpecies<Float> species) {
        return kernels(IntegerKernels.class, Int8Kernels.class, species);
    }

    private static Object defineCopy(Class<?> kernels, VectorSpecies<Float> species) {
        try {
            MethodHandles.Lookup copy = MethodHandles.lookup().defineHiddenClassWithClassData(classBytes(kernels), species, true);
            return copy.findConstructor(copy.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot define " + kernels.getSimpleName() + " for " + species, t);
        }
    }

    private static byte[] classBytes(Class<?> kernels) {
        String name = kernels.getSimpleName() + ".class";
        try (InputStream in = kernels.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("class file " + name + " is not on the class path");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read class file " + name, e);
        }
    }
}
