package dev.edgewise.loader;

import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** GGUFWriter output read back by GGUFFile: every value type, nested arrays, every tensor type. */
class GGUFRoundTripTest {
    @TempDir
    Path dir;

    static Map<String, GGUFValue> everyValueType() {
        Map<String, GGUFValue> m = new LinkedHashMap<>();
        m.put("u8.max", GGUFValue.uint8(255));
        m.put("u8.zero", GGUFValue.uint8(0));
        m.put("i8", GGUFValue.int8((byte) -128));
        m.put("u16", GGUFValue.uint16(65535));
        m.put("i16", GGUFValue.int16(Short.MIN_VALUE));
        m.put("u32", GGUFValue.uint32(0xFFFF_FFFFL));
        m.put("i32", GGUFValue.int32(Integer.MIN_VALUE));
        m.put("u64", GGUFValue.uint64(-1L)); // 2^64 - 1
        m.put("i64", GGUFValue.int64(Long.MIN_VALUE));
        m.put("f32", GGUFValue.float32(-0.0f));
        m.put("f32.nan", GGUFValue.float32(Float.intBitsToFloat(0x7fc00001)));
        m.put("f64", GGUFValue.float64(Math.PI));
        m.put("bool.t", GGUFValue.bool(true));
        m.put("bool.f", GGUFValue.bool(false));
        m.put("str", GGUFValue.string("héllo, 世界 🌍"));
        m.put("str.empty", GGUFValue.string(""));
        m.put("ключ.unicode", GGUFValue.string("keys may be any UTF-8"));
        m.put("a.u8", GGUFValue.array(GGUFValueType.UINT8, new short[] {0, 1, 255}));
        m.put("a.i8", GGUFValue.array(GGUFValueType.INT8, new byte[] {-128, 0, 127}));
        m.put("a.u16", GGUFValue.array(GGUFValueType.UINT16, new int[] {0, 65535}));
        m.put("a.i16", GGUFValue.array(GGUFValueType.INT16, new short[] {-32768, 32767}));
        m.put("a.u32", GGUFValue.array(GGUFValueType.UINT32, new long[] {0, 0xFFFF_FFFFL}));
        m.put("a.i32", GGUFValue.int32Array(Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE));
        m.put("a.u64", GGUFValue.array(GGUFValueType.UINT64, new long[] {0, -1}));
        m.put("a.i64", GGUFValue.array(GGUFValueType.INT64, new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
        m.put("a.f32", GGUFValue.float32Array(1.5f, Float.NEGATIVE_INFINITY, Float.MIN_VALUE));
        m.put("a.f64", GGUFValue.array(GGUFValueType.FLOAT64, new double[] {-1e300, 4.9e-324}));
        m.put("a.bool", GGUFValue.array(GGUFValueType.BOOL, new boolean[] {true, false, true}));
        m.put("a.str", GGUFValue.stringArray("a", "", "ü", "\u0000nul"));
        m.put("a.empty", GGUFValue.array(GGUFValueType.INT32, new int[0]));
        m.put("a.nested", GGUFValue.nestedArray(
                GGUFValue.int32Array(1, 2, 3),
                GGUFValue.stringArray("x"),
                GGUFValue.nestedArray(GGUFValue.float32Array(), GGUFValue.nestedArray()),
                GGUFValue.nestedArray()));
        return m;
    }

    @Test
    void everyValueTypeRoundTrips() throws IOException {
        GGUFWriter w = new GGUFWriter();
        everyValueType().forEach(w::put);
        Path p = dir.resolve("values.gguf");
        w.write(p);
        try (GGUFFile f = GGUFFile.open(p)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.tensors()).isEmpty();
            assertThat(new ArrayList<>(f.metadata().keySet())).containsExactlyElementsOf(everyValueType().keySet());
            everyValueType().forEach((k, v) -> assertThat(f.metadata().get(k)).as(k).isEqualTo(v));
            // the widened Java types the record promises
            assertThat(f.metadata().get("u8.max").value()).isEqualTo((short) 255);
            assertThat(f.metadata().get("u16").value()).isEqualTo(65535);
            assertThat(f.metadata().get("u32").value()).isEqualTo(0xFFFF_FFFFL);
            assertThat(Float.floatToRawIntBits((Float) f.metadata().get("f32.nan").value())).isEqualTo(0x7fc00001);
            assertThat(f.getString("str")).isEqualTo("héllo, 世界 🌍");
        }
    }

    @Test
    void typedGettersConvertAndRangeCheck() throws IOException {
        GGUFWriter w = new GGUFWriter();
        everyValueType().forEach(w::put);
        w.putUInt32("u32.small", 7).putInt64("i64.small", -5).putFloat64("f64.x", 0.25);
        Path p = dir.resolve("getters.gguf");
        w.write(p);
        try (GGUFFile f = GGUFFile.open(p)) {
            assertThat(f.getInt("u8.max")).isEqualTo(255);
            assertThat(f.getInt("i8")).isEqualTo(-128);
            assertThat(f.getInt("u16")).isEqualTo(65535);
            assertThat(f.getInt("u32.small")).isEqualTo(7);
            assertThat(f.getLong("u32")).isEqualTo(0xFFFF_FFFFL);
            assertThat(f.getLong("i64")).isEqualTo(Long.MIN_VALUE);
            assertThat(f.getInt("i64.small")).isEqualTo(-5);
            assertThat(f.getFloat("f64.x")).isEqualTo(0.25f);
            assertThat(f.getFloat("u32.small")).isEqualTo(7f);
            assertThat(f.getBoolean("bool.t")).isTrue();
            assertThat(f.getIntArray("a.u8")).containsExactly(0, 1, 255);
            assertThat(f.getIntArray("a.i8")).containsExactly(-128, 0, 127);
            assertThat(f.getIntArray("a.u16")).containsExactly(0, 65535);
            assertThat(f.getIntArray("a.i16")).containsExactly(-32768, 32767);
            assertThat(f.getIntArray("a.i32")).containsExactly(Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE);
            assertThat(f.getFloatArray("a.f32")).containsExactly(1.5f, Float.NEGATIVE_INFINITY, Float.MIN_VALUE);
            assertThat(f.getFloatArray("a.i32")).containsExactly((float) Integer.MIN_VALUE, -1f, 0f, (float) Integer.MAX_VALUE);
            assertThat(f.getFloatArray("a.u32")).containsExactly(0f, 4294967295f);
            assertThat(f.getStringArray("a.str")).containsExactly("a", "", "ü", "\u0000nul");
            // returned arrays are copies
            f.getIntArray("a.i32")[0] = 42;
            assertThat(f.getIntArray("a.i32")[0]).isEqualTo(Integer.MIN_VALUE);

            assertThat(f.getString("missing", "def")).isEqualTo("def");
            assertThat(f.getInt("missing", 3)).isEqualTo(3);
            assertThat(f.getLong("missing", 4L)).isEqualTo(4L);
            assertThat(f.getFloat("missing", 0.5f)).isEqualTo(0.5f);
            assertThat(f.getBoolean("missing", true)).isTrue();
            assertThat(f.getInt("u16", 3)).isEqualTo(65535);

            String name = p.toString();
            assertThatThrownBy(() -> f.getString("missing")).isInstanceOf(ModelFormatException.class)
                    .hasMessage(name + ": metadata key 'missing' is missing");
            assertThatThrownBy(() -> f.getInt("str", 1)).isInstanceOf(ModelFormatException.class)
                    .hasMessageStartingWith(name + ": metadata key 'str' (entry at byte offset ")
                    .hasMessageEndingWith("has type STRING, expected an integer");
            assertThatThrownBy(() -> f.getInt("u32")).hasMessageContaining("4294967295 does not fit in a 32-bit int");
            assertThatThrownBy(() -> f.getLong("u64")).hasMessageContaining("18446744073709551615 does not fit");
            assertThatThrownBy(() -> f.getString("i32")).hasMessageContaining("has type INT32, expected STRING");
            assertThatThrownBy(() -> f.getBoolean("u8.max")).hasMessageContaining("expected BOOL");
            assertThatThrownBy(() -> f.getFloat("str")).hasMessageContaining("has type STRING");
            assertThatThrownBy(() -> f.getStringArray("a.i32")).hasMessageContaining("has type an array of INT32, expected an array of STRING");
            assertThatThrownBy(() -> f.getIntArray("a.f32")).hasMessageContaining("expected an array of integers");
            assertThatThrownBy(() -> f.getIntArray("a.u32")).hasMessageContaining("element 1 = 4294967295 does not fit");
            assertThatThrownBy(() -> f.getIntArray("a.u64")).hasMessageContaining("element 1 = 18446744073709551615");
            assertThatThrownBy(() -> f.getFloatArray("a.str")).hasMessageContaining("expected an array of numbers");
            assertThatThrownBy(() -> f.requireTensor("blk.0.x")).hasMessage(name + ": required tensor 'blk.0.x' is missing");
        }
    }

    static Stream<GGMLType> allTypes() {
        return Stream.of(GGMLType.values());
    }

    @Test
    void everySupportedTensorTypeRoundTrips() throws IOException {
        Random rnd = new Random(7);
        GGUFWriter w = new GGUFWriter().putString("general.architecture", "test");
        Map<String, byte[]> expected = new LinkedHashMap<>();
        for (GGMLType t : GGMLType.values()) {
            if (!t.supported()) continue;
            long[] ne = {2L * t.blockSize, 3};
            byte[] data = new byte[(int) (t.rowBytes(ne[0]) * 3)];
            rnd.nextBytes(data);
            w.addTensor("t." + t, t, ne, data);
            expected.put("t." + t, data);
        }
        byte[] four = new byte[4 * 2 * 3 * 5 * 4];
        rnd.nextBytes(four);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(four.length);
            MemorySegment.copy(four, 0, seg, ValueLayout.JAVA_BYTE, 0, four.length);
            w.addTensor("four.d", GGMLType.F32, new long[] {4, 2, 3, 5}, seg); // segment overload
            expected.put("four.d", four);
            Path p = dir.resolve("tensors.gguf");
            w.write(p);
            try (GGUFFile f = GGUFFile.open(p)) {
                assertThat(f.tensors()).extracting(GGUFTensor::name).containsExactlyElementsOf(expected.keySet());
                for (GGUFTensor t : f.tensors()) {
                    assertThat(t.offset() % 32).isZero();
                    assertThat((f.dataOffset() + t.offset()) % 32).isZero();
                    assertThat(f.data(t).toArray(ValueLayout.JAVA_BYTE)).as(t.name()).isEqualTo(expected.get(t.name()));
                }
                GGUFTensor q = f.requireTensor("t.Q4_K");
                assertThat(q.type()).isEqualTo(GGMLType.Q4_K);
                assertThat(q.ne()).containsExactly(512, 3);
                assertThat(q.cols()).isEqualTo(512);
                assertThat(q.rows()).isEqualTo(3);
                assertThat(q.elements()).isEqualTo(1536);
                assertThat(q.byteSize()).isEqualTo(2 * 144 * 3);
                GGUFTensor d4 = f.requireTensor("four.d");
                assertThat(d4.ne()).containsExactly(4, 2, 3, 5);
                assertThat(d4.rows()).isEqualTo(30);
                assertThat(f.tensor("absent")).isNull();
            }
        }
    }

    @Test
    void unsupportedTensorTypesAreWrittenButRefusedOnRead() throws IOException {
        for (GGMLType t : GGMLType.values()) {
            if (t.supported()) continue;
            Path p = dir.resolve("u-" + t + ".gguf");
            new GGUFWriter().addTensor("w", t, new long[] {t.blockSize}, new byte[t.typeSize]).write(p);
            assertThatThrownBy(() -> GGUFFile.open(p)).isInstanceOf(ModelFormatException.class)
                    .hasMessageStartingWith(p + ": tensor 'w' at byte offset ")
                    .hasMessageEndingWith("has type " + t + ", which Edgewise cannot read");
        }
    }

    @Test
    void customAlignment() throws IOException {
        Path p = dir.resolve("align.gguf");
        new GGUFWriter().alignment(64).putString("a", "b")
                .addTensor("x", GGMLType.F32, new long[] {3}, new byte[12])
                .addTensor("y", GGMLType.F16, new long[] {5}, new byte[10])
                .write(p);
        try (GGUFFile f = GGUFFile.open(p)) {
            assertThat(f.alignment()).isEqualTo(64);
            assertThat(f.getLong("general.alignment")).isEqualTo(64);
            assertThat(f.dataOffset() % 64).isZero();
            assertThat(f.requireTensor("y").offset()).isEqualTo(64);
        }
        assertThat(Files.size(p) % 64).isZero(); // padded after the last tensor too, as ggml does
    }

    @Test
    void writerRejectsInconsistentTensors() {
        GGUFWriter w = new GGUFWriter();
        assertThatThrownBy(() -> w.addTensor("a", GGMLType.F32, new long[] {4}, new byte[15]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("takes 16 bytes, but 15 were given");
        assertThatThrownBy(() -> w.addTensor("a", GGMLType.Q8_0, new long[] {31}, new byte[34]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block size 32");
        assertThatThrownBy(() -> w.addTensor("a", GGMLType.F32, new long[] {0}, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.addTensor("a", GGMLType.F32, new long[] {1, 1, 1, 1, 1}, new byte[4]))
                .isInstanceOf(IllegalArgumentException.class);
        w.addTensor("a", GGMLType.F32, new long[] {1}, new byte[4]);
        assertThatThrownBy(() -> w.addTensor("a", GGMLType.F32, new long[] {1}, new byte[4]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> w.alignment(48)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.putString("bad\uD800", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GGUFValue.uint8(256)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GGUFValue(GGUFValueType.UINT32, null, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GGUFValue.array(GGUFValueType.INT32, new long[1])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNothingBehindOnFailure() throws IOException {
        Path p = dir.resolve("out.gguf");
        new GGUFWriter().putString("v", "one").write(p);
        new GGUFWriter().putString("v", "two").write(p);
        try (GGUFFile f = GGUFFile.open(p)) {
            assertThat(f.getString("v")).isEqualTo("two");
        }
        byte[] before = Files.readAllBytes(p);

        MemorySegment dead;
        try (Arena arena = Arena.ofConfined()) {
            dead = arena.allocate(64);
        }
        GGUFWriter failing = new GGUFWriter().putString("v", "three")
                .addTensor("ok", GGMLType.F32, new long[] {4}, new byte[16])
                .addTensor("dead", GGMLType.F32, new long[] {16}, dead);
        assertThatThrownBy(() -> failing.write(p)).isInstanceOf(IllegalStateException.class);
        assertThat(Files.readAllBytes(p)).isEqualTo(before);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(x -> x.getFileName().toString()).toList()).containsExactly("out.gguf");
        }
    }

    @Test
    void closeIsIdempotentAndInvalidatesData() throws IOException {
        Path p = dir.resolve("c.gguf");
        new GGUFWriter().addTensor("x", GGMLType.F32, new long[] {8}, new byte[32]).write(p);
        GGUFFile f = GGUFFile.open(p);
        MemorySegment d = f.data(f.requireTensor("x"));
        assertThat(d.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0)).isZero();
        f.close();
        f.close();
        assertThatThrownBy(() -> d.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0)).isInstanceOf(IllegalStateException.class);
    }

    /** Keeps a list of tensor names for other tests that build files with the writer. */
    static List<String> names(GGUFFile f) {
        return f.tensors().stream().map(GGUFTensor::name).toList();
    }
}
