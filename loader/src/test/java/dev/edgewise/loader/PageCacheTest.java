package dev.edgewise.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;

class PageCacheTest {

    @Test
    void adviceAndEvictionLeaveTheContentIntact(@TempDir Path dir) throws Exception {
        byte[] content = new byte[5 << 20];
        for (int i = 0; i < content.length; i++) content[i] = (byte) (i * 31 + (i >>> 12));
        Path file = dir.resolve("weights.bin");
        AtomicFile.write(file, out -> out.write(content)); // evicts what it wrote
        PageCache.evict(file); // twice is harmless
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapping = MappedFiles.map(file, "test", arena); // advises huge pages
            for (int i = 0; i < content.length; i += 4093) {
                assertThat(mapping.get(ValueLayout.JAVA_BYTE, i)).as("byte %d", i).isEqualTo(content[i]);
            }
        }
    }

    @Test
    void evictingAFileThatDoesNotExistDoesNothing(@TempDir Path dir) {
        PageCache.evict(dir.resolve("missing.gguf"));
        assertThat(Files.exists(dir.resolve("missing.gguf"))).isFalse();
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void hugePageShareOfAResidentMappingIsAFraction(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("weights.bin");
        Files.write(file, new byte[4 << 20]);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapping = MappedFiles.map(file, "test", arena);
            long sum = 0;
            for (long i = 0; i < mapping.byteSize(); i += 4096) sum += mapping.get(ValueLayout.JAVA_BYTE, i); // make it resident
            assertThat(sum).isZero();
            OptionalDouble share = PageCache.hugePageShare(mapping);
            assertThat(share).isPresent();
            assertThat(share.getAsDouble()).isBetween(0.0, 1.0);
        }
    }

    @Test
    void aHeapSegmentHasNoShare() {
        assertThat(PageCache.hugePageShare(MemorySegment.ofArray(new byte[64]))).isEmpty();
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void hugePageMemoryReportsItsShareFromAnyPartOfIt() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/sys/kernel/mm/transparent_hugepage")), "a kernel with transparent huge pages");
        long bytes = 8L << 20;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = PageCache.hugePageMemory(arena, bytes);
            for (long i = 0; i < bytes; i += 4096) m.set(ValueLayout.JAVA_BYTE, i, (byte) 1); // resident
            OptionalDouble whole = PageCache.hugePageShare(m), middle = PageCache.hugePageShare(m.asSlice(5L << 20));
            assertThat(whole).isPresent();
            assertThat(whole.getAsDouble()).isBetween(0.0, 1.0);
            assertThat(middle).isEqualTo(whole);
            if (thpAllowed()) assertThat(whole.getAsDouble()).as("huge pages where the kernel allows them").isGreaterThan(0.5);
        }
    }

    /** Whether transparent huge pages are on for madvise'd memory ([always] or [madvise]) with direct compaction. */
    private static boolean thpAllowed() {
        try {
            String enabled = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            String defrag = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/defrag"));
            return !enabled.contains("[never]") && (defrag.contains("[madvise]") || defrag.contains("[always]") || defrag.contains("[defer+madvise]"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void hugePageMemoryIsZeroedWritableAndStartsOnA2MiBBoundary() {
        long bytes = (5L << 20) + 123;
        MemorySegment m;
        try (Arena arena = Arena.ofShared()) {
            m = PageCache.hugePageMemory(arena, bytes);
            assertThat(m.byteSize()).isEqualTo(bytes);
            assertThat(m.address() % (2 << 20)).isZero(); // the tests run with native access, so this is mmap's region
            for (long i = 0; i < bytes; i += 4096) assertThat(m.get(ValueLayout.JAVA_BYTE, i)).isZero();
            for (long i = 0; i < bytes; i += 8191) m.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            for (long i = 0; i < bytes; i += 8191) assertThat(m.get(ValueLayout.JAVA_BYTE, i)).isEqualTo((byte) i);
            assertThat(PageCache.hugePageMemory(arena, 0).byteSize()).isZero();
        }
        assertThat(m.scope().isAlive()).isFalse(); // unmapped with its arena
    }
}
