package dev.edgewise.perf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Load benchmark of an OpenAI-compatible server ({@code edgewise serve} or llama-server): streamed
 * {@code /v1/completions} with prompts of random token ids (no shared prefix), {@code ignore_eos},
 * greedy, timed per token on the client. Reports per concurrency level: aggregate decode tok/s
 * (clients x mean per-stream decode rate), output tok/s over the wall time, and p50/p99 TTFT and
 * inter-token latency. {@code --prefix} measures prefix caching instead: TTFT of a request whose
 * prompt starts with a fresh N-token prefix, then of a second request with the same prefix.
 *
 * <pre>java -cp perf/target/benchmarks.jar dev.edgewise.perf.ServeLoad --url http://127.0.0.1:8080 --clients 1,8</pre>
 */
public final class ServeLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String url;
    private final String key;

    private ServeLoad(String url, String key) {
        this.url = url;
        this.key = key;
    }

    /** One streamed request as the client saw it. */
    record Sample(long startNanos, long firstTokenNanos, long endNanos, long[] tokenTimes, int tokens) {
        double ttftMillis() { return (firstTokenNanos - startNanos) / 1e6; }
        double decodeSeconds() { return (tokenTimes[tokenTimes.length - 1] - tokenTimes[0]) / 1e9; }
    }

    public static void main(String[] args) throws Exception {
        String url = "http://127.0.0.1:8080", key = null;
        int[] clients = {1, 8};
        int prompt = 128, generate = 64, requests = 3, prefix = 0, vocabFrom = 1000, vocabTo = 20000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--api-key" -> key = args[++i];
                case "--clients" -> clients = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--prompt" -> prompt = Integer.parseInt(args[++i]);
                case "--generate" -> generate = Integer.parseInt(args[++i]);
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--prefix" -> prefix = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--url --api-key --clients 1,8 --prompt 128 --generate 64 --requests 3 --prefix 256)");
            }
        }
        ServeLoad load = new ServeLoad(url, key);
        load.run(randomPrompt(new Random(99), 16, vocabFrom, vocabTo), 8); // warm-up (JIT, first allocations)
        if (prefix > 0) {
            load.prefixCaching(prefix, requests, vocabFrom, vocabTo);
            return;
        }
        Random r = new Random(1);
        double single = 0;
        for (int c : clients) {
            List<Sample> samples = load.concurrent(c, requests, prompt, generate, r, vocabFrom, vocabTo);
            double decode = c * samples.stream().mapToDouble(s -> (s.tokens() - 1) / s.decodeSeconds()).average().orElse(0);
            long wallStart = samples.stream().mapToLong(Sample::startNanos).min().orElse(0);
            long wallEnd = samples.stream().mapToLong(Sample::endNanos).max().orElse(0);
            double output = samples.stream().mapToInt(Sample::tokens).sum() / ((wallEnd - wallStart) / 1e9);
            double[] ttft = samples.stream().mapToDouble(Sample::ttftMillis).sorted().toArray();
            double[] itl = samples.stream().flatMapToDouble(s -> {
                double[] gaps = new double[s.tokenTimes().length - 1];
                for (int i = 1; i < s.tokenTimes().length; i++) gaps[i - 1] = (s.tokenTimes()[i] - s.tokenTimes()[i - 1]) / 1e6;
                return Arrays.stream(gaps);
            }).sorted().toArray();
            if (c == clients[0]) single = decode;
            System.out.printf(Locale.ROOT, "clients %2d: %3d requests, decode %6.1f tok/s aggregate (%.2fx), output %6.1f tok/s, "
                            + "TTFT p50 %7.1f ms p99 %7.1f ms, inter-token p50 %6.1f ms p99 %6.1f ms%n",
                    c, samples.size(), decode, decode / single, output, pct(ttft, 50), pct(ttft, 99), pct(itl, 50), pct(itl, 99));
        }
    }

    private List<Sample> concurrent(int clients, int requestsPerClient, int prompt, int generate, Random r, int from, int to) throws Exception {
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < clients * requestsPerClient; i++) prompts.add(randomPrompt(r, prompt, from, to));
        List<Sample> out = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<Sample>>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                futures.add(pool.submit(() -> {
                    List<Sample> mine = new ArrayList<>();
                    for (int k = 0; k < requestsPerClient; k++) mine.add(run(prompts.get(client * requestsPerClient + k), generate));
                    return mine;
                }));
            }
            for (Future<List<Sample>> f : futures) out.addAll(f.get());
        }
        return out;
    }

    private void prefixCaching(int prefix, int pairs, int from, int to) throws Exception {
        Random r = new Random(7);
        for (int p = 0; p < pairs; p++) {
            int[] shared = randomPrompt(r, prefix, from, to);
            int[] first = concat(shared, randomPrompt(r, 16, from, to));
            int[] second = concat(shared, randomPrompt(r, 16, from, to));
            Sample a = run(first, 4), b = run(second, 4);
            System.out.printf(Locale.ROOT, "prefix %d tokens: TTFT first %.1f ms, second (same prefix) %.1f ms, ratio %.2f%n",
                    prefix, a.ttftMillis(), b.ttftMillis(), b.ttftMillis() / a.ttftMillis());
        }
    }

    private Sample run(int[] prompt, int generate) throws Exception {
        StringBuilder ids = new StringBuilder();
        for (int t : prompt) ids.append(ids.isEmpty() ? "" : ",").append(t);
        String body = "{\"model\":\"m\",\"prompt\":[" + ids + "],\"max_tokens\":" + generate + ",\"temperature\":0,\"ignore_eos\":true,"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"cache_prompt\":true}";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/v1/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        long start = System.nanoTime();
        HttpResponse<InputStream> response = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + response.statusCode() + ": " + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        long[] times = new long[generate + 8];
        int tokens = 0, usageTokens = -1;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
                JsonNode chunk = JSON.readTree(line.substring(6));
                JsonNode usage = chunk.get("usage");
                if (usage != null && usage.has("completion_tokens")) usageTokens = usage.get("completion_tokens").asInt();
                JsonNode choices = chunk.get("choices");
                if (choices == null || choices.isEmpty()) continue;
                JsonNode text = choices.get(0).get("text");
                if (text == null || choices.get(0).hasNonNull("finish_reason") && text.asText().isEmpty()) continue;
                if (tokens < times.length) times[tokens++] = System.nanoTime();
            }
        }
        long end = System.nanoTime();
        if (tokens < 2) throw new IllegalStateException("the stream had " + tokens + " chunks with text");
        // a server may hold back a token whose text is not yet whole UTF-8: chunk gaps are then wider than tokens
        return new Sample(start, times[0], end, Arrays.copyOf(times, tokens), usageTokens > 0 ? usageTokens : tokens);
    }

    private static int[] randomPrompt(Random r, int n, int from, int to) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = from + r.nextInt(to - from);
        return p;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static double pct(double[] sorted, int p) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
