package dev.edgewise.server.metrics;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The server's counters and latency histograms, and their Prometheus rendering. Scheduler gauges
 * (running and waiting requests, KV blocks) are read when scraped from a {@link Gauges} supplier.
 */
public final class ServerMetrics {
    public static final String CONTENT_TYPE = PrometheusText.CONTENT_TYPE;
    private static final double[] LATENCY_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60};

    /** What the model's scheduler reports at a scrape. */
    public record Gauges(int running, int waiting, int kvBlocksUsed, int kvBlocksCached, int kvBlocksTotal) {}

    private final LongAdder requests = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder rejectedBusy = new LongAdder();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder cachedPromptTokens = new LongAdder();
    private final LongAdder generatedTokens = new LongAdder();
    private final Histogram ttft = new Histogram("edgewise_time_to_first_token_seconds",
            "Time from a request's arrival to its first generated token.", LATENCY_BOUNDS);
    private final Histogram interToken = new Histogram("edgewise_inter_token_latency_seconds",
            "Time between consecutive tokens of one choice.", LATENCY_BOUNDS);
    private final Histogram duration = new Histogram("edgewise_request_duration_seconds",
            "Time from a generation request's arrival to its end.", LATENCY_BOUNDS);
    private final RateWindow decodeRate = new RateWindow(10_000_000_000L);
    private final AtomicLong startNanos = new AtomicLong(System.nanoTime());
    private volatile Supplier<Gauges> gauges = () -> new Gauges(0, 0, 0, 0, 0);

    public void gauges(Supplier<Gauges> supplier) {
        this.gauges = supplier;
    }

    public void requestStarted() { requests.increment(); }
    public void requestFailed() { failed.increment(); }
    public void requestCancelled() { cancelled.increment(); }
    public void requestRejectedBusy() { rejectedBusy.increment(); }

    public void promptProcessed(int tokens, int cached) {
        promptTokens.add(tokens);
        cachedPromptTokens.add(cached);
    }

    /** One generated token; {@code sinceLastNanos} is the gap to the previous token of its choice (or -1). */
    public void tokenGenerated(long sinceLastNanos) {
        generatedTokens.increment();
        decodeRate.add(System.nanoTime(), 1);
        if (sinceLastNanos >= 0) interToken.observe(sinceLastNanos / 1e9);
    }

    public void firstToken(long sinceArrivalNanos) { ttft.observe(sinceArrivalNanos / 1e9); }
    public void requestFinished(long sinceArrivalNanos) { duration.observe(sinceArrivalNanos / 1e9); }

    public Histogram timeToFirstToken() { return ttft; }
    public Histogram interTokenLatency() { return interToken; }
    public long generatedTokens() { return generatedTokens.sum(); }

    /** The metrics in Prometheus' text format. */
    public String render() {
        StringBuilder out = new StringBuilder(4096);
        Gauges g = gauges.get();
        PrometheusText.gauge(out, "edgewise_requests_running", "Requests whose sequences are in the decode batch.", g.running());
        PrometheusText.gauge(out, "edgewise_requests_waiting", "Requests waiting to be admitted to the batch.", g.waiting());
        PrometheusText.gauge(out, "edgewise_kv_blocks_used", "KV blocks held by live sequences.", g.kvBlocksUsed());
        PrometheusText.gauge(out, "edgewise_kv_blocks_cached", "KV blocks kept for prefix reuse, held by no sequence.", g.kvBlocksCached());
        PrometheusText.gauge(out, "edgewise_kv_blocks_total", "KV blocks the pool's budget allows.", g.kvBlocksTotal());
        PrometheusText.counter(out, "edgewise_requests_total", "Generation requests received.", requests.sum());
        PrometheusText.counter(out, "edgewise_requests_failed_total", "Generation requests that ended in an error.", failed.sum());
        PrometheusText.counter(out, "edgewise_requests_cancelled_total", "Generation requests whose client went away.", cancelled.sum());
        PrometheusText.counter(out, "edgewise_requests_rejected_busy_total", "Requests refused because the waiting queue was full.", rejectedBusy.sum());
        PrometheusText.counter(out, "edgewise_prompt_tokens_total", "Prompt tokens of generation requests.", promptTokens.sum());
        PrometheusText.counter(out, "edgewise_prompt_tokens_cached_total", "Prompt tokens served from cached KV blocks.", cachedPromptTokens.sum());
        PrometheusText.counter(out, "edgewise_generated_tokens_total", "Tokens generated, all choices.", generatedTokens.sum());
        PrometheusText.gauge(out, "edgewise_tokens_per_second", "Generated tokens per second over the last 10 seconds.",
                decodeRate.perSecond(System.nanoTime()));
        PrometheusText.gauge(out, "edgewise_uptime_seconds", "Seconds since the server started.", (System.nanoTime() - startNanos.get()) / 1e9);
        ttft.write(out);
        interToken.write(out);
        duration.write(out);
        return out.toString();
    }
}
