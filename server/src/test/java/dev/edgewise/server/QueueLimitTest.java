package dev.edgewise.server;

import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** A full waiting queue answers 429 with Retry-After; admitted requests still complete. */
class QueueLimitTest {

    @Test
    void requestsBeyondTheWaitingQueueGet429WithRetryAfter() throws Exception {
        ServerOptions o = TestServers.options();
        o = new ServerOptions(o.modelPath(), o.modelOptions().withMaxSequences(1).withMaxWaiting(1), o.host(), 0, TestServers.KEY,
                o.loras(), null, o.maxBodyBytes(), o.maxTokens(), null);
        try (EdgewiseServer server = TestServers.start(o)) {
            String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"go\"}],\"max_tokens\":200,\"ignore_eos\":true,\"seed\":1}";
            List<HttpResponse<String>> responses = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<HttpResponse<String>>> futures = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    futures.add(pool.submit((Callable<HttpResponse<String>>) () -> TestServers.post(server, "/v1/chat/completions", body)));
                }
                for (Future<HttpResponse<String>> f : futures) responses.add(f.get());
            }
            List<HttpResponse<String>> busy = responses.stream().filter(r -> r.statusCode() == 429).toList();
            assertThat(busy).isNotEmpty();
            assertThat(responses.stream().filter(r -> r.statusCode() == 200).count()).isPositive(); // admission happens at step boundaries: arrivals may all queue first
            assertThat(responses).allMatch(r -> r.statusCode() == 200 || r.statusCode() == 429);
            for (HttpResponse<String> r : busy) {
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                assertThat(r.body()).contains("\"type\":\"rate_limit_error\"", "\"code\":\"queue_full\"");
            }
            assertThat(TestServers.awaitKvReleased(server, Duration.ofSeconds(20))).isZero();
            assertThat(server.metrics().render()).containsPattern("edgewise_requests_rejected_busy_total [1-9]");
        }
    }
}
