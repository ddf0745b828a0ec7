package dev.edgewise.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@link QuantPreset}'s per-tensor types against what llama-quantize chose for the fixtures. */
class QuantPresetTest {

    /** One fixture's entry in models/MODELS.json: the fields this test needs. */
    private record ModelEntry(String file, int fileType, int nLayers, boolean tied, Map<String, String> tensorTypes) {}

    /**
     * MODELS.json's entries. A few regular expressions suffice: the file is the fixtures' own
     * pretty-printed JSON (quant cannot use the loader's parser), and a shape change fails the
     * count check below rather than passing silently.
     */
    private static Map<String, ModelEntry> modelsJson(Path fixtures) throws IOException {
        final String json = Files.readString(fixtures.resolve("models/MODELS.json"));
        final Map<String, ModelEntry> out = new LinkedHashMap<>();
        final Matcher entry = Pattern.compile("\"(models/[^\"]+\\.gguf)\": \\{(.*?)\"tensor_types\": \\{(.*?)\\}", Pattern.DOTALL)
                .matcher(json);
        while (entry.find()) {
            final String fields = entry.group(2);
            final Map<String, String> types = new LinkedHashMap<>();
            final Matcher t = Pattern.compile("\"([^\"]+)\": \"([^\"]+)\"").matcher(entry.group(3));
            while (t.find()) types.put(t.group(1), t.group(2));
            out.put(entry.group(1), new ModelEntry(entry.group(1), intField(fields, "file_type"), intField(fields, "n_layer"),
                    fields.contains("\"tied\": true"), types));
        }
        return out;
    }

    private static int intField(String fields, String name) {
        final Matcher m = Pattern.compile("\"" + name + "\": (\\d+)").matcher(fields);
        if (!m.find()) throw new IllegalStateException("MODELS.json entry without " + name);
        return Integer.parseInt(m.group(1));
    }

    /** The preset a fixture was made with, from its file name (small-q4_k_m.gguf -> Q4_K_M), or null if not one of ours. */
    private static QuantPreset presetOf(String file) {
        final String type = file.substring(file.indexOf('-', file.indexOf('/')) + 1, file.length() - ".gguf".length());
        final String suffix = type.substring(type.lastIndexOf('-') + 1);
        try {
            return QuantPreset.parse(suffix);
        } catch (IllegalArgumentException e) {
            return null; // q3_k_m, q2_k, iq4_nl, iq4_xs
        }
    }

    @Test
    void reproducesTheTensorTypesOfEveryFixtureMadeWithAPreset() throws IOException {
        final Path fixtures = FixtureCrossCheckTest.fixtures();
        final Map<String, ModelEntry> models = modelsJson(fixtures);
        assertThat(models).hasSizeGreaterThanOrEqualTo(27);
        int files = 0, tensors = 0;
        for (ModelEntry m : models.values()) {
            final QuantPreset preset = presetOf(m.file());
            if (preset == null) continue;
            assertThat(m.fileType()).as(m.file() + " general.file_type").isEqualTo(preset.fileType);
            assertThat(QuantPreset.fromFileType(m.fileType())).isEqualTo(preset);
            try (MiniGguf g = new MiniGguf(fixtures.resolve(m.file()))) {
                assertThat(g.tensors.keySet()).as(m.file()).containsExactlyInAnyOrderElementsOf(m.tensorTypes().keySet());
                for (MiniGguf.Tensor t : g.tensors.values()) {
                    final GGMLType expected = t.type();
                    assertThat(expected.name()).as(m.file() + " " + t.name() + " in MODELS.json").isEqualTo(m.tensorTypes().get(t.name()));
                    assertThat(preset.typeFor(t.name(), t.ne(), m.nLayers(), m.tied())).as(m.file() + " " + t.name()).isEqualTo(expected);
                    tensors++;
                }
            }
            files++;
        }
        assertThat(files).isEqualTo(28); // all 27 qwen2 files but q3_k_m, q2_k, iq4_nl, iq4_xs, and the 5 qwen3 files (README §8)
        assertThat(tensors).isGreaterThan(500);
    }

    @Test
    void realQwen25HalfBillionShapeMixesFallbackTypes() {
        // dim 896 is not a multiple of 256: K types fall back on every matrix with rows of 896
        final int layers = 24;
        final QuantPreset p = QuantPreset.Q4_K_M;
        assertThat(p.typeFor("token_embd.weight", new long[] {896, 151936}, layers, true)).isEqualTo(GGMLType.Q8_0);
        assertThat(p.typeFor("blk.5.attn_q.weight", new long[] {896, 896}, layers, true)).isEqualTo(GGMLType.Q5_0);
        assertThat(p.typeFor("blk.0.attn_v.weight", new long[] {896, 128}, layers, true)).isEqualTo(GGMLType.Q8_0); // Q6_K -> Q8_0
        assertThat(p.typeFor("blk.4.attn_v.weight", new long[] {896, 128}, layers, true)).isEqualTo(GGMLType.Q5_0);
        assertThat(p.typeFor("blk.0.ffn_down.weight", new long[] {4864, 896}, layers, true)).isEqualTo(GGMLType.Q6_K);
        assertThat(p.typeFor("blk.4.ffn_down.weight", new long[] {4864, 896}, layers, true)).isEqualTo(GGMLType.Q4_K);
        assertThat(p.typeFor("blk.5.ffn_down.weight", new long[] {4864, 896}, layers, true)).isEqualTo(GGMLType.Q6_K);
        assertThat(p.typeFor("blk.3.attn_norm.weight", new long[] {896}, layers, true)).isEqualTo(GGMLType.F32);
        assertThat(p.typeFor("blk.3.attn_q.bias", new long[] {896}, layers, true)).isEqualTo(GGMLType.F32);
        assertThat(QuantPreset.Q5_K_M.typeFor("blk.5.attn_q.weight", new long[] {896, 896}, layers, true)).isEqualTo(GGMLType.Q5_1);
        assertThat(QuantPreset.Q6_K.typeFor("blk.5.attn_q.weight", new long[] {896, 896}, layers, true)).isEqualTo(GGMLType.Q8_0);
        // untied: token_embd keeps the base type, output.weight gets Q6_K
        assertThat(p.typeFor("token_embd.weight", new long[] {3584, 152064}, 28, false)).isEqualTo(GGMLType.Q4_K);
        assertThat(p.typeFor("output.weight", new long[] {3584, 152064}, 28, false)).isEqualTo(GGMLType.Q6_K);
        assertThat(QuantPreset.Q8_0.typeFor("output.weight", new long[] {3584, 152064}, 28, false)).isEqualTo(GGMLType.Q8_0);
        assertThat(QuantPreset.F16.typeFor("output.weight", new long[] {3584, 152064}, 28, false)).isEqualTo(GGMLType.F16);
        // rows of 48: Q4_K -> Q5_0 does not fit either -> F16
        assertThat(p.typeFor("blk.1.attn_q.weight", new long[] {48, 48}, 2, true)).isEqualTo(GGMLType.F16);
    }

    @Test
    void useMoreBitsPicksFirstAndLastEighthAndEveryThirdLayer() {
        final StringBuilder picked = new StringBuilder();
        for (int i = 0; i < 24; i++) if (QuantPreset.useMoreBits(i, 24)) picked.append(i).append(' ');
        assertThat(picked.toString().trim()).isEqualTo("0 1 2 5 8 11 14 17 20 21 22 23");
    }

    @Test
    void parsesNamesAndRejectsUnknownOnesListingTheKnown() {
        assertThat(QuantPreset.parse("q4_k_m")).isEqualTo(QuantPreset.Q4_K_M);
        assertThat(QuantPreset.parse("BF16")).isEqualTo(QuantPreset.BF16);
        assertThatThrownBy(() -> QuantPreset.parse("q3_k_s")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("q3_k_s").hasMessageContaining("Q4_K_M").hasMessageContaining("Q8_0");
        assertThatThrownBy(() -> QuantPreset.Q4_0.typeFor("blk.0.attn_q.weight", new long[] {48, 48}, 1, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blk.0.attn_q.weight").hasMessageContaining("48");
        assertThat(QuantPreset.quantizes("blk.0.attn_q.weight", new long[] {64, 1})).isFalse();
        assertThat(QuantPreset.quantizes("blk.0.ffn_norm.weight", new long[] {64, 64})).isFalse();
    }
}
