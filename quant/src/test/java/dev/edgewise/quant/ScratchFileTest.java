package dev.edgewise.quant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ScratchFileTest {

    @TempDir
    Path dir;

    @Test
    void segmentsHoldWhatIsWrittenAndTheFileLeavesNoNameBehind() throws IOException {
        try (ScratchFile scratch = ScratchFile.create(dir)) {
            MemorySegment a = scratch.allocate(1 << 20), b = scratch.allocate(10);
            a.set(ValueLayout.JAVA_LONG, 8, 42L);
            b.set(ValueLayout.JAVA_BYTE, 9, (byte) 7);
            assertThat(a.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(42L);
            assertThat(b.get(ValueLayout.JAVA_BYTE, 9)).isEqualTo((byte) 7);
            assertThat(b.get(ValueLayout.JAVA_BYTE, 0)).isZero();
            assertThat(scratch.size()).isEqualTo((1 << 20) + 10);
            if (posix()) assertThat(names()).as("the open scratch file's name").isEmpty();
        }
        assertThat(names()).isEmpty();
    }

    @Test
    void aKilledProcessLeavesNoScratchFile() throws Exception {
        assumeTrue(posix(), "removing an open file's name needs a POSIX file system");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                Holder.class.getName(), dir.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("holding");
            child.destroyForcibly(); // SIGKILL: no close, no shutdown hook
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(names()).as("files left in the scratch directory").isEmpty();
    }

    /** Child process: holds a written scratch segment until killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            ScratchFile scratch = ScratchFile.create(Path.of(args[0]));
            scratch.allocate(1 << 20).fill((byte) 1);
            System.out.println("holding");
            System.out.flush();
            Thread.sleep(60_000);
        }
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
