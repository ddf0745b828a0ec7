package dev.edgewise.engine.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgewise.engine.Architecture;
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
    void qwen3PresetsHaveTheRealShapes() {
        // config.json of Qwen/Qwen3-0.6B, -1.7B, -4B: layers, hidden, heads / kv heads, head_dim, intermediate, tied
        assertThat(SyntheticShape.preset("qwen3-0.6b")).isEqualTo(SyntheticShape.qwen3("qwen3-0.6b", 28, 1024, 16, 8, 128, 3072, 151_936, true));
        assertThat(SyntheticShape.preset("qwen3-1.7b")).isEqualTo(SyntheticShape.qwen3("qwen3-1.7b", 28, 2048, 16, 8, 128, 6144, 151_936, true));
        assertThat(SyntheticShape.preset("qwen3-4b")).isEqualTo(SyntheticShape.qwen3("qwen3-4b", 36, 2560, 32, 8, 128, 9728, 151_936, true));
        assertThat(SyntheticShape.QWEN3_4B.qDim()).isEqualTo(4096).isNotEqualTo(SyntheticShape.QWEN3_4B.dim());
        assertThat(SyntheticShape.QWEN25_05B.architecture()).isEqualTo(Architecture.QWEN2);
        assertThat(SyntheticShape.QWEN25_05B.headDim()).isEqualTo(64);
        assertThatThrownBy(() -> SyntheticShape.preset("qwen3-8b")).hasMessageContaining("qwen3-0.6b, qwen3-1.7b, qwen3-4b");
    }

    @Test
    void aQwen3ModelIsWrittenWithItsKeysAndNormsAndNoBiases() throws Exception {
        SyntheticShape shape = SyntheticShape.qwen3("w", 2, 256, 4, 2, 96, 512, 300, false);
        Path file = dir.resolve("q3.gguf");
        SyntheticModels.write(shape, QuantPreset.Q4_K_M, 5, file);
        try (GGUFFile f = GGUFFile.open(file)) {
            assertThat(f.getString("general.architecture")).isEqualTo("qwen3");
            assertThat(f.getInt("qwen3.attention.key_length")).isEqualTo(96);
            assertThat(f.getInt("qwen3.attention.value_length")).isEqualTo(96);
            assertThat(f.getInt("qwen3.embedding_length")).isEqualTo(256);
            assertThat(f.has("qwen2.embedding_length")).isFalse();
            assertThat(f.requireTensor("blk.1.attn_q_norm.weight").ne()).containsExactly(96);
            assertThat(f.requireTensor("blk.1.attn_k_norm.weight").type()).isEqualTo(GGMLType.F32);
            assertThat(f.requireTensor("blk.0.attn_q.weight").ne()).containsExactly(256, 384);
            assertThat(f.requireTensor("blk.0.attn_output.weight").ne()).containsExactly(384, 256);
            assertThat(f.tensor("blk.0.attn_q.bias")).isNull();
            assertThat(f.tensor("output.weight")).isNotNull();
            for (GGUFTensor t : f.tensors()) {
                assertThat(t.type()).as(t.name()).isEqualTo(QuantPreset.Q4_K_M.typeFor(t.name(), t.ne(), shape.nLayers(), shape.tied()));
            }
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
