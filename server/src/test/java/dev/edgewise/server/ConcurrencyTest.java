package dev.edgewise.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgewise.server.api.JsonBody;
import org.junit.jupiter.api.BeforeAll;
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

/** Requests share the model's batch, and a request's tokens do not depend on what runs beside it. */
class ConcurrencyTest {
    static EdgewiseServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServers.shared();
    }

    private static String body(int i) {
        return "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"Question number " + i + ": what now?\"}],"
                + "\"max_tokens\":24,\"temperature\":0.8,\"seed\":" + (100 + i) + ",\"logprobs\":true" + (i % 2 == 0 ? ",\"n\":2" : "") + "}";
    }

    private static List<String> tokens(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode root = JsonBody.mapper().readTree(r.body());
        List<String> out = new ArrayList<>();
        for (JsonNode c : root.get("choices")) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode t : c.get("logprobs").get("content")) sb.append(t.get("bytes")).append(' ');
            out.add(c.get("index").asInt() + ":" + sb + "|" + c.get("message").get("content").asText());
        }
        return out;
    }

    @Test
    void tokensAloneEqualTokensAmongEightConcurrentRequests() throws Exception {
        int n = 8;
        List<List<String>> alone = new ArrayList<>();
        for (int i = 0; i < n; i++) alone.add(tokens(TestServers.post(server, "/v1/chat/completions", body(i))));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(pool.submit((Callable<HttpResponse<String>>) () -> TestServers.post(server, "/v1/chat/completions", body(k))));
            }
            for (int i = 0; i < n; i++) assertThat(tokens(futures.get(i).get())).as("request %d", i).isEqualTo(alone.get(i));
        }
        assertThat(TestServers.awaitKvReleased(server, Duration.ofSeconds(10))).isZero();
    }
}
