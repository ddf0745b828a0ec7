package dev.edgewise.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFTensor;
import dev.edgewise.loader.testing.Fixtures;
import dev.edgewise.quant.GGMLType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code edgewise quantize} against files llama-quantize wrote from the same F32 masters. */
class QuantizeCommandTest {
    @TempDir
    Path dir;

    static CliTest.Run run(String... args) {
        return CliTest.run(args);
    }

    /** Fixture files whose master is small-f32 / nano-f32 and whose preset the command knows. */
    @ParameterizedTest
    @ValueSource(strings = {"small-q8_0", "small-q4_k_m", "small-q5_k_m", "small-q6_k", "small-q4_0", "small-f16",
        "small-bf16", "nano-q5_1"})
    void reproducesLlamaQuantizeByteForByte(String model) throws Exception {
        Path master = Fixtures.path("models/" + model.substring(0, model.indexOf('-')) + "-f32.gguf");
        Path expected = Fixtures.path("models/" + model + ".gguf");
        Path out = dir.resolve(model + ".gguf");
        String preset = model.substring(model.indexOf('-') + 1);
        CliTest.Run r = run("quantize", master.toString(), out.toString(), preset, "--threads", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains(preset.toUpperCase());
        try (GGUFFile ours = GGUFFile.open(out); GGUFFile theirs = GGUFFile.open(expected)) {
            assertThat(ours.tensors().stream().map(GGUFTensor::name).toList())
                    .isEqualTo(theirs.tensors().stream().map(GGUFTensor::name).toList());
            for (GGUFTensor t : theirs.tensors()) {
                GGUFTensor o = ours.requireTensor(t.name());
                assertThat(o.type()).as(t.name()).isEqualTo(t.type());
                assertThat(o.ne()).as(t.name()).isEqualTo(t.ne());
                assertThat(ours.data(o).mismatch(theirs.data(t))).as(model + " " + t.name() + " (" + t.type() + ") first differing byte").isEqualTo(-1);
            }
            assertThat(List.copyOf(ours.metadata().keySet())).isEqualTo(List.copyOf(theirs.metadata().keySet()));
            assertThat(ours.metadata()).isEqualTo(theirs.metadata());
        }
        // same metadata, order, alignment and padding: the whole file is llama-quantize's
        assertThat(Files.mismatch(out, expected)).as("first differing byte of the whole file").isEqualTo(-1);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("no scratch or temporary files left").containsExactly(out);
        }
    }

    @Test
    void requantizingAQuantizedModelDequantizesFirst() throws Exception {
        Path out = dir.resolve("q4.gguf");
        CliTest.Run r = run("quantize", Fixtures.path("models/small-q8_0.gguf").toString(), out.toString(), "Q4_K_M", "--threads", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        try (GGUFFile f = GGUFFile.open(out)) {
            assertThat(f.requireTensor("blk.0.attn_q.weight").type()).isEqualTo(GGMLType.Q4_K);
            assertThat(f.requireTensor("blk.1.ffn_down.weight").type()).isEqualTo(GGMLType.Q6_K);
            assertThat(f.requireTensor("blk.1.ffn_norm.weight").type()).isEqualTo(GGMLType.F32);
            assertThat(f.getLong("general.file_type")).isEqualTo(15);
        }
    }

    @Test
    void clearErrors() throws Exception {
        Path in = Fixtures.path("models/nano-f32.gguf");
        CliTest.Run unknown = run("quantize", in.toString(), dir.resolve("x.gguf").toString(), "q3_k_s");
        assertThat(unknown.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(unknown.err()).contains("q3_k_s").contains("Q4_K_M").contains("Q8_0");

        CliTest.Run missing = run("quantize", dir.resolve("nope.gguf").toString(), dir.resolve("x.gguf").toString(), "q8_0");
        assertThat(missing.exit()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(missing.err()).contains("no such file").contains("nope.gguf");

        Path garbage = dir.resolve("garbage.gguf");
        Files.writeString(garbage, "not a gguf file at all");
        CliTest.Run bad = run("quantize", garbage.toString(), dir.resolve("x.gguf").toString(), "q8_0");
        assertThat(bad.exit()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(bad.err()).contains("garbage.gguf");

        CliTest.Run threads = run("quantize", in.toString(), dir.resolve("x.gguf").toString(), "q8_0", "--threads", "0");
        assertThat(threads.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(threads.err()).contains("--threads");

        CliTest.Run noDir = run("quantize", in.toString(), dir.resolve("no/such/dir/x.gguf").toString(), "q8_0");
        assertThat(noDir.exit()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(noDir.err()).contains("output directory does not exist");
        assertThat(Files.exists(dir.resolve("x.gguf"))).isFalse();
    }
}
