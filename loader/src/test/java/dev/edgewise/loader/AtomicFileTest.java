package dev.edgewise.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

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

    /**
     * A writer killed mid-way (here a second JVM, SIGKILL) leaves its temporary file; the next
     * write of that name deletes it, but never a live writer's (locked) or a just-created one.
     */
    @Test
    void aKilledWritersTemporaryFileIsDeletedByTheNextWriteButALiveWritersIsNot() throws Exception {
        Path target = dir.resolve("model.gguf");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SlowWriter.class.getName(), target.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThat(lines.readLine()).isEqualTo("writing"));
            List<String> temporaries = names().stream().filter(n -> n.startsWith(".model.gguf.") && n.endsWith(".tmp")).toList();
            assertThat(temporaries).hasSize(1);
            Path partial = dir.resolve(temporaries.get(0));
            assertThat(Files.size(partial)).isEqualTo(SlowWriter.BYTES);
            age(partial);

            AtomicFile.write(target, out -> out.write(new byte[] {1})); // the child is alive: its file stays
            assertThat(names()).containsExactlyInAnyOrder("model.gguf", partial.getFileName().toString());

            child.destroyForcibly();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(partial).exists(); // what a killed writer leaves

            Path fresh = dir.resolve(".model.gguf.4242.tmp"); // unlocked, but just created: perhaps a writer about to lock it
            Files.write(fresh, new byte[10]);
            AtomicFile.write(target, out -> out.write(new byte[] {2}));
            assertThat(names()).containsExactlyInAnyOrder("model.gguf", ".model.gguf.4242.tmp");
            assertThat(Files.readAllBytes(target)).containsExactly(2);

            age(fresh);
            Files.writeString(dir.resolve(".other.gguf.1.tmp"), "another target's");
            age(dir.resolve(".other.gguf.1.tmp"));
            AtomicFile.writeString(target, "3");
            assertThat(names()).containsExactlyInAnyOrder("model.gguf", ".other.gguf.1.tmp");
        } finally {
            child.destroyForcibly();
        }
    }

    /** Writes {@link #BYTES} bytes of the file named by its argument through AtomicFile, says so, and waits to be killed. */
    public static final class SlowWriter {
        static final int BYTES = 1 << 20;

        public static void main(String[] args) throws IOException {
            AtomicFile.write(Path.of(args[0]), out -> {
                out.write(new byte[BYTES]);
                out.flush();
                System.out.println("writing");
                System.out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            });
        }
    }

    private static void age(Path p) throws IOException {
        Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - 2 * AtomicFile.STALE_AFTER_MILLIS));
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
