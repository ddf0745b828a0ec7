package dev.edgewise.loader;

import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/** Malformed and hostile GGUF input must give a ModelFormatException naming file, field and offset. Nothing else. */
class GGUFMalformedTest {
    private static final Path NAME = Path.of("bad.gguf");
    private static final int F32 = GGMLType.F32.id;

    @TempDir
    Path dir;

    private static GGUFFile parse(byte[] bytes) {
        return GGUFFile.parse(NAME, MemorySegment.ofArray(bytes));
    }

    /** Asserts {@code bytes} are rejected with a message that starts with the file name and contains {@code parts}. */
    private static ModelFormatException rejected(byte[] bytes, String... parts) {
        try {
            parse(bytes);
        } catch (ModelFormatException e) {
            assertThat(e.getMessage()).startsWith(NAME + ": ").contains("byte offset");
            for (String p : parts) assertThat(e.getMessage()).contains(p);
            return e;
        }
        return fail("accepted a malformed file; expected an error containing " + Arrays.toString(parts));
    }

    /** A valid file exercising every kind of header field, whose last tensor ends exactly at the end of the file. */
    private byte[] validFile() throws IOException {
        GGUFWriter w = new GGUFWriter();
        GGUFRoundTripTest.everyValueType().forEach(w::put);
        w.addTensor("a", GGMLType.F32, new long[] {8, 2}, new byte[64]);
        w.addTensor("b", GGMLType.Q8_0, new long[] {32, 2}, new byte[68]);
        w.addTensor("c", GGMLType.F16, new long[] {16, 2, 1, 2}, new byte[128]);
        Path p = dir.resolve("valid.gguf");
        w.write(p);
        return Files.readAllBytes(p);
    }

    @Test
    void validFileParses() throws IOException {
        byte[] b = validFile();
        GGUFFile f = parse(b);
        assertThat(f.tensors()).hasSize(3);
        GGUFTensor c = f.requireTensor("c");
        assertThat(f.dataOffset() + c.offset() + c.byteSize()).isEqualTo(b.length);
    }

    @Test
    void truncationAnywhereIsRejected() throws IOException {
        byte[] b = validFile();
        long dataOffset = parse(b).dataOffset();
        int checked = 0;
        for (int n = 0; n < b.length; n = n < dataOffset + 8 ? n + 1 : n + 13) {
            byte[] cut = Arrays.copyOf(b, n);
            try {
                parse(cut);
                fail("truncation to " + n + " of " + b.length + " bytes was accepted");
            } catch (ModelFormatException e) {
                assertThat(e.getMessage()).startsWith(NAME + ": ");
            }
            checked++;
        }
        assertThat(checked).isGreaterThan((int) dataOffset);
        // and through the real open() path, for a sample of cuts
        Path p = dir.resolve("cut.gguf");
        for (int n : new int[] {0, 3, 4, 23, 24, 100, (int) dataOffset - 1, (int) dataOffset, b.length - 1}) {
            Files.write(p, Arrays.copyOf(b, n));
            assertThatThrownBy(() -> GGUFFile.open(p)).as("cut at " + n).isInstanceOf(ModelFormatException.class)
                    .hasMessageStartingWith(p + ": ");
        }
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() throws IOException {
        byte[] b = validFile();
        int header = (int) parse(b).dataOffset();
        Random rnd = new Random(Long.getLong("fuzz.seed", 12345));
        int rejectedCount = 0;
        for (int iter = 0; iter < Integer.getInteger("fuzz.iterations", 3000); iter++) {
            byte[] m = b.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                int at = rnd.nextInt(header);
                m[at] = switch (rnd.nextInt(3)) {
                    case 0 -> (byte) rnd.nextInt(256);
                    case 1 -> (byte) (m[at] ^ (1 << rnd.nextInt(8)));
                    default -> (byte) 0xFF;
                };
            }
            try {
                parse(m);
            } catch (ModelFormatException e) {
                assertThat(e.getMessage()).startsWith(NAME + ": ");
                rejectedCount++;
            }
        }
        assertThat(rejectedCount).isGreaterThan(1000);
    }

    @Test
    void badMagic() {
        rejected("GGML\u0003\0\0\0".getBytes(StandardCharsets.ISO_8859_1), "not a GGUF file", "47 47 4d 4c");
        rejected(new byte[] {'G', 'G'}, "too short");
        rejected(new byte[0], "too short");
    }

    @Test
    void emptyFileOnDisk() throws IOException {
        Path p = dir.resolve("empty.gguf");
        Files.write(p, new byte[0]);
        assertThatThrownBy(() -> GGUFFile.open(p)).isInstanceOf(ModelFormatException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> GGUFFile.open(dir.resolve("absent.gguf"))).isInstanceOf(IOException.class);
    }

    @Test
    void versions() {
        rejected(RawGGUF.header(1, 0, 0).toByteArray(), "unsupported version 1");
        rejected(RawGGUF.header(4, 0, 0).toByteArray(), "unsupported version 4");
        rejected(RawGGUF.header(0x03000000, 0, 0).toByteArray(), "big-endian", "version 3 byte-swapped");
        rejected(RawGGUF.header(0x02000000, 0, 0).toByteArray(), "big-endian");
        assertThat(parse(RawGGUF.header(2, 0, 0).toByteArray()).version()).isEqualTo(2);
        assertThat(parse(RawGGUF.header(3, 0, 0).toByteArray()).metadata()).isEmpty();
    }

    @Test
    void absurdCounts() {
        rejected(RawGGUF.header(3, 1L << 62, 0).zeros(64).toByteArray(), "tensor count 4611686018427387904 is impossible", "byte offset 8");
        rejected(RawGGUF.header(3, 0, 1L << 62).zeros(64).toByteArray(), "metadata key/value count", "byte offset 16");
        rejected(RawGGUF.header(3, -1L, 0).toByteArray(), "tensor count 18446744073709551615");
        rejected(RawGGUF.header(3, 2, 2).zeros(80).toByteArray(), "cannot fit");
    }

    @Test
    void absurdStringLengths() {
        rejected(RawGGUF.header(3, 0, 1).u64(1L << 40).zeros(16).toByteArray(),
                "metadata entry #0 at byte offset 24", "key length 1099511627776 exceeds the 16 bytes that remain");
        rejected(RawGGUF.header(3, 0, 1).str("k").u32(GGUFValueType.STRING.id).u64(1L << 40).toByteArray(),
                "metadata key 'k' at byte offset 37", "string length 1099511627776");
        rejected(RawGGUF.header(3, 0, 1).str("k").u32(GGUFValueType.STRING.id).u64(-1L).zeros(4).toByteArray(),
                "string length 18446744073709551615");
        rejected(RawGGUF.header(3, 0, 1).u64(70_000).zeros(70_000).toByteArray(), "exceeds the limit of 65536");
    }

    @Test
    void absurdArrayLengths() {
        RawGGUF arr = RawGGUF.header(3, 0, 1).str("k").u32(GGUFValueType.ARRAY.id);
        rejected(copy(arr).u32(GGUFValueType.UINT8.id).u64(1L << 60).zeros(16).toByteArray(),
                "metadata key 'k' at byte offset 41", "array of 1152921504606846976 UINT8 elements cannot fit");
        rejected(copy(arr).u32(GGUFValueType.STRING.id).u64(3).zeros(16).toByteArray(), "array of 3 STRING elements cannot fit");
        rejected(copy(arr).u32(GGUFValueType.ARRAY.id).u64(2).zeros(16).toByteArray(), "array of 2 ARRAY elements");
        rejected(copy(arr).u32(GGUFValueType.INT64.id).u64(-1L).toByteArray(), "array of 18446744073709551615");
        rejected(copy(arr).u32(77).u64(0).toByteArray(), "unknown array element type id 77");
        // strings inside an array: the first is fine, the second claims more than the file holds
        rejected(copy(arr).u32(GGUFValueType.STRING.id).u64(2).str("ok").u64(1L << 50).zeros(8).toByteArray(), "string #1 length");
    }

    @Test
    void deepNestingIsCapped() {
        RawGGUF r = RawGGUF.header(3, 0, 1).str("k").u32(GGUFValueType.ARRAY.id);
        for (int i = 0; i < 20; i++) r.u32(GGUFValueType.ARRAY.id).u64(1);
        r.u32(GGUFValueType.INT8.id).u64(0);
        rejected(r.toByteArray(), "nested more than 8 deep");
    }

    private static RawGGUF copy(RawGGUF r) {
        return new RawGGUF().bytes(r.toByteArray());
    }

    @Test
    void badValues() {
        rejected(RawGGUF.header(3, 0, 1).str("k").u32(13).u8(0).toByteArray(), "metadata key 'k'", "unknown value type id 13");
        rejected(RawGGUF.header(3, 0, 1).str("k").u32(GGUFValueType.BOOL.id).u8(2).toByteArray(), "boolean byte is 2");
        rejected(RawGGUF.header(3, 0, 2).kvU32("k", 1).kvU32("k", 2).toByteArray(), "metadata key 'k'", "duplicate key (first at byte offset 24)");
        rejected(RawGGUF.header(3, 0, 1).str(new byte[] {'a', (byte) 0xC3}).u32(GGUFValueType.UINT8.id).u8(0).toByteArray(),
                "key is not valid UTF-8", "61 c3");
    }

    @Test
    void invalidUtf8InValuesIsReplaced() {
        byte[] b = RawGGUF.header(3, 0, 1).str("k").u32(GGUFValueType.STRING.id).str(new byte[] {'a', (byte) 0xFF, 'b'}).toByteArray();
        assertThat(parse(b).getString("k")).isEqualTo("a\uFFFDb");
    }

    @Test
    void badAlignment() {
        for (long a : new long[] {0, 3, 48, 1L << 32}) {
            RawGGUF r = RawGGUF.header(3, 0, 1).str("general.alignment");
            byte[] b = a > 0xFFFF_FFFFL ? r.u32(GGUFValueType.UINT64.id).u64(a).toByteArray() : r.u32(GGUFValueType.UINT32.id).u32(a).toByteArray();
            rejected(b, "general.alignment", "alignment " + a);
        }
        rejected(RawGGUF.header(3, 0, 1).kvString("general.alignment", "32").toByteArray(), "has type STRING");
        byte[] ok = RawGGUF.header(3, 0, 1).kvU32("general.alignment", 1).toByteArray();
        assertThat(parse(ok).alignment()).isEqualTo(1);
    }

    /** One F32 tensor info with 32 bytes of data after the aligned header. */
    private static byte[] oneTensor(int typeId, long offset, long... ne) {
        return RawGGUF.header(3, 1, 0).tensorInfo("w", typeId, offset, ne).padTo(32).zeros(32).toByteArray();
    }

    @Test
    void tensorInfoChecks() {
        assertThat(parse(oneTensor(F32, 0, 8)).requireTensor("w").byteSize()).isEqualTo(32);
        rejected(oneTensor(F32, 32, 8), "tensor 'w'", "extends beyond the end of the file");
        rejected(oneTensor(F32, 0, 9), "tensor 'w'", "extends beyond the end of the file");
        rejected(oneTensor(F32, 4, 1), "tensor 'w'", "data offset 4 is not a multiple of the alignment 32");
        rejected(oneTensor(F32, -32, 8), "data offset 18446744073709551584");
        rejected(oneTensor(F32, (1L << 62) + 32 * 0, 8), "extends beyond the end");
        rejected(oneTensor(99, 0, 8), "tensor 'w' at byte offset", "unknown ggml type id 99");
        rejected(oneTensor(4, 0, 8), "unknown ggml type id 4"); // retired Q4_2
        rejected(oneTensor(GGMLType.IQ2_XXS.id, 0, 256), "tensor 'w' at byte offset", "has type IQ2_XXS, which Edgewise cannot read");
        rejected(oneTensor(GGMLType.Q8_0.id, 0, 16), "row length ne[0] = 16 is not a multiple of Q8_0's block size 32");
        rejected(oneTensor(F32, 0, 8, 0), "dimension 1 is 0, expected at least 1");
        rejected(oneTensor(F32, 0, -1L), "dimension 0 is 18446744073709551615");
        rejected(oneTensor(F32, 0, 1L << 32, 1L << 32), "overflows 64 bits");
        rejected(oneTensor(F32, 0, 1L << 31, 1L << 31, 4), "overflows 64 bits"); // elements fit, bytes do not
        rejected(oneTensor(F32, 0, 1L << 62), "overflows 64 bits"); // a single row whose bytes overflow
        rejected(oneTensor(F32, 0), "n_dims is 0");
        rejected(oneTensor(F32, 0, 1, 1, 1, 1, 1), "n_dims is 5");
        rejected(RawGGUF.header(3, 1, 0).tensorInfo("w", F32, 0, 8).toByteArray(), "data section", "beyond the end of the file");
    }

    @Test
    void tensorSetChecks() {
        byte[] dup = RawGGUF.header(3, 2, 0).tensorInfo("w", F32, 0, 8).tensorInfo("w", F32, 32, 8).padTo(32).zeros(64).toByteArray();
        rejected(dup, "tensor 'w'", "duplicate tensor name (first at byte offset 24)");
        byte[] overlap = RawGGUF.header(3, 2, 0).tensorInfo("a", F32, 0, 16).tensorInfo("b", F32, 32, 8).padTo(32).zeros(96).toByteArray();
        rejected(overlap, "tensor 'b'", "overlaps tensor 'a' [0, 64)");
        byte[] badName = RawGGUF.header(3, 1, 0).str(new byte[] {(byte) 0x80}).u32(1).u64(8).u32(F32).u64(0).padTo(32).zeros(32).toByteArray();
        rejected(badName, "tensor info #0", "name is not valid UTF-8");
    }

    @Test
    void tensorsBeyondTwoGiBAreReadable() throws IOException {
        long farOffset = 5L << 29; // 2.5 GiB into the data section
        byte[] header = RawGGUF.header(3, 2, 1).kvString("general.name", "sparse")
                .tensorInfo("near", F32, 0, 8)
                .tensorInfo("far", F32, farOffset, 16)
                .padTo(32).toByteArray();
        long dataOffset = header.length;
        Path p = dir.resolve("sparse.gguf");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.write(header);
            raf.setLength(dataOffset + farOffset + 64);
            raf.seek(dataOffset + farOffset + 4 * 5);
            raf.write(new byte[] {0, 0, (byte) 0xC0, 0x3F}); // 1.5f, little-endian
        } catch (IOException e) {
            Assumptions.abort("filesystem refused a sparse 2.5 GiB file: " + e);
        }
        try (GGUFFile f = GGUFFile.open(p)) {
            assertThat(f.segment().byteSize()).isGreaterThan(1L << 31);
            MemorySegment far = f.data(f.requireTensor("far"));
            assertThat(far.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 5)).isEqualTo(1.5f);
            assertThat(far.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 4)).isZero();
        } finally {
            Files.deleteIfExists(p);
        }
    }
}
