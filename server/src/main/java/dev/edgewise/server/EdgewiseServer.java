package dev.edgewise.server;

import dev.edgewise.engine.SchedulerStats;
import dev.edgewise.server.metrics.ServerMetrics;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code edgewise serve}: an OpenAI-compatible HTTP server over one model. It listens at once and
 * loads the model in the background ({@code /health} answers 503 until it is ready); requests run
 * on virtual threads and share the model's decode batch.
 *
 * <pre>{@code
 * try (EdgewiseServer server = EdgewiseServer.start(ServerOptions.of(Path.of("model.gguf"), ModelOptions.defaults()))) {
 *     server.awaitReady();
 *     System.out.println("listening on " + server.port());
 *     server.join();
 * }
 * }</pre>
 */
public final class EdgewiseServer implements AutoCloseable {
    /** How long an idle connection (or a stream waiting for its first token) is kept. */
    static final long IDLE_TIMEOUT_MILLIS = 600_000;

    private final ServerOptions options;
    private final Server jetty;
    private final ServerConnector connector;
    private final ServerMetrics metrics = new ServerMetrics();
    private final CompletableFuture<ServedModel> model = new CompletableFuture<>();

    private EdgewiseServer(ServerOptions options) {
        this.options = options;
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("edgewise-http");
        threads.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("edgewise-request-", 0).factory()));
        jetty = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        connector = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
        jetty.addConnector(connector);
        jetty.setHandler(new ApiHandler(options, model, metrics));
        jetty.setStopTimeout(2000);
    }

    /** Starts listening, then loads the model on a background thread. */
    public static EdgewiseServer start(ServerOptions options) throws IOException {
        EdgewiseServer s = new EdgewiseServer(options);
        try {
            s.jetty.start();
        } catch (Exception e) {
            s.close();
            throw new IOException("cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
        }
        Thread.ofPlatform().name("edgewise-model-load").daemon().start(s::load);
        return s;
    }

    private void load() {
        try {
            ServedModel m = ServedModel.load(options);
            metrics.gauges(() -> {
                SchedulerStats st = m.model().schedulerStats();
                return new ServerMetrics.Gauges(st.runningRequests(), st.waitingRequests(), st.kvBlocksUsed(), st.kvBlocksCached(),
                        st.kvBlocksTotal());
            });
            if (!model.complete(m)) m.close(); // closed while loading
        } catch (Throwable e) {
            model.completeExceptionally(e);
        }
    }

    /** Waits for the model; throws its load failure. */
    public ServedModel awaitReady() throws IOException {
        try {
            return model.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading the model", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException r) throw r;
            throw new IOException(c);
        }
    }

    /** The port it listens on (the chosen one when started with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    public String host() {
        return options.host();
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        jetty.join();
    }

    /** Stops listening, cancels nothing in flight beyond a short grace period, and closes the model. */
    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception e) {
            // stopping is best effort
        }
        if (!model.isDone()) model.cancel(false);
        else if (!model.isCompletedExceptionally()) {
            try {
                model.get(1, TimeUnit.SECONDS).close();
            } catch (Exception e) {
                // already failed to load
            }
        }
    }
}
