package dev.edgewise.engine;

import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.loader.GGUFTensor;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a decode step reads from the model file's mapping (the page-size hint's subject): nothing
 * once every matrix is packed into memory, every layer and output matrix when none is.
 */
class FileBytesPerTokenTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void packedMatricesAreNotReadFromTheFile(boolean tied) throws Exception {
        SyntheticShape shape = new SyntheticShape("t", 2, 64, 4, 2, 96, 304, tied); // rows in whole 16-row panels: all packable
        Path q8 = dir.resolve("q8.gguf"), f16 = dir.resolve("f16.gguf");
        SyntheticModels.write(shape, GGMLType.Q8_0, 1, q8);
        SyntheticModels.write(shape, GGMLType.F16, 1, f16);
        try (Model m = Model.load(q8, ModelOptions.defaults().withThreads(1))) {
            assertThat(m.fileBytesReadPerToken()).as("every Q8_0 matrix packed").isZero();
            if (java.nio.file.Files.isDirectory(Path.of("/sys/kernel/mm/transparent_hugepage"))) { // Linux with THP: smaps says
                // the packings' region, resident since packing wrote it (bench and run report it)
                assertThat(m.packedHugePageShare()).isPresent();
                assertThat(m.packedHugePageShare().getAsDouble()).isBetween(0.0, 1.0);
            }
        }
        try (Model m = Model.load(q8, ModelOptions.defaults().withThreads(1).withInt8Activations(false))) {
            assertThat(m.fileBytesReadPerToken()).as("Q8_0 on float activations, read from the file").isEqualTo(matrixBytes(m));
            assertThat(m.packedHugePageShare()).as("nothing packed").isEmpty();
        }
        try (Model m = Model.load(f16, ModelOptions.defaults().withThreads(1))) {
            assertThat(m.fileBytesReadPerToken()).as("F16, never packed").isEqualTo(matrixBytes(m)).isPositive();
        }
    }

    /** Bytes of the file's layer and output matrices (the tied embedding as the output; an untied one is only looked up). */
    private static long matrixBytes(Model m) {
        boolean untied = m.file().tensors().stream().anyMatch(t -> t.name().equals("output.weight"));
        long bytes = 0;
        for (GGUFTensor t : m.file().tensors()) {
            if (t.ne().length != 2 || untied && t.name().equals("token_embd.weight")) continue;
            bytes += t.byteSize();
        }
        return bytes;
    }
}
