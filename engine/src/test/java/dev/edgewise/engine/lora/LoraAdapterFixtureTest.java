package dev.edgewise.engine.lora;

import dev.edgewise.engine.ReferenceDump;
import dev.edgewise.engine.ModelConfig;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shared fixture adapters (README section 7): both forms, scales, and validation against the fixture models. */
class LoraAdapterFixtureTest {

    static ModelConfig config(String model) throws IOException {
        try (GGUFFile f = GGUFFile.open(Fixtures.path("models/" + model))) {
            return ModelConfig.from(f);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"small-r8", "small-r16", "nano-r4"})
    @SuppressWarnings("unchecked")
    void ggufAndPeftFormsLoadToIdenticalNumbers(String name) throws IOException {
        Path dir = Fixtures.path("lora/" + name);
        Map<String, Object> manifest = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("lora_manifest.json")));
        int rank = ((Number) manifest.get("rank")).intValue();
        float alpha = ((Number) manifest.get("alpha")).floatValue();
        try (LoraAdapter gguf = LoraAdapter.load(dir.resolve("adapter.gguf"), AdapterPrecision.F32);
             LoraAdapter peft = LoraAdapter.load(dir, AdapterPrecision.F32)) {
            for (LoraAdapter a : List.of(gguf, peft)) {
                assertThat(a.rank()).isEqualTo(rank);
                assertThat(a.alpha()).isEqualTo(alpha);
                assertThat(a.scale(1f)).isEqualTo(((Number) manifest.get("scaling")).floatValue());
                assertThat(a.pairs()).hasSize(14);
            }
            assertThat(gguf.bytes()).isEqualTo(peft.bytes());
            List<Map<String, Object>> tensors = (List<Map<String, Object>>) manifest.get("tensors");
            for (Map<String, Object> t : tensors) {
                String ggufName = (String) t.get("gguf"); // blk.N.<target>.weight
                String[] parts = ggufName.split("\\.");
                LoraPair g = gguf.pair(Integer.parseInt(parts[1]), LoraTarget.fromGgufName(parts[2]));
                LoraPair p = peft.pair(Integer.parseInt(parts[1]), LoraTarget.fromGgufName(parts[2]));
                assertThat(List.of(g.a().rows(), g.a().cols())).as(ggufName + " A").isEqualTo(longsToInts(t.get("A_shape")));
                assertThat(List.of(g.b().rows(), g.b().cols())).as(ggufName + " B").isEqualTo(longsToInts(t.get("B_shape")));
                assertThat(p.a().data().toArray(ValueLayout.JAVA_BYTE)).as(ggufName + " A bytes").isEqualTo(g.a().data().toArray(ValueLayout.JAVA_BYTE));
                assertThat(p.b().data().toArray(ValueLayout.JAVA_BYTE)).as(ggufName + " B bytes").isEqualTo(g.b().data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    private static List<Integer> longsToInts(Object list) {
        return ((List<?>) list).stream().map(o -> ((Number) o).intValue()).toList();
    }

    @Test
    void scaleMatchesEveryDumpsS() throws IOException {
        int checked = 0;
        for (ReferenceDump d : ReferenceDump.all(Fixtures.root(), "lora/ref")) {
            for (ReferenceDump.Applied a : d.lora()) {
                for (Path p : List.of(a.gguf(), a.peft())) {
                    try (LoraAdapter ad = LoraAdapter.load(p, AdapterPrecision.F16)) {
                        assertThat(ad.rank()).isEqualTo(a.rank());
                        assertThat(ad.alpha()).isEqualTo(a.alpha());
                        assertThat(ad.scale(a.userScale())).as("%s %s", d.name(), p).isEqualTo(a.s());
                        checked++;
                    }
                }
            }
        }
        assertThat(checked).as("7 adapters of the plain dumps and 2 of the aLoRA dumps, in both forms").isEqualTo(18);
    }

    @Test
    void validateAcceptsTheBaseAndRejectsAnotherModel() throws IOException {
        ModelConfig small = config("small-f32.gguf"), nano = config("nano-f32.gguf"), smallQ4 = config("small-q4_0.gguf");
        try (LoraAdapter r8 = LoraAdapter.load(Fixtures.path("lora/small-r8/adapter.gguf"), AdapterPrecision.F32);
             LoraAdapter r8peft = LoraAdapter.load(Fixtures.path("lora/small-r8/adapter_model.safetensors"), AdapterPrecision.F32);
             LoraAdapter r4 = LoraAdapter.load(Fixtures.path("lora/nano-r4"), AdapterPrecision.F32)) {
            r8.validate(small);
            r8.validate(smallQ4);
            r8peft.validate(small);
            r4.validate(nano);
            assertThatThrownBy(() -> r8.validate(nano)).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("adapter.gguf")
                    .hasMessageContaining("tensor 'blk.0.attn_q.weight.lora_a' has ne [256, 8], expected ne [64, 8]");
            assertThatThrownBy(() -> r8peft.validate(nano)).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("adapter_model.safetensors")
                    .hasMessageContaining("tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has shape [8, 256], expected shape [8, 64]");
            assertThatThrownBy(() -> r4.validate(small)).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("lora_A.weight' has shape [4, 64], expected shape [4, 256]");
        }
    }

    @Test
    void q8_0PrecisionQuantizesAAndKeepsShortBRowsInF16() throws IOException {
        try (LoraAdapter q = LoraAdapter.load(Fixtures.path("lora/small-r16"), AdapterPrecision.Q8_0);
             LoraAdapter f = LoraAdapter.load(Fixtures.path("lora/small-r16"), AdapterPrecision.F32)) {
            for (LoraPair p : q.pairs()) {
                assertThat(p.a().type()).isEqualTo(GGMLType.Q8_0);
                assertThat(p.b().type()).isEqualTo(GGMLType.F16); // rank 16 < one Q8_0 block
            }
            long expected = 0;
            for (LoraPair p : f.pairs()) expected += GGMLType.Q8_0.rowBytes(p.inDim()) * 16 + 2L * 16 * p.outDim();
            assertThat(q.bytes()).isEqualTo(expected).isLessThan(f.bytes() * 2 / 5);
        }
    }
}
