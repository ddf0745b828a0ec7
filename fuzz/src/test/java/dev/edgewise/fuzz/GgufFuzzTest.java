package dev.edgewise.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFTensor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The GGUF reader (header, metadata, tensor table, every tensor's data slice), then, when the file
 * also loads as a model, one forward pass of one token. Seeds: a micro qwen2 model and a vocab file.
 * Invariant: {@link Invariants}; a model that loads answers with finite-or-not logits, never a crash.
 *
 * <p>Speed: the forward pass runs once per model <em>shape</em> (every metadata value but the
 * tokenizer's, and every tensor's name, type and dimensions): it is the costly part of an input, and
 * its control flow and memory accesses depend on the shape only, not on the weights' values, which
 * are most of what the mutations change. Every input is still read and loaded in full.
 */
class GgufFuzzTest {
    private static final ModelOptions OPTIONS = ModelOptions.defaults().withThreads(1).withContextSize(16).withBatchSize(4);
    /** Shapes whose forward pass ran in this JVM (bounded: past the bound, every loadable input runs it). */
    private static final Set<String> SHAPES_RUN = new HashSet<>();
    private static final int MAX_SHAPES = 100_000;

    @FuzzTest(maxDuration = "30s")
    void load(byte[] data) {
        Path file = Scratch.file("fuzz.gguf", data);
        Invariants.refusesCleanly(() -> {
            String shape;
            try (GGUFFile gguf = GGUFFile.open(file)) {
                for (GGUFTensor t : gguf.tensors()) gguf.data(t);
                gguf.metadata().forEach((k, v) -> v.toString());
                shape = shape(gguf);
            }
            try (Model model = Model.load(file, OPTIONS)) {
                if (SHAPES_RUN.size() >= MAX_SHAPES || SHAPES_RUN.add(shape)) model.logits(new int[]{0}, 0);
            }
        });
    }

    private static String shape(GGUFFile gguf) {
        StringBuilder sb = new StringBuilder();
        gguf.metadata().forEach((k, v) -> {
            if (!k.startsWith("tokenizer.")) sb.append(k).append('=').append(v).append('\n');
        });
        for (GGUFTensor t : gguf.tensors()) sb.append(t.name()).append(' ').append(t.type()).append(Arrays.toString(t.ne())).append('\n');
        return sb.toString();
    }
}
