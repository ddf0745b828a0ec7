package dev.edgewise.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgewise.server.api.JsonBody;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

import static org.assertj.core.api.Assertions.assertThat;

/** Clients that go away, and malformed requests: right statuses, the server stays up, the KV pool empties. */
class FaultTest {
    static EdgewiseServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServers.shared();
    }

    @Test
    void twoHundredClientsDisconnectingAtRandomPointsLeaveNoKvBlockHeld() throws Exception {
        Random r = new Random(11);
        Semaphore concurrency = new Semaphore(16);
        List<Future<?>> done = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                boolean stream = i % 8 != 7;
                int readBytes = r.nextInt(stream ? 4000 : 2);
                boolean reset = r.nextBoolean();
                String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"client " + i + "\"}],\"max_tokens\":32,\"ignore_eos\":true,"
                        + "\"stream\":" + stream + ",\"n\":" + (1 + i % 2) + ",\"seed\":" + i + "}";
                concurrency.acquire();
                done.add(pool.submit(() -> {
                    try {
                        disconnectingClient(body, readBytes, reset);
                    } finally {
                        concurrency.release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        }
        assertThat(TestServers.awaitKvReleased(server, Duration.ofSeconds(30))).as("KV blocks still held").isZero();
        assertThat(TestServers.get(server, "/health").statusCode()).isEqualTo(200);
        HttpResponse<String> after = TestServers.post(server, "/v1/chat/completions", MalformedRequests.VALID);
        assertThat(after.statusCode()).isEqualTo(200);
        // most streams were cut mid-way: their requests were cancelled, not run to the end
        assertThat(server.metrics().render()).containsPattern("(?m)^edgewise_requests_cancelled_total [1-9]");
    }

    private static void disconnectingClient(String body, int readBytes, boolean reset) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(60_000);
            if (reset) s.setSoLinger(true, 0);
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestServers.KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[512];
            int got = 0;
            while (got < readBytes) {
                int n = in.read(buf, 0, Math.min(buf.length, readBytes - got));
                if (n < 0) break;
                got += n;
            }
        }
    }

    @Test
    void aThousandMalformedRequestsGetTheirStatusAndTheServerStaysUp() throws Exception {
        List<MalformedRequests.Case> cases = new ArrayList<>(MalformedRequests.generate(995, 5));
        for (int i = 0; i < 5; i++) cases.add(MalformedRequests.oversized(10 << 20));
        List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        Semaphore concurrency = new Semaphore(8);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (MalformedRequests.Case c : cases) {
                concurrency.acquire();
                done.add(pool.submit(() -> {
                    try {
                        check(c, wrong);
                    } finally {
                        concurrency.release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        }
        assertThat(wrong).isEmpty();
        assertThat(TestServers.get(server, "/health").statusCode()).isEqualTo(200);
        assertThat(TestServers.awaitKvReleased(server, Duration.ofSeconds(30))).isZero();
    }

    private static void check(MalformedRequests.Case c, List<String> wrong) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(TestServers.base(server) + c.path()))
                .header("Authorization", "Bearer " + TestServers.KEY).timeout(Duration.ofSeconds(60));
        if (c.body() == null) b.method(c.method(), HttpRequest.BodyPublishers.noBody());
        else b.method(c.method(), HttpRequest.BodyPublishers.ofByteArray(c.body())).header("Content-Type", "application/json");
        HttpResponse<String> r = TestServers.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        boolean ok = r.statusCode() == c.status() || (c.alsoOk() && r.statusCode() == 200);
        if (ok && r.statusCode() != 200) {
            JsonNode e = JsonBody.mapper().readTree(r.body()).get("error");
            ok = e != null && e.get("message").isTextual() && e.has("type") && e.has("param") && e.has("code");
        }
        if (!ok) wrong.add(c.name() + ": expected " + c.status() + ", got " + r.statusCode() + " " + r.body());
    }

    @Test
    void unauthorizedWithoutTheKeyAndOpenHealthAndMetrics() throws Exception {
        HttpResponse<String> r = TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(TestServers.base(server) + "/v1/models")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("\"type\":\"authentication_error\"");
        assertThat(TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(TestServers.base(server) + "/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        String metrics = TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(TestServers.base(server) + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("# TYPE edgewise_time_to_first_token_seconds histogram", "edgewise_inter_token_latency_seconds_bucket{le=\"+Inf\"}",
                "edgewise_kv_blocks_used ", "edgewise_requests_waiting ", "edgewise_tokens_per_second ");
    }
}
