package dev.edgewise.engine.heads;

import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.loader.SafeTensorsFile;
import dev.edgewise.loader.SafeTensorsWriter;
import dev.edgewise.quant.Float16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import static dev.edgewise.loader.testing.SafeTensorsImages.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class HeadsFileTest {
    private static final int DIM = 16, HIDDEN = 8;

    @TempDir
    Path dir;

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (0.3 * rnd.nextGaussian());
        return v;
    }

    private static SwitcherHead switcher(int dim, int hidden, long seed) {
        Random rnd = new Random(seed);
        return new SwitcherHead(5, Pooling.EMA, 64, 0.25f, 0.3f, gaussian(rnd, hidden * dim), gaussian(rnd, hidden),
                gaussian(rnd, hidden), 0.1f, dim, hidden);
    }

    private static VerifierHead verifier(int dim, float threshold) {
        return new VerifierHead(-1, gaussian(new Random(3), dim), -0.2f, dim, threshold);
    }

    @Test
    void writeThenLoadRoundTrips() throws IOException {
        Path p = dir.resolve("both.safetensors");
        SwitcherHead s = switcher(DIM, HIDDEN, 1);
        VerifierHead v = verifier(DIM, 0.75f);
        Heads.write(p, s, v);
        Heads h = Heads.load(p);
        assertThat(h.switcher()).contains(s);
        assertThat(h.verifier()).contains(v);
        assertThat(h.source()).isEqualTo(p.toString());
        h.validate(DIM, 6);
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertThat(f.metadata()).containsEntry("edgewise.heads.version", "1").containsEntry("switcher.pooling", "ema")
                    .containsEntry("switcher.layer", "5").containsEntry("switcher.chunk", "64")
                    .containsEntry("switcher.alpha", "0.25").containsEntry("verifier.threshold", "0.75");
            assertThat(f.requireTensor("switcher.fc1.weight").shape()).containsExactly(HIDDEN, DIM);
            assertThat(f.requireTensor("switcher.fc2.weight").shape()).containsExactly(1, HIDDEN);
            assertThat(f.requireTensor("verifier.weight").shape()).containsExactly(1, DIM);
        }
    }

    @Test
    void eitherHeadAloneAndOtherHiddenWidths() throws IOException {
        Path p = dir.resolve("one.safetensors");
        SwitcherHead s = switcher(DIM, 3, 2);
        Heads.write(p, s, null);
        Heads h = Heads.load(p);
        assertThat(h.switcher()).contains(s);
        assertThat(h.verifier()).isEmpty();

        VerifierHead v = verifier(DIM, Float.NaN);
        Heads.of(null, v).write(p);
        h = Heads.load(p);
        assertThat(h.switcher()).isEmpty();
        assertThat(h.verifier()).contains(v);
        assertThat(h.verifier().orElseThrow().hasThreshold()).isFalse();
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertThat(f.metadata()).doesNotContainKey("verifier.threshold");
        }
        assertThatThrownBy(() -> Heads.write(p, null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Heads.of(switcher(8, 8, 1), verifier(DIM, 0.5f))).hasMessageContaining("differ");
    }

    @Test
    void defaultsApplyWhenOptionalKeysAreAbsent() throws IOException {
        Path p = write(spec(m -> {
            m.meta.remove("switcher.chunk");
            m.meta.remove("switcher.alpha");
            m.meta.remove("switcher.threshold");
            m.meta.put("training.run", "anything: other keys are provenance");
        }));
        SwitcherHead s = Heads.load(p).switcher().orElseThrow();
        assertThat(s.chunk()).isEqualTo(128);
        assertThat(s.alpha()).isEqualTo(0.5f);
        assertThat(s.threshold()).isEqualTo(0.5f);
        assertThat(s.pooling()).isEqualTo(Pooling.MEAN);
    }

    /** F16 and BF16 tensors load widened exactly; their values are what the 16-bit numbers hold. */
    @Test
    void halfAndBfloat16Tensors() throws IOException {
        for (String dtype : new String[] {"F16", "BF16"}) {
            Spec spec = spec(m -> m.tensors.replaceAll((name, t) -> new T(dtype, t.shape, t.values)));
            Path p = write(spec);
            Heads h = Heads.load(p);
            SwitcherHead s = h.switcher().orElseThrow();
            float[] w1 = spec.tensors.get("switcher.fc1.weight").values;
            float[] got = s.w1();
            for (int i = 0; i < w1.length; i++) {
                float expected = dtype.equals("F16") ? Float16.toFloat(Float16.fromFloat(w1[i]))
                        : Float16.bf16ToFloat(Float16.floatToBf16(w1[i]));
                assertThat(got[i]).as(dtype + " w1[" + i + "]").isEqualTo(expected);
            }
            assertThat(s.b2()).isEqualTo(dtype.equals("F16") ? Float16.toFloat(Float16.fromFloat(0.1f))
                    : Float16.bf16ToFloat(Float16.floatToBf16(0.1f)));
            assertThat(h.verifier().orElseThrow().w()[0]).isNotZero();
        }
        // mixed dtypes in one file are fine too
        Heads h = Heads.load(write(spec(m -> m.tensors.computeIfPresent("verifier.bias", (k, t) -> new T("BF16", t.shape, new float[] {0.5f})))));
        assertThat(h.verifier().orElseThrow().b()).isEqualTo(0.5f);
    }

    @Test
    void validateAgainstTheModel() throws IOException {
        Heads h = Heads.load(write(spec(m -> {})));
        h.validate(DIM, 6);  // switcher.layer 5 is the last block
        Path p = dir.resolve("spec.safetensors");
        assertThatThrownBy(() -> h.validate(32, 6)).isInstanceOf(ModelFormatException.class)
                .hasMessage(p + ": tensor 'switcher.fc1.weight' has shape [8, 16]: its input width 16 does not match the model's embedding width 32");
        assertThatThrownBy(() -> h.validate(DIM, 5)).isInstanceOf(ModelFormatException.class)
                .hasMessage(p + ": __metadata__ key 'switcher.layer' = 5 but the model has 5 blocks (expected -1 .. 4)");
        Heads v = Heads.load(write(spec(m -> {
            m.meta.keySet().removeIf(k -> k.startsWith("switcher."));
            m.tensors.keySet().removeIf(k -> k.startsWith("switcher."));
            m.meta.put("verifier.layer", "2");
        })));
        v.validate(DIM, 3);
        assertThatThrownBy(() -> v.validate(DIM + 1, 3)).hasMessageContaining("'verifier.weight' has shape [1, 16]");
        assertThatThrownBy(() -> v.validate(DIM, 2)).hasMessageContaining("'verifier.layer' = 2 but the model has 2 blocks");
        assertThatThrownBy(() -> v.validate(0, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyFormatErrorNamesTheFileAndTheCulprit() {
        rejected(m -> m.meta.remove("edgewise.heads.version"), "'edgewise.heads.version' is missing");
        rejected(m -> m.meta.put("edgewise.heads.version", "2"), "'edgewise.heads.version' = '2': unsupported version");
        rejected(m -> m.tensors.put("switcher.fc3.weight", new T("F32", new long[] {1}, new float[] {1})), "unknown tensor 'switcher.fc3.weight'");
        rejected(m -> m.tensors.put("lm_head.weight", new T("F32", new long[] {1}, new float[] {1})), "unknown tensor 'lm_head.weight'");
        rejected(m -> m.meta.put("switcher.treshold", "0.9"), "unknown __metadata__ key 'switcher.treshold'");
        rejected(m -> {
            m.meta.keySet().removeIf(k -> !k.startsWith("edgewise."));
            m.tensors.clear();
        }, "holds neither a switcher nor a verifier head");
        for (String t : new String[] {"switcher.fc1.weight", "switcher.fc1.bias", "switcher.fc2.weight", "switcher.fc2.bias",
                "verifier.weight", "verifier.bias"}) {
            rejected(m -> m.tensors.remove(t), "tensor '" + t + "' is missing");
        }
        // a head is complete or absent: its keys alone make it present
        rejected(m -> m.tensors.keySet().removeIf(k -> k.startsWith("verifier.")), "tensor 'verifier.weight' is missing");

        rejected(m -> reshape(m, "switcher.fc1.weight", 8 * DIM), "tensor 'switcher.fc1.weight' has shape [128], expected [hidden, dim]");
        rejected(m -> m.tensors.put("switcher.fc1.weight", new T("F32", new long[] {0, DIM}, new float[0])), "tensor 'switcher.fc1.weight' has shape [0, 16]");
        rejected(m -> reshape(m, "switcher.fc1.bias", 1, 8), "tensor 'switcher.fc1.bias' has shape [1, 8], expected [8] (fc1 has 8 hidden units)");
        rejected(m -> reshape(m, "switcher.fc2.weight", 8, 1), "tensor 'switcher.fc2.weight' has shape [8, 1], expected [1, 8]");
        rejected(m -> m.tensors.put("switcher.fc2.bias", new T("F32", new long[] {2}, new float[2])), "tensor 'switcher.fc2.bias' has shape [2], expected [1]");
        rejected(m -> m.tensors.put("switcher.fc2.bias", new T("F32", new long[0], new float[1])), "tensor 'switcher.fc2.bias' has shape [], expected [1]");
        rejected(m -> reshape(m, "verifier.weight", DIM, 1), "tensor 'verifier.weight' has shape [16, 1], expected [1, dim]");
        rejected(m -> m.tensors.put("verifier.bias", new T("F32", new long[] {1, 1}, new float[1])), "tensor 'verifier.bias' has shape [1, 1], expected [1]");
        rejected(m -> m.tensors.put("verifier.weight", new T("F32", new long[] {1, 8}, new float[8])),
                "tensor 'verifier.weight' has width 8 but 'switcher.fc1.weight' has width 16");

        rejected(m -> m.tensors.get("switcher.fc1.weight").values[17] = Float.NaN, "tensor 'switcher.fc1.weight' element 17 is NaN");
        rejected(m -> m.tensors.put("verifier.bias", new T("F16", new long[] {1}, new float[] {1e6f})), "tensor 'verifier.bias' element 0 is Infinity");

        rejected(m -> m.meta.remove("switcher.layer"), "'switcher.layer' is missing");
        rejected(m -> m.meta.remove("verifier.layer"), "'verifier.layer' is missing");
        rejected(m -> m.meta.put("switcher.layer", "last"), "'switcher.layer' = 'last' is not an integer");
        rejected(m -> m.meta.put("switcher.layer", "-2"), "'switcher.layer' = -2 must be -1 or a block index >= 0");
        rejected(m -> m.meta.put("verifier.layer", "99999999999"), "'verifier.layer' = '99999999999' is out of the int range");
        rejected(m -> m.meta.put("verifier.layer", " 1"), "'verifier.layer' = ' 1' is not an integer");
        rejected(m -> m.meta.remove("switcher.pooling"), "'switcher.pooling' is missing");
        rejected(m -> m.meta.put("switcher.pooling", "max"), "'switcher.pooling': unknown pooling 'max' (expected mean, ema or last)");
        rejected(m -> m.meta.put("switcher.chunk", "0"), "'switcher.chunk' = 0 must be >= 1");
        rejected(m -> m.meta.put("switcher.chunk", "12.5"), "'switcher.chunk' = '12.5' is not an integer");
        rejected(m -> m.meta.put("switcher.alpha", "0"), "'switcher.alpha' = 0 is not in (0, 1]");
        rejected(m -> m.meta.put("switcher.alpha", "1.5"), "'switcher.alpha' = 1.5 is not in (0, 1]");
        rejected(m -> m.meta.put("switcher.alpha", "NaN"), "'switcher.alpha' = 'NaN' is not a decimal number");
        rejected(m -> m.meta.put("switcher.alpha", "0x1p-1"), "'switcher.alpha' = '0x1p-1' is not a decimal number");
        rejected(m -> m.meta.put("switcher.alpha", "0.5f"), "'switcher.alpha' = '0.5f' is not a decimal number");
        rejected(m -> m.meta.put("switcher.threshold", "1.01"), "'switcher.threshold' = 1.01 is not in [0, 1]");
        rejected(m -> m.meta.put("switcher.threshold", ""), "'switcher.threshold' = '' is not a decimal number");
        rejected(m -> m.meta.put("verifier.threshold", "-1e-3"), "'verifier.threshold' = -1e-3 is not in [0, 1]");
    }

    @Test
    void decimalsInExponentNotationAreAccepted() throws IOException {
        Heads h = Heads.load(write(spec(m -> {
            m.meta.put("switcher.alpha", "2.5E-1");
            m.meta.put("verifier.threshold", ".5");
            m.meta.put("switcher.pooling", "LAST");
        })));
        assertThat(h.switcher().orElseThrow().alpha()).isEqualTo(0.25f);
        assertThat(h.switcher().orElseThrow().pooling()).isEqualTo(Pooling.LAST);
        assertThat(h.verifier().orElseThrow().threshold()).isEqualTo(0.5f);
    }

    @Test
    void otherDtypesAreRejected() throws IOException {
        Spec ok = spec(m -> m.tensors.remove("verifier.bias"));
        // SafeTensorsWriter only writes floats, so this image is built by hand: verifier.bias as I32
        SafeTensorsWriter w = ok.writer();
        Path base = dir.resolve("base.safetensors");
        w.write(base);
        Path p = dir.resolve("i32.safetensors");
        byte[] image;
        try (SafeTensorsFile f = SafeTensorsFile.open(base)) {
            byte[] header = f.segment().asSlice(8, f.dataOffset() - 8).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            byte[] data = f.segment().asSlice(f.dataOffset()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            String json = new String(header, StandardCharsets.UTF_8).strip();
            json = json.substring(0, json.length() - 1) + ",\"verifier.bias\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":["
                    + data.length + "," + (data.length + 4) + "]}}";
            image = image(json, data, new byte[4]);
        }
        Files.write(p, image);
        assertThatThrownBy(() -> Heads.load(p)).isInstanceOf(ModelFormatException.class)
                .hasMessage(p + ": tensor 'verifier.bias' has dtype I32; head tensors must be F32, F16 or BF16");
    }

    @Test
    void notASafetensorsFileAtAll() throws IOException {
        Path p = dir.resolve("junk.safetensors");
        Files.writeString(p, "hello, world");
        assertThatThrownBy(() -> Heads.load(p)).isInstanceOf(ModelFormatException.class).hasMessageStartingWith(p + ": ");
    }

    @Test
    void syntheticHeadsAreDeterministicAndUsable() throws IOException {
        Heads a = Heads.synthetic(32, 42), b = Heads.synthetic(32, 42), c = Heads.synthetic(32, 43);
        assertThat(a.switcher()).isEqualTo(b.switcher());
        assertThat(a.verifier()).isEqualTo(b.verifier());
        assertThat(a.switcher()).isNotEqualTo(c.switcher());
        assertThat(a.source()).contains("synthetic");
        SwitcherHead s = a.switcher().orElseThrow();
        assertThat(s.hidden()).isEqualTo(8);
        assertThat(s.threshold()).isEqualTo(0.5f);
        assertThat(s.pooling()).isEqualTo(Pooling.EMA);
        assertThat(s.layer()).isEqualTo(-1);
        a.validate(32, 1);
        Random rnd = new Random(1);
        float[] x = new float[32];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        assertThat(s.probability(x)).isBetween(0f, 1f);
        assertThat(a.verifier().orElseThrow().score(x, 0)).isBetween(0f, 1f);
        Path p = dir.resolve("synthetic.safetensors");
        a.write(p);
        Heads loaded = Heads.load(p);
        assertThat(loaded.switcher()).isEqualTo(a.switcher());
        assertThat(loaded.verifier()).isEqualTo(a.verifier());
    }

    // ---- building files, valid and otherwise ----

    private record T(String dtype, long[] shape, float[] values) {}

    /** A heads file under construction: metadata and tensors, both in order. */
    private static final class Spec {
        final Map<String, String> meta = new LinkedHashMap<>();
        final Map<String, T> tensors = new LinkedHashMap<>();

        SafeTensorsWriter writer() {
            SafeTensorsWriter w = new SafeTensorsWriter();
            meta.forEach(w::metadata);
            tensors.forEach((name, t) -> w.add(name, t.dtype, t.shape, t.values));
            return w;
        }
    }

    /** A valid file with both heads (mean pooling, switcher layer 5, verifier layer -1), then {@code edit}. */
    private static Spec spec(Consumer<Spec> edit) {
        Random rnd = new Random(9);
        Spec s = new Spec();
        s.meta.put("edgewise.heads.version", "1");
        s.meta.put("switcher.layer", "5");
        s.meta.put("switcher.pooling", "mean");
        s.meta.put("switcher.chunk", "128");
        s.meta.put("switcher.alpha", "0.5");
        s.meta.put("switcher.threshold", "0.5");
        s.meta.put("verifier.layer", "-1");
        s.meta.put("verifier.threshold", "0.5");
        s.tensors.put("switcher.fc1.weight", new T("F32", new long[] {HIDDEN, DIM}, gaussian(rnd, HIDDEN * DIM)));
        s.tensors.put("switcher.fc1.bias", new T("F32", new long[] {HIDDEN}, gaussian(rnd, HIDDEN)));
        s.tensors.put("switcher.fc2.weight", new T("F32", new long[] {1, HIDDEN}, gaussian(rnd, HIDDEN)));
        s.tensors.put("switcher.fc2.bias", new T("F32", new long[] {1}, new float[] {0.1f}));
        s.tensors.put("verifier.weight", new T("F32", new long[] {1, DIM}, gaussian(rnd, DIM)));
        s.tensors.put("verifier.bias", new T("F32", new long[] {1}, new float[] {-0.3f}));
        edit.accept(s);
        return s;
    }

    private static void reshape(Spec s, String name, long... shape) {
        s.tensors.computeIfPresent(name, (k, t) -> new T(t.dtype, shape, t.values));
    }

    private Path write(Spec s) throws IOException {
        Path p = dir.resolve("spec.safetensors");
        s.writer().write(p);
        return p;
    }

    private void rejected(Consumer<Spec> edit, String expected) {
        Path p;
        try {
            p = write(spec(edit));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        try {
            Heads.load(p);
        } catch (ModelFormatException e) {
            assertThat(e.getMessage()).startsWith(p + ": ").contains(expected);
            return;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        fail("accepted; expected an error containing " + expected);
    }

}
