package dev.edgewise.server;

import dev.edgewise.engine.ModelOptions;
import dev.edgewise.loader.testing.Fixtures;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Servers on loopback for the tests, over the tiny-real fixture (the real Qwen vocabulary). One
 * shared server (API key {@link #KEY}) serves every test class of the run; a test that needs other
 * limits starts its own.
 */
final class TestServers {
    static final String KEY = "test-key";
    private static EdgewiseServer shared;

    private TestServers() {}

    static ServerOptions options() {
        ModelOptions m = ModelOptions.defaults().withThreads(1).withContextSize(512).withKvBudgetBytes(8L << 20);
        return ServerOptions.of(Fixtures.path("models/tiny-real-q4_0.gguf"), m).withApiKey(KEY).withMaxTokens(256);
    }

    static synchronized EdgewiseServer shared() throws IOException {
        if (shared == null) {
            shared = start(options());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    static EdgewiseServer start(ServerOptions options) throws IOException {
        EdgewiseServer s = EdgewiseServer.start(options);
        s.awaitReady();
        return s;
    }

    static String base(EdgewiseServer s) {
        return "http://127.0.0.1:" + s.port();
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    static HttpResponse<String> post(EdgewiseServer s, String path, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base(s) + path)).header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(EdgewiseServer s, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base(s) + path)).header("Authorization", "Bearer " + KEY).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until no sequence holds a KV block (cached prefix blocks may stay); returns the blocks still used. */
    static int awaitKvReleased(EdgewiseServer s, Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        var model = s.awaitReady().model();
        while (true) {
            var st = model.schedulerStats();
            int held = st.kvBlocksUsed();
            if ((held == 0 && st.runningRequests() == 0 && st.waitingRequests() == 0) || System.nanoTime() > end) return held;
            Thread.sleep(20);
        }
    }
}
