package dev.edgewise.fuzz;

import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.LoraAdapter;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The seeds are valid inputs that reach deep: the micro models load and run, the adapters and heads load. */
class SeedCorpusTest {
    private static final Path SEEDS = Path.of("src/test/resources/dev/edgewise/fuzz");

    @Test
    void microModelsLoadAndRunAForwardPass() throws IOException {
        for (String type : new String[]{"q8_0", "q4_0"}) {
            try (Model m = Model.load(SEEDS.resolve("GgufFuzzTestInputs/load/micro-" + type + ".gguf"),
                    ModelOptions.defaults().withThreads(1).withContextSize(16))) {
                float[][] rows = m.logits(new int[]{1, 2}, 1).rows();
                assertThat(rows).hasNumberOfRows(3);
            }
        }
    }

    @Test
    void adapterAndHeadSeedsLoad() throws IOException {
        Path dir = Files.createTempDirectory("peft");
        byte[] peft = Files.readAllBytes(SEEDS.resolve("AdapterFuzzTestInputs/peft/q-r2"));
        int nul = 0;
        while (peft[nul] != 0) nul++;
        Files.write(dir.resolve("adapter_config.json"), java.util.Arrays.copyOfRange(peft, 0, nul));
        Files.write(dir.resolve("adapter_model.safetensors"), java.util.Arrays.copyOfRange(peft, nul + 1, peft.length));
        assertThat(LoraAdapter.load(dir, AdapterPrecision.F32)).isNotNull();
        assertThat(LoraAdapter.load(SEEDS.resolve("AdapterFuzzTestInputs/gguf/q-r2.gguf"), AdapterPrecision.F32)).isNotNull();
        Heads.load(SEEDS.resolve("HeadsFuzzTestInputs/load/synthetic.safetensors")).validate(64, 2);
    }
}
