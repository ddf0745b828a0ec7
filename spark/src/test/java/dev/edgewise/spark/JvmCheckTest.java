package dev.edgewise.spark;

import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** An executor JVM started without the Vector API module gets one clear message naming the options to set. */
class JvmCheckTest {

    /** Asks ExecutorModels for a model in a fresh JVM; prints what happened. */
    public static final class Probe {
        public static void main(String[] args) {
            try (ExecutorModels.Lease lease = ExecutorModels.acquire(new ModelSpec(args[0], 1, 256, 64, true))) {
                System.out.println("loaded " + lease.model().config().name());
            } catch (Exception e) {
                System.out.println(e.getMessage());
                System.exit(3);
            }
        }
    }

    private static Process probe(boolean vectorModule) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (vectorModule) cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName(), Fixtures.path("models/nano-q8_0.gguf").toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static String run(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void withoutTheModuleTheLoadFailsNamingTheSparkOptions() throws Exception {
        Process p = probe(false);
        String out = run(p);
        assertThat(p.exitValue()).as(out).isEqualTo(3);
        assertThat(out).contains("--add-modules jdk.incubator.vector").contains("spark.executor.extraJavaOptions")
                .contains("spark.driver.extraJavaOptions");
    }

    @Test
    void withTheModuleTheModelLoads() throws Exception {
        Process p = probe(true);
        String out = run(p);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("loaded");
    }
}
