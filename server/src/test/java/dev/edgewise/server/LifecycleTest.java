package dev.edgewise.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The server listens before the model is loaded, answers 503 meanwhile, and says why a load failed. */
class LifecycleTest {

    @Test
    void healthIs503WhileLoadingAndAfterAFailedLoad(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("model.gguf");
        // a named pipe: opening it blocks the loader until a writer comes, so "loading" lasts as long as the test wants
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        try (EdgewiseServer server = EdgewiseServer.start(TestServers.options().withApiKey(null).withPort(0).withModel(fifo))) {
            HttpResponse<String> health = get(server, "/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.headers().firstValue("Retry-After")).isPresent();
            assertThat(health.body()).contains("loading");
            HttpResponse<String> chat = TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(TestServers.base(server) + "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(MalformedRequests.VALID)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(chat.statusCode()).isEqualTo(503);
            assertThat(get(server, "/metrics").statusCode()).isEqualTo(200);
            try (OutputStream w = Files.newOutputStream(fifo)) {
                w.write(new byte[]{'G', 'G', 'U', 'F'}); // then end of file: not a model
            } catch (java.io.IOException loaderGaveUpFirst) {
                // the loader may close the pipe (refusing it) before these bytes are written: a broken pipe
                // here is the same outcome, a failed load, which is what is checked next
            }
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (get(server, "/health").body().contains("loading") && System.nanoTime() < end) Thread.sleep(20);
            HttpResponse<String> failed = get(server, "/health");
            assertThat(failed.statusCode()).isEqualTo(503);
            assertThat(failed.body()).contains("failed to load");
        }
    }

    private static HttpResponse<String> get(EdgewiseServer s, String path) throws Exception {
        return TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(TestServers.base(s) + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
