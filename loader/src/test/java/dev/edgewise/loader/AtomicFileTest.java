package dev.edgewise.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AtomicFileTest {

    @TempDir
    Path dir;

    @Test
    void aWrittenFileIsWholeAndReadableLikeAnyOther() throws IOException {
        Path target = dir.resolve("chat.json");
        AtomicFile.writeString(target, "{\"é\": 1}\n");
        assertThat(Files.readString(target, StandardCharsets.UTF_8)).isEqualTo("{\"é\": 1}\n");
        AtomicFile.write(dir.resolve("model.gguf"), out -> out.write(new byte[] {1, 2, 3}));
        assertThat(Files.readAllBytes(dir.resolve("model.gguf"))).containsExactly(1, 2, 3);
        if (posix()) {
            // not the temporary file's owner-only mode
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r--r--");
        }
        assertThat(names()).containsExactlyInAnyOrder("chat.json", "model.gguf");
    }

    @Test
    void aFailedWriteLeavesTheTargetAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("out.bin");
        Files.writeString(target, "old");
        assertThatThrownBy(() -> AtomicFile.write(target, out -> {
            out.write(new byte[100_000]);
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(Files.readString(target)).isEqualTo("old");
        assertThat(names()).containsExactly("out.bin");
    }

    @Test
    void aGroupMovesItsFilesOnlyOnCommit() throws IOException {
        Path a = dir.resolve("a.json"), b = dir.resolve("b.f32");
        try (AtomicFile.Group group = new AtomicFile.Group()) {
            Files.writeString(group.stage(a), "A");
            Files.writeString(group.stage(b), "B");
            assertThat(names()).noneMatch(n -> n.equals("a.json") || n.equals("b.f32"));
            group.commit();
        }
        assertThat(Files.readString(a)).isEqualTo("A");
        assertThat(Files.readString(b)).isEqualTo("B");
        try (AtomicFile.Group group = new AtomicFile.Group()) {
            Files.writeString(group.stage(a), "not committed");
        }
        assertThat(Files.readString(a)).isEqualTo("A");
        assertThat(names()).containsExactlyInAnyOrder("a.json", "b.f32");
    }

    @Test
    void aMissingDirectoryIsNamed() {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> AtomicFile.writeString(missing.resolve("x.json"), "{}"))
                .isInstanceOf(IOException.class).hasMessage("output directory does not exist: " + missing);
        assertThatThrownBy(() -> new AtomicFile.Group().stage(missing.resolve("x.svg")))
                .hasMessage("output directory does not exist: " + missing);
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
