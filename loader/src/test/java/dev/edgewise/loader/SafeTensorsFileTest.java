package dev.edgewise.loader;

import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.edgewise.loader.testing.SafeTensorsImages.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class SafeTensorsFileTest {
    private static final Path NAME = Path.of("bad.safetensors");
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    /** The PEFT adapter holds bit-identical numbers to the GGUF adapter, per the fixture README and manifest. */
    @SuppressWarnings("unchecked")
    @ParameterizedTest
    @ValueSource(strings = {"nano-r4", "small-r8", "small-r16"})
    void peftAdapterMatchesGgufAdapter(String adapter) throws IOException {
        Map<String, Object> manifest = (Map<String, Object>) Json.parse(
                Files.readString(Fixtures.path("lora/" + adapter + "/lora_manifest.json")));
        int rank = ((Number) manifest.get("rank")).intValue();
        List<Map<String, Object>> pairs = (List<Map<String, Object>>) manifest.get("tensors");
        try (SafeTensorsFile st = SafeTensorsFile.open(Fixtures.path("lora/" + adapter + "/adapter_model.safetensors"));
             GGUFFile gg = GGUFFile.open(Fixtures.path("lora/" + adapter + "/adapter.gguf"))) {
            assertThat(st.tensors()).hasSize(2 * pairs.size());
            for (Map<String, Object> pair : pairs) {
                String gguf = (String) pair.get("gguf"), peft = (String) pair.get("peft");
                for (String ab : new String[] {"A", "B"}) {
                    SafeTensor s = st.requireTensor(peft + ".lora_" + ab + ".weight");
                    GGUFTensor g = gg.requireTensor(gguf + ".lora_" + ab.toLowerCase());
                    assertThat(s.dtype()).isEqualTo("F32");
                    List<Object> shape = (List<Object>) pair.get(ab + "_shape");
                    assertThat(s.shape()).containsExactly(shape.stream().mapToLong(o -> ((Number) o).longValue()).toArray());
                    assertThat(s.shape()[ab.equals("A") ? 0 : 1]).isEqualTo(rank);
                    long[] reversed = g.ne();
                    assertThat(new long[] {reversed[1], reversed[0]}).as("numpy shape = ggml ne reversed").containsExactly(s.shape());
                    MemorySegment sd = st.data(s), gd = gg.data(g);
                    assertThat(sd.byteSize()).isEqualTo(gd.byteSize());
                    assertThat(sd.mismatch(gd)).as(s.name() + " vs " + g.name()).isEqualTo(-1L);
                }
            }
            // a few values spelled out, so a broken slice cannot match a broken slice
            SafeTensor a = st.requireTensor("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
            float first = st.data(a).getAtIndex(F32, 0);
            assertThat(first).isEqualTo(gg.data(gg.requireTensor("blk.0.attn_q.weight.lora_a")).getAtIndex(F32, 0));
            assertThat(Math.abs(first)).isBetween(1e-6f, 2f);
        }
    }

    private static SafeTensorsFile parse(byte[] b) {
        return SafeTensorsFile.parse(NAME, MemorySegment.ofArray(b));
    }

    private static void rejected(byte[] b, String... parts) {
        try {
            parse(b);
        } catch (ModelFormatException e) {
            assertThat(e.getMessage()).startsWith(NAME + ": ");
            for (String p : parts) assertThat(e.getMessage()).contains(p);
            return;
        }
        fail("accepted; expected an error containing " + Arrays.toString(parts));
    }

    private static final String GOOD = """
            {"__metadata__":{"format":"pt","note":"\\u00e9t\\u00e9"},\
            "w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},\
            "b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]},\
            "s":{"dtype":"I64","shape":[],"data_offsets":[32,40]},\
            "e":{"dtype":"F16","shape":[0,5],"data_offsets":[40,40]}}""";

    @Test
    void validImage() throws IOException {
        byte[] data = new byte[40];
        MemorySegment.ofArray(data).setAtIndex(F32, 4, 2.5f);
        byte[] b = image(GOOD, data);
        SafeTensorsFile f = parse(b);
        assertThat(f.metadata()).containsExactly(Map.entry("format", "pt"), Map.entry("note", "été"));
        assertThat(f.tensors()).extracting(SafeTensor::name).containsExactly("w", "b", "s", "e");
        SafeTensor w = f.requireTensor("w");
        assertThat(w.shape()).containsExactly(2, 3);
        assertThat(w.elements()).isEqualTo(6);
        assertThat(f.data(w).getAtIndex(F32, 4)).isEqualTo(2.5f);
        assertThat(f.requireTensor("s").elements()).isEqualTo(1);
        assertThat(f.requireTensor("e").byteSize()).isZero();
        assertThat(f.tensor("nope")).isNull();
        assertThat(f.dataOffset()).isEqualTo(b.length - 40);
        assertThatThrownBy(() -> f.requireTensor("nope")).hasMessage(NAME + ": required tensor 'nope' is missing");

        Path p = dir.resolve("ok.safetensors");
        Files.write(p, b);
        try (SafeTensorsFile g = SafeTensorsFile.open(p)) {
            assertThat(g.data(g.requireTensor("w")).getAtIndex(F32, 4)).isEqualTo(2.5f);
        }
    }

    @Test
    void malformedHeaders() {
        byte[] d24 = new byte[24];
        rejected(new byte[5], "too short");
        rejected(lengthPrefix(1L << 40, 16), "header length at byte offset 0", "1099511627776 exceeds the 8 bytes");
        rejected(lengthPrefix(-1L, 16), "18446744073709551615");
        rejected(image("[1,2]", d24), "expected '{'");
        rejected(image("{\"w\":", d24), "not valid JSON", "end of input");
        rejected(image("{\"w\":1}", d24), "tensor 'w' is not an object");
        rejected(image("{\"w\":{\"shape\":[6],\"data_offsets\":[0,24]}}", d24), "tensor 'w' has no string \"dtype\"");
        rejected(image("{\"w\":{\"dtype\":\"F33\",\"shape\":[6],\"data_offsets\":[0,24]}}", d24), "dtype \"F33\"");
        rejected(image("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,24]}}", d24), "no \"shape\"");
        rejected(image("{\"w\":{\"dtype\":\"F32\",\"shape\":[-6],\"data_offsets\":[0,24]}}", d24), "shape[0] = -6");
        rejected(image("{\"w\":{\"dtype\":\"F32\",\"shape\":[6.0],\"data_offsets\":[0,24]}}", d24), "shape[0] = 6.0");
        rejected(image("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,24]}}", d24), "overflows");
        rejected(image("{\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0]}}", d24), "data_offsets\" is not an array of two");
        rejected(image("{\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[24,0]}}", d24), "ascending");
        rejected(image("{\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[8,32]}}", d24), "tensor 'w'", "beyond the end");
        rejected(image("{\"w\":{\"dtype\":\"F32\",\"shape\":[5],\"data_offsets\":[0,24]}}", d24), "hold 24 bytes, but F32 [5] needs 20");
        rejected(image("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", d24), "tensor 'b'", "overlaps tensor 'a'");
        rejected(image("{\"__metadata__\":{\"k\":1}}", d24), "\"__metadata__\" entry \"k\" is not a string");
        rejected(image("{\"__metadata__\":[]}", d24), "\"__metadata__\" is not an object");
        rejected(image("{\"w\":{},\"w\":{}}", d24), "not valid JSON", "duplicate key");
        byte[] badUtf8 = image("{\"w\u00e9\":1}", d24);
        badUtf8[8 + 4] = (byte) 0xFF;
        rejected(badUtf8, "not valid UTF-8");
    }

    @Test
    void oversizedHeaderIsRejectedBeforeReadingIt() throws IOException {
        Path p = dir.resolve("huge-header.safetensors");
        long n = SafeTensorsFile.MAX_HEADER_BYTES + 8;
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            raf.write(lengthPrefix(n, 8));
            raf.setLength(8 + n); // sparse: the header bytes are never read
        }
        assertThatThrownBy(() -> SafeTensorsFile.open(p)).isInstanceOf(ModelFormatException.class)
                .hasMessage(p + ": header length at byte offset 0: " + n + " exceeds the limit of "
                        + SafeTensorsFile.MAX_HEADER_BYTES + " bytes");
    }

    private static byte[] lengthPrefix(long n, int total) {
        byte[] b = new byte[total];
        MemorySegment.ofArray(b).set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, n);
        return b;
    }

    @Test
    void truncationAndCorruptionAreRejectedCleanly() {
        byte[] b = image(GOOD, new byte[40]);
        for (int n = 0; n < b.length - 40 + 32; n++) { // every cut short of the last non-empty tensor's end
            byte[] cut = Arrays.copyOf(b, n);
            assertThatThrownBy(() -> parse(cut)).as("cut at " + n).isInstanceOf(ModelFormatException.class)
                    .hasMessageStartingWith(NAME + ": ");
        }
        Random rnd = new Random(Long.getLong("fuzz.seed", 5));
        int header = b.length - 40;
        for (int i = 0; i < Integer.getInteger("fuzz.iterations", 3000); i++) {
            byte[] m = b.clone();
            for (int k = 0; k < 1 + rnd.nextInt(3); k++) m[rnd.nextInt(header)] = (byte) rnd.nextInt(256);
            try {
                parse(m);
            } catch (ModelFormatException e) {
                assertThat(e.getMessage()).startsWith(NAME + ": ");
            }
        }
    }
}
