package dev.edgewise.engine.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFTensor;
import dev.edgewise.quant.GGMLType;
import dev.edgewise.quant.QuantPreset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Synthetic models written with each preset: per-tensor types as llama-quantize picks them. */
class SyntheticPresetTest {
    /** Rows of 256 (K blocks fit) and of 640 (they do not: K types fall back). */
    static final SyntheticShape SHAPE = new SyntheticShape("preset-test", 3, 256, 4, 2, 640, 300, true);

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(QuantPreset.class)
    void everyTensorHasThePresetsType(QuantPreset preset) throws Exception {
        Path file = dir.resolve(preset + ".gguf");
        SyntheticModels.write(SHAPE, preset, 7, file);
        try (GGUFFile f = GGUFFile.open(file)) {
            assertThat(f.getLong("general.file_type")).isEqualTo(preset.fileType);
            for (GGUFTensor t : f.tensors()) {
                assertThat(t.type()).as(t.name()).isEqualTo(preset.typeFor(t.name(), t.ne(), SHAPE.nLayers(), SHAPE.tied()));
            }
            if (preset == QuantPreset.Q4_K_M) {
                assertThat(f.requireTensor("token_embd.weight").type()).isEqualTo(GGMLType.Q6_K);
                assertThat(f.requireTensor("blk.0.attn_q.weight").type()).isEqualTo(GGMLType.Q4_K);
                assertThat(f.requireTensor("blk.2.attn_v.weight").type()).isEqualTo(GGMLType.Q6_K);
                assertThat(f.requireTensor("blk.1.ffn_down.weight").type()).isEqualTo(GGMLType.Q5_0); // rows of 640
            }
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("scratch and temporary files are gone").containsExactly(file);
        }
    }

    @Test
    void theGGMLTypeOverloadsUseThePresetOfTheSameName() throws Exception {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        SyntheticModels.write(SHAPE, GGMLType.Q4_0, 3, a);
        SyntheticModels.write(SHAPE, QuantPreset.Q4_0, 3, b);
        assertThat(Files.mismatch(a, b)).isEqualTo(-1);
        assertThatThrownBy(() -> SyntheticModels.write(SHAPE, GGMLType.Q4_K, 3, dir.resolve("c.gguf")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Q4_K_M");
    }
}
