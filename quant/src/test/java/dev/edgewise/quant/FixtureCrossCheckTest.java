package dev.edgewise.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cross-checks against files llama.cpp wrote (shared fixtures, see their README): every non-F32
 * model was made from its F32 master by {@code llama-quantize} without an importance matrix,
 * which runs exactly ggml's reference quantizers. So {@link Quantize} applied to the master must
 * reproduce the stored tensors byte for byte, and {@link Dequantize} of every stored tensor must
 * land near the master (a layout mistake would scramble elements and blow the error up).
 */
class FixtureCrossCheckTest {

    /** The fixtures root, or a skipped test when absent (a failure when -Dfixtures.required=true). */
    static Path fixtures() {
        final String root = System.getProperty("edgewise.fixtures");
        final boolean required = Boolean.getBoolean("fixtures.required");
        final Path path = root == null ? null : Path.of(root);
        if (path == null || !Files.isDirectory(path.resolve("models"))) {
            if (required) fail("fixtures required but not found at " + root + " (set -Dedgewise.fixtures)");
            Assumptions.abort("fixtures not found at " + root);
        }
        return path;
    }

    private static MiniGguf open(String name) throws IOException {
        final Path file = fixtures().resolve("models").resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(file), () -> "missing fixture " + file);
        return new MiniGguf(file);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nano-f16", "nano-bf16", "nano-q8_0", "nano-q4_0", "nano-q4_1", "nano-q5_0", "nano-q5_1",
        "small-q8_0", "small-q4_0", "small-q4_1", "small-q5_0", "small-q5_1", "small-q4_k_m", "small-q5_k_m", "small-q6_k"})
    void quantizingTheF32MasterReproducesLlamaQuantizeOutput(String model) throws IOException {
        final String master = model.substring(0, model.indexOf('-')) + "-f32.gguf";
        int compared = 0;
        try (MiniGguf f32 = open(master); MiniGguf quantized = open(model + ".gguf")) {
            for (MiniGguf.Tensor t : quantized.tensors.values()) {
                if (t.type() == GGMLType.F32 || !Quantize.canQuantize(t.type())) continue;
                final float[] x = f32.f32(f32.tensors.get(t.name()));
                final byte[] expected = quantized.bytes(t);
                final byte[] actual = Quantize.quantize(t.type(), x);
                if (!Arrays.equals(expected, actual)) {
                    final long at = Arrays.mismatch(expected, actual);
                    final long block = at / t.type().typeSize;
                    fail(model + " " + t.name() + " (" + t.type() + ") differs first in block " + block + ": expected "
                            + HexFormat.of().formatHex(expected, (int) (block * t.type().typeSize), (int) ((block + 1) * t.type().typeSize))
                            + " but was "
                            + HexFormat.of().formatHex(actual, (int) (block * t.type().typeSize), (int) ((block + 1) * t.type().typeSize)));
                }
                compared++;
            }
        }
        assertThat(compared).as("quantized tensors compared in " + model).isGreaterThan(0);
    }

    /**
     * Largest accepted RMS error relative to the weights' RMS, per type: about 1.5x what these files
     * show (Q2_K 0.30, Q3_K 0.15, Q4_* 0.07-0.09, Q5_* 0.04, Q6_K 0.018, Q8_0 0.005). Misplaced
     * elements would give about 1.4.
     */
    private static final Map<GGMLType, Double> RELATIVE_RMS_BOUND = Map.ofEntries(
            Map.entry(GGMLType.F16, 1e-3), Map.entry(GGMLType.BF16, 5e-3), Map.entry(GGMLType.Q8_0, 0.01),
            Map.entry(GGMLType.Q6_K, 0.03), Map.entry(GGMLType.Q5_0, 0.06), Map.entry(GGMLType.Q5_1, 0.06),
            Map.entry(GGMLType.Q5_K, 0.06), Map.entry(GGMLType.Q4_0, 0.12), Map.entry(GGMLType.Q4_1, 0.12),
            Map.entry(GGMLType.Q4_K, 0.12), Map.entry(GGMLType.IQ4_NL, 0.12), Map.entry(GGMLType.IQ4_XS, 0.12),
            Map.entry(GGMLType.Q3_K, 0.25), Map.entry(GGMLType.Q2_K, 0.45));

    @ParameterizedTest
    @ValueSource(strings = {"nano-f16", "nano-bf16", "nano-q8_0", "nano-q4_0", "nano-q4_1", "nano-q5_0", "nano-q5_1",
        "small-f16", "small-bf16", "small-q8_0", "small-q4_0", "small-q4_1", "small-q5_0", "small-q5_1", "small-q4_k_m",
        "small-q5_k_m", "small-q6_k", "small-q3_k_m", "small-q2_k", "small-iq4_nl", "small-iq4_xs"})
    void dequantizedTensorsStayCloseToTheF32Master(String model) throws IOException {
        final String master = model.substring(0, model.indexOf('-')) + "-f32.gguf";
        final Map<GGMLType, double[]> errorByType = new TreeMap<>(); // {sum sq err, sum sq weight}
        try (MiniGguf f32 = open(master); MiniGguf quantized = open(model + ".gguf")) {
            for (MiniGguf.Tensor t : quantized.tensors.values()) {
                if (t.type() == GGMLType.F32) continue;
                final float[] x = f32.f32(f32.tensors.get(t.name()));
                final float[] y = new float[x.length];
                Dequantize.row(t.type(), quantized.data, t.offset(), y, 0, y.length);
                final double[] acc = errorByType.computeIfAbsent(t.type(), k -> new double[2]);
                for (int i = 0; i < x.length; i++) {
                    final double e = (double) y[i] - x[i];
                    acc[0] += e * e;
                    acc[1] += (double) x[i] * x[i];
                }
            }
        }
        assertThat(errorByType).as("quantized tensors in " + model).isNotEmpty();
        errorByType.forEach((type, acc) -> {
            final double relative = Math.sqrt(acc[0] / acc[1]);
            assertThat(relative).as(model + " " + type + " relative RMS error").isLessThan(RELATIVE_RMS_BOUND.get(type));
        });
    }
}
