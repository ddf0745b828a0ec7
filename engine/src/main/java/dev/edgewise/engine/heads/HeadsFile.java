package dev.edgewise.engine.heads;

import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.loader.SafeTensor;
import dev.edgewise.loader.SafeTensorsFile;
import dev.edgewise.loader.SafeTensorsWriter;
import dev.edgewise.quant.Float16;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads and writes the heads file format described in the package documentation; the names and defaults
 * here are the format.
 */
final class HeadsFile {
    private HeadsFile() {}

    static final String VERSION_KEY = "edgewise.heads.version";
    static final String VERSION = "1";

    static final String SWITCHER = "switcher.";
    static final String FC1_WEIGHT = "switcher.fc1.weight";
    static final String FC1_BIAS = "switcher.fc1.bias";
    static final String FC2_WEIGHT = "switcher.fc2.weight";
    static final String FC2_BIAS = "switcher.fc2.bias";
    static final String SWITCHER_LAYER = "switcher.layer";
    static final String SWITCHER_POOLING = "switcher.pooling";
    static final String SWITCHER_CHUNK = "switcher.chunk";
    static final String SWITCHER_ALPHA = "switcher.alpha";
    static final String SWITCHER_THRESHOLD = "switcher.threshold";
    static final int DEFAULT_CHUNK = 128;
    static final float DEFAULT_ALPHA = 0.5f;
    static final float DEFAULT_THRESHOLD = 0.5f;

    static final String VERIFIER = "verifier.";
    static final String VERIFIER_WEIGHT = "verifier.weight";
    static final String VERIFIER_BIAS = "verifier.bias";
    static final String VERIFIER_LAYER = "verifier.layer";
    static final String VERIFIER_THRESHOLD = "verifier.threshold";

    private static final List<String> TENSORS = List.of(FC1_WEIGHT, FC1_BIAS, FC2_WEIGHT, FC2_BIAS, VERIFIER_WEIGHT, VERIFIER_BIAS);
    private static final List<String> KEYS = List.of(SWITCHER_LAYER, SWITCHER_POOLING, SWITCHER_CHUNK, SWITCHER_ALPHA,
            SWITCHER_THRESHOLD, VERIFIER_LAYER, VERIFIER_THRESHOLD);

    private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?");
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static Heads read(Path path) throws IOException {
        try (SafeTensorsFile st = SafeTensorsFile.open(path)) {
            return new Reader(path.toString(), st).read();
        }
    }

    static void write(Path path, SwitcherHead s, VerifierHead v) throws IOException {
        if (s == null && v == null) throw new IllegalArgumentException("a heads file needs a switcher, a verifier or both");
        if (s != null && v != null && s.dim() != v.dim()) {
            throw new IllegalArgumentException("switcher dim " + s.dim() + " and verifier dim " + v.dim() + " differ");
        }
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(VERSION_KEY, VERSION);
        if (s != null) {
            w.metadata(SWITCHER_LAYER, Integer.toString(s.layer()))
                    .metadata(SWITCHER_POOLING, s.pooling().key())
                    .metadata(SWITCHER_CHUNK, Integer.toString(s.chunk()))
                    .metadata(SWITCHER_ALPHA, Float.toString(s.alpha()))
                    .metadata(SWITCHER_THRESHOLD, Float.toString(s.threshold()))
                    .add(FC1_WEIGHT, "F32", new long[] {s.hidden(), s.dim()}, s.w1())
                    .add(FC1_BIAS, "F32", new long[] {s.hidden()}, s.b1())
                    .add(FC2_WEIGHT, "F32", new long[] {1, s.hidden()}, s.w2())
                    .add(FC2_BIAS, "F32", new long[] {1}, new float[] {s.b2()});
        }
        if (v != null) {
            w.metadata(VERIFIER_LAYER, Integer.toString(v.layer()));
            if (v.hasThreshold()) w.metadata(VERIFIER_THRESHOLD, Float.toString(v.threshold()));
            w.add(VERIFIER_WEIGHT, "F32", new long[] {1, v.dim()}, v.w())
                    .add(VERIFIER_BIAS, "F32", new long[] {1}, new float[] {v.b()});
        }
        w.write(path);
    }

    /** One file's validation; every message starts with the file name. */
    private static final class Reader {
        private final String file;
        private final SafeTensorsFile st;
        private final Map<String, String> meta;

        Reader(String file, SafeTensorsFile st) {
            this.file = file;
            this.st = st;
            this.meta = st.metadata();
        }

        Heads read() {
            String version = meta.get(VERSION_KEY);
            if (version == null) {
                throw fail("__metadata__ key '" + VERSION_KEY + "' is missing (not an Edgewise heads file?)");
            }
            if (!version.equals(VERSION)) {
                throw fail("__metadata__ key '" + VERSION_KEY + "' = '" + version + "': unsupported version (this build reads " + VERSION + ")");
            }
            for (SafeTensor t : st.tensors()) {
                if (!TENSORS.contains(t.name())) throw fail("unknown tensor '" + t.name() + "' (a heads file holds " + TENSORS + ")");
            }
            for (String k : meta.keySet()) {
                // other keys are free-form provenance; a misspelt head key must not silently fall back to a default
                if ((k.startsWith(SWITCHER) || k.startsWith(VERIFIER)) && !KEYS.contains(k)) {
                    throw fail("unknown __metadata__ key '" + k + "' (known: " + KEYS + ")");
                }
            }
            boolean hasSwitcher = mentions(SWITCHER), hasVerifier = mentions(VERIFIER);
            if (!hasSwitcher && !hasVerifier) throw fail("holds neither a switcher nor a verifier head");
            SwitcherHead s = hasSwitcher ? switcher() : null;
            VerifierHead v = hasVerifier ? verifier() : null;
            if (s != null && v != null && s.dim() != v.dim()) {
                throw fail("tensor '" + VERIFIER_WEIGHT + "' has width " + v.dim() + " but '" + FC1_WEIGHT + "' has width "
                        + s.dim() + "; both heads read hidden states of the same model");
            }
            return new Heads(file, s, v);
        }

        private boolean mentions(String prefix) {
            return st.tensors().stream().anyMatch(t -> t.name().startsWith(prefix))
                    || meta.keySet().stream().anyMatch(k -> k.startsWith(prefix));
        }

        private SwitcherHead switcher() {
            long[] fc1 = shape(FC1_WEIGHT);
            if (fc1.length != 2 || fc1[0] < 1 || fc1[1] < 1) {
                throw fail("tensor '" + FC1_WEIGHT + "' has shape " + Arrays.toString(fc1) + ", expected [hidden, dim] with both >= 1");
            }
            long hidden = fc1[0], dim = fc1[1];
            requireShape(FC1_BIAS, new long[] {hidden}, "fc1 has " + hidden + " hidden units");
            requireShape(FC2_WEIGHT, new long[] {1, hidden}, "fc1 has " + hidden + " hidden units");
            requireShape(FC2_BIAS, new long[] {1}, "one output logit");
            int layer = layer(SWITCHER_LAYER);
            String poolingText = meta.get(SWITCHER_POOLING);
            if (poolingText == null) throw missing(SWITCHER_POOLING, "mean, ema or last");
            Pooling pooling;
            try {
                pooling = Pooling.parse(poolingText);
            } catch (IllegalArgumentException e) {
                throw fail("__metadata__ key '" + SWITCHER_POOLING + "': " + e.getMessage());
            }
            int chunk = integer(SWITCHER_CHUNK, DEFAULT_CHUNK);
            if (chunk < 1) throw fail("__metadata__ key '" + SWITCHER_CHUNK + "' = " + chunk + " must be >= 1");
            float alpha = decimal(SWITCHER_ALPHA, DEFAULT_ALPHA);
            if (!(alpha > 0f && alpha <= 1f)) throw fail("__metadata__ key '" + SWITCHER_ALPHA + "' = " + meta.get(SWITCHER_ALPHA) + " is not in (0, 1]");
            float threshold = probability(SWITCHER_THRESHOLD, DEFAULT_THRESHOLD);
            float[] w1 = floats(FC1_WEIGHT), b1 = floats(FC1_BIAS), w2 = floats(FC2_WEIGHT), b2 = floats(FC2_BIAS);
            return new SwitcherHead(layer, pooling, chunk, alpha, threshold, w1, b1, w2, b2[0], (int) dim, (int) hidden);
        }

        private VerifierHead verifier() {
            long[] w = shape(VERIFIER_WEIGHT);
            if (w.length != 2 || w[0] != 1 || w[1] < 1) {
                throw fail("tensor '" + VERIFIER_WEIGHT + "' has shape " + Arrays.toString(w) + ", expected [1, dim] with dim >= 1");
            }
            requireShape(VERIFIER_BIAS, new long[] {1}, "one output logit");
            int layer = layer(VERIFIER_LAYER);
            float threshold = probability(VERIFIER_THRESHOLD, Float.NaN);
            return new VerifierHead(layer, floats(VERIFIER_WEIGHT), floats(VERIFIER_BIAS)[0], (int) w[1], threshold);
        }

        private long[] shape(String name) {
            SafeTensor t = st.tensor(name);
            if (t == null) throw fail("tensor '" + name + "' is missing");
            return t.shape();
        }

        private void requireShape(String name, long[] expected, String why) {
            long[] actual = shape(name);
            if (!Arrays.equals(actual, expected)) {
                throw fail("tensor '" + name + "' has shape " + Arrays.toString(actual) + ", expected "
                        + Arrays.toString(expected) + " (" + why + ")");
            }
        }

        /** The tensor's values as float; F16 and BF16 are widened exactly. Non-finite values are rejected. */
        private float[] floats(String name) {
            SafeTensor t = st.requireTensor(name);
            long n = t.elements();
            if (n > Integer.MAX_VALUE - 8) throw fail("tensor '" + name + "' has " + n + " elements, too many for a head");
            MemorySegment d = st.data(t);
            float[] out = new float[(int) n];
            switch (t.dtype()) {
                case "F32" -> { for (int i = 0; i < out.length; i++) out[i] = d.getAtIndex(F32, i); }
                case "F16" -> { for (int i = 0; i < out.length; i++) out[i] = Float16.toFloat(d.getAtIndex(U16, i)); }
                case "BF16" -> { for (int i = 0; i < out.length; i++) out[i] = Float16.bf16ToFloat(d.getAtIndex(U16, i)); }
                default -> throw fail("tensor '" + name + "' has dtype " + t.dtype() + "; head tensors must be F32, F16 or BF16");
            }
            for (int i = 0; i < out.length; i++) {
                if (!Float.isFinite(out[i])) throw fail("tensor '" + name + "' element " + i + " is " + out[i]);
            }
            return out;
        }

        private int layer(String key) {
            if (!meta.containsKey(key)) throw missing(key, "-1 for the final normed hidden state, or a block index");
            int layer = integer(key, 0);
            if (layer < -1) throw fail("__metadata__ key '" + key + "' = " + layer + " must be -1 or a block index >= 0");
            return layer;
        }

        private int integer(String key, int absent) {
            String s = meta.get(key);
            if (s == null) return absent;
            if (!INTEGER.matcher(s).matches()) throw fail("__metadata__ key '" + key + "' = '" + s + "' is not an integer");
            try {
                return Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw fail("__metadata__ key '" + key + "' = '" + s + "' is out of the int range");
            }
        }

        private float decimal(String key, float absent) {
            String s = meta.get(key);
            if (s == null) return absent;
            if (!DECIMAL.matcher(s).matches()) throw fail("__metadata__ key '" + key + "' = '" + s + "' is not a decimal number");
            return Float.parseFloat(s);
        }

        private float probability(String key, float absent) {
            float p = decimal(key, absent);
            if (meta.containsKey(key) && !(p >= 0f && p <= 1f)) throw fail("__metadata__ key '" + key + "' = " + meta.get(key) + " is not in [0, 1]");
            return p;
        }

        private ModelFormatException missing(String key, String expected) {
            return fail("__metadata__ key '" + key + "' is missing (expected " + expected + ")");
        }

        private ModelFormatException fail(String message) {
            return new ModelFormatException(file + ": " + message);
        }
    }
}
