package dev.edgewise.loader;

import dev.edgewise.loader.testing.SafeTensorsImages;

import dev.edgewise.loader.json.Json;
import dev.edgewise.quant.Float16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafeTensorsWriterTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    /** The exact bytes of a small file: compact JSON, space padding to 8, little-endian data. */
    @Test
    void exactBytes() throws IOException {
        Path p = dir.resolve("a.safetensors");
        new SafeTensorsWriter().metadata("k", "v").add("a", "F32", new long[] {2}, new float[] {1f, -2.5f}).write(p);
        byte[] data = new byte[8];
        MemorySegment.ofArray(data).setAtIndex(F32, 0, 1f);
        MemorySegment.ofArray(data).setAtIndex(F32, 1, -2.5f);
        byte[] expected = SafeTensorsImages.image(
                "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data);
        assertThat(Files.readAllBytes(p)).isEqualTo(expected);
    }

    @Test
    void roundTripThroughTheReader() throws IOException {
        Random rnd = new Random(42);
        float[] w = randoms(rnd, 6), h = randoms(rnd, 5), b = randoms(rnd, 3);
        h[0] = 65504f; h[1] = 1e-7f; h[2] = Float.NEGATIVE_INFINITY; // largest half, a subnormal half, infinity
        b[0] = Float.NaN;
        Path p = dir.resolve("rt.safetensors");
        new SafeTensorsWriter()
                .metadata("plain", "1")
                .metadata("tricky \"key\"\\", "line\nbreak\ttab\u0001 été \uD83D\uDE00")
                .add("half", "F16", new long[] {5}, h)
                .add("w", "F32", new long[] {2, 3}, w)
                .add("bf", "BF16", new long[] {3, 1}, b)
                .add("scalar", "F32", new long[0], new float[] {7f})
                .add("empty", "F16", new long[] {0, 4}, new float[0])
                .write(p);
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertThat(f.metadata()).containsExactly(Map.entry("plain", "1"),
                    Map.entry("tricky \"key\"\\", "line\nbreak\ttab\u0001 été \uD83D\uDE00"));
            assertThat(f.tensors()).extracting(SafeTensor::name).as("header keeps insertion order")
                    .containsExactly("half", "w", "bf", "scalar", "empty");
            SafeTensor tw = f.requireTensor("w");
            assertThat(tw.dtype()).isEqualTo("F32");
            assertThat(tw.shape()).containsExactly(2, 3);
            for (int i = 0; i < 6; i++) assertThat(f.data(tw).getAtIndex(F32, i)).isEqualTo(w[i]);
            SafeTensor th = f.requireTensor("half");
            for (int i = 0; i < 5; i++) {
                assertThat(Float16.toFloat(f.data(th).getAtIndex(U16, i))).isEqualTo(Float16.toFloat(Float16.fromFloat(h[i])));
            }
            assertThat(Float16.toFloat(f.data(th).getAtIndex(U16, 0))).isEqualTo(65504f);
            SafeTensor tb = f.requireTensor("bf");
            assertThat(tb.shape()).containsExactly(3, 1);
            assertThat(Float16.bf16ToFloat(f.data(tb).getAtIndex(U16, 0))).isNaN();
            for (int i = 1; i < 3; i++) {
                assertThat(Float16.bf16ToFloat(f.data(tb).getAtIndex(U16, i))).isEqualTo(Float16.bf16ToFloat(Float16.floatToBf16(b[i])));
            }
            assertThat(f.requireTensor("scalar").shape()).isEmpty();
            assertThat(f.data(f.requireTensor("scalar")).getAtIndex(F32, 0)).isEqualTo(7f);
            assertThat(f.requireTensor("empty").byteSize()).isZero();

            // the reference's layout: header padded to 8, data packed without gaps, each tensor aligned to its element size
            assertThat(f.dataOffset() % 8).isZero();
            long total = 0;
            for (SafeTensor t : f.tensors()) {
                total += t.byteSize();
                int size = t.dtype().equals("F32") ? 4 : 2;
                assertThat((f.dataOffset() + t.begin()) % size).as(t.name()).isZero();
            }
            assertThat(f.segment().byteSize()).isEqualTo(f.dataOffset() + total);
            assertThat(f.requireTensor("w").begin()).as("F32 tensors first").isZero();
            byte[] header = f.segment().asSlice(8, f.dataOffset() - 8).toArray(ValueLayout.JAVA_BYTE);
            String text = new String(header, StandardCharsets.UTF_8);
            assertThat(text.stripTrailing()).endsWith("}");
            assertThat(text.substring(text.stripTrailing().length())).matches(" *");
            assertThat(Json.parse(text)).isInstanceOf(Map.class);
        }
    }

    @Test
    void withoutMetadataThereIsNoMetadataKey() throws IOException {
        Path p = dir.resolve("nometa.safetensors");
        new SafeTensorsWriter().add("x", "BF16", new long[] {1}, new float[] {1f}).write(p);
        String text = new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("__metadata__");
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertThat(f.metadata()).isEmpty();
            assertThat(f.tensors()).hasSize(1);
        }
    }

    @Test
    void refusesWhatTheReaderWouldReject() {
        float[] two = {1f, 2f};
        assertThatThrownBy(() -> new SafeTensorsWriter().add("x", "F32", new long[] {2}, two).add("x", "F32", new long[] {2}, two))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("duplicate tensor 'x'");
        assertThatThrownBy(() -> new SafeTensorsWriter().add("__metadata__", "F32", new long[] {2}, two))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> new SafeTensorsWriter().add("x", "I32", new long[] {2}, two))
                .hasMessageContaining("tensor 'x'").hasMessageContaining("\"I32\"");
        assertThatThrownBy(() -> new SafeTensorsWriter().add("x", "F32", new long[] {3}, two))
                .hasMessage("tensor 'x': shape [3] holds 3 elements, but 2 values were given");
        assertThatThrownBy(() -> new SafeTensorsWriter().add("x", "F32", new long[] {-1, -2}, two))
                .hasMessage("tensor 'x': shape[0] = -1 < 0");
        assertThatThrownBy(() -> new SafeTensorsWriter().add("x", "F32", new long[] {1L << 40, 1L << 40}, two))
                .hasMessageContaining("overflows");
        assertThatThrownBy(() -> new SafeTensorsWriter().add("bad\uD800", "F32", new long[] {2}, two))
                .hasMessageContaining("lone surrogate");
        assertThatThrownBy(() -> new SafeTensorsWriter().metadata("k", "\uDC00")).hasMessageContaining("lone surrogate");
        assertThatThrownBy(() -> new SafeTensorsWriter().metadata("k", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void replacesAnExistingFileAndLeavesNoTemporaryFiles() throws IOException {
        Path p = dir.resolve("r.safetensors");
        Files.writeString(p, "old");
        new SafeTensorsWriter().add("x", "F32", new long[] {1}, new float[] {3f}).write(p);
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertThat(f.data(f.requireTensor("x")).getAtIndex(F32, 0)).isEqualTo(3f);
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.toList()).containsExactly(p);
        }
    }

    @Test
    void aFailedMoveDeletesTheTemporaryFile() throws IOException {
        Path target = dir.resolve("occupied");
        Files.createDirectory(target);
        Files.writeString(target.resolve("keep"), "x"); // a non-empty directory cannot be replaced by a file
        SafeTensorsWriter w = new SafeTensorsWriter().add("x", "F32", new long[] {1}, new float[] {3f});
        assertThatThrownBy(() -> w.write(target)).isInstanceOf(IOException.class);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.toList()).containsExactly(target);
        }
        assertThat(Files.readString(target.resolve("keep"))).isEqualTo("x");
    }

    @Test
    void laterChangesToTheArrayAreNotSeen() throws IOException {
        float[] v = {1f, 2f};
        SafeTensorsWriter w = new SafeTensorsWriter().add("x", "F32", new long[] {2}, v);
        v[0] = 99f;
        Path p = dir.resolve("c.safetensors");
        w.write(p);
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertThat(f.data(f.requireTensor("x")).getAtIndex(F32, 0)).isEqualTo(1f);
        }
    }

    private static float[] randoms(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }
}
