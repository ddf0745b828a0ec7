package dev.edgewise.cli;

import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.TokenListener;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * The scheduler's parts of {@code bench}: time-to-first-token of a request whose system prompt is
 * already in the prefix cache against one whose is not, and aggregate decode speed of concurrent
 * requests sharing the batched steps.
 */
final class SchedulerBench {
    private SchedulerBench() {
    }

    /**
     * TTFT of a request with a fresh {@code systemTokens}-token system prompt plus a 16-token
     * question, then of a second request with the same system prompt and another question.
     */
    static List<BenchCommand.Result> prefixCacheTtft(Model m, SplittableRandom random, int systemTokens, int repetitions) {
        double[] cold = new double[repetitions], warm = new double[repetitions];
        int cached = 0;
        for (int i = 0; i < repetitions; i++) {
            int[] system = BenchCommand.randomTokens(m, random, systemTokens);
            cold[i] = ttft(m, concat(system, BenchCommand.randomTokens(m, random, 16)));
            GenerationResult second = m.generate(request(concat(system, BenchCommand.randomTokens(m, random, 16)), 1), TokenListener.NONE);
            warm[i] = second.timings().timeToFirstTokenMillis();
            cached = second.timings().cachedPromptTokens();
        }
        int pp = systemTokens + 16;
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("cached_prompt_tokens", cached);
        BenchCommand.Result first = new BenchCommand.Result("ttft pp" + pp + " new system prompt", "ms", pp, 1, 1, cold, new LinkedHashMap<>());
        BenchCommand.Result again = new BenchCommand.Result("ttft pp" + pp + " cached system prompt", "ms", pp, 1, 1, warm, extra);
        extra.put("ratio_to_uncached", again.median() / first.median());
        return List.of(first, again);
    }

    private static double ttft(Model m, int[] prompt) {
        return m.generate(request(prompt, 1), TokenListener.NONE).timings().timeToFirstTokenMillis();
    }

    /**
     * {@code clients} requests ({@code promptTokens} random tokens each, {@code genTokens} new
     * tokens) submitted at once from as many threads: generated tokens of all over the wall time
     * (prefills included), with each request's TTFT and mean inter-token latency, and the sum of the
     * requests' own decode rates (prefill time left out).
     */
    static BenchCommand.Result concurrentDecode(Model m, SplittableRandom random, int clients, int promptTokens, int genTokens,
                                                int repetitions) {
        double[] samples = new double[repetitions];
        List<Double> ttfts = new ArrayList<>(), itls = new ArrayList<>();
        double[] decodeSums = new double[repetitions];
        for (int rep = 0; rep < repetitions; rep++) {
            List<CompletableFuture<GenerationResult>> running = new ArrayList<>();
            long start = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                GenerationRequest r = GenerationRequest.tokens(BenchCommand.randomTokens(m, random, promptTokens)).maxTokens(genTokens)
                        .ignoreEndOfGeneration(true).sampling(SamplingParams.defaults(c)).build();
                running.add(CompletableFuture.supplyAsync(() -> m.generate(r, TokenListener.NONE), task -> Thread.ofVirtual().start(task)));
            }
            long tokens = 0;
            for (CompletableFuture<GenerationResult> f : running) {
                GenerationResult r = f.join();
                tokens += r.timings().generatedTokens();
                ttfts.add(r.timings().timeToFirstTokenMillis());
                itls.add(r.timings().decodedTokens() == 0 ? 0 : r.timings().decodeNanos() / 1e6 / r.timings().decodedTokens());
                decodeSums[rep] += r.timings().decodeTokensPerSecond();
            }
            samples[rep] = tokens * 1e9 / (System.nanoTime() - start);
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("clients", clients);
        // each request's own decode rate (tokens after its first / time after its first), summed: prefill time left out
        extra.put("decode_tps_sum_median", new BenchCommand.Result("", "", 0, 0, 0, decodeSums, Map.of()).median());
        extra.put("ttft_p50_ms", percentile(ttfts, 0.5));
        extra.put("ttft_p99_ms", percentile(ttfts, 0.99));
        extra.put("itl_p50_ms", percentile(itls, 0.5));
        extra.put("itl_p99_ms", percentile(itls, 0.99));
        return new BenchCommand.Result("tg" + genTokens + " x" + clients + " clients (pp" + promptTokens + " each, aggregate)", "t/s",
                promptTokens, genTokens, 1, samples, extra);
    }

    private static double percentile(List<Double> values, double p) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v.length == 0 ? 0 : v[Math.min(v.length - 1, (int) Math.ceil(p * v.length) - 1)];
    }

    private static GenerationRequest request(int[] prompt, int tokens) {
        return GenerationRequest.tokens(prompt).maxTokens(tokens).ignoreEndOfGeneration(true).build();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
