package dev.edgewise.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.LoraAdapter;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The LoRA adapter loaders: a PEFT directory (adapter_config.json + adapter_model.safetensors; the input
 * is the config, a NUL byte, then the safetensors bytes) and a llama.cpp adapter GGUF.
 */
class AdapterFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void peft(byte[] data) {
        int nul = 0;
        while (nul < data.length && data[nul] != 0) nul++;
        Path dir = Scratch.dir("peft");
        Scratch.file("peft/adapter_config.json", Arrays.copyOfRange(data, 0, nul));
        Scratch.file("peft/adapter_model.safetensors", Arrays.copyOfRange(data, Math.min(nul + 1, data.length), data.length));
        Invariants.refusesCleanly(() -> LoraAdapter.load(dir, AdapterPrecision.F32));
    }

    @FuzzTest(maxDuration = "30s")
    void gguf(byte[] data) {
        Path file = Scratch.file("adapter.gguf", data);
        Invariants.refusesCleanly(() -> LoraAdapter.load(file, AdapterPrecision.F16));
    }
}
