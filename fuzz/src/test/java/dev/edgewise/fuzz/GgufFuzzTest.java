package dev.edgewise.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFTensor;

import java.nio.file.Path;

/**
 * The GGUF reader (header, metadata, tensor table, every tensor's data slice), then, when the file
 * also loads as a model, one forward pass of one token. Seeds: a micro qwen2 model and a vocab file.
 * Invariant: {@link Invariants}; a model that loads answers with finite-or-not logits, never a crash.
 */
class GgufFuzzTest {
    private static final ModelOptions OPTIONS = ModelOptions.defaults().withThreads(1).withContextSize(16).withBatchSize(4);

    @FuzzTest(maxDuration = "30s")
    void load(byte[] data) {
        Path file = Scratch.file("fuzz.gguf", data);
        Invariants.refusesCleanly(() -> {
            try (GGUFFile gguf = GGUFFile.open(file)) {
                for (GGUFTensor t : gguf.tensors()) gguf.data(t);
                gguf.metadata().forEach((k, v) -> v.toString());
            }
            try (Model model = Model.load(file, OPTIONS)) {
                model.logits(new int[]{0}, 0);
            }
        });
    }
}
