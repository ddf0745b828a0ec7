package dev.edgewise.cli;

import dev.edgewise.engine.ModelOptions;
import dev.edgewise.server.EdgewiseServer;
import dev.edgewise.server.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code edgewise serve}: the OpenAI-compatible HTTP server (module {@code edgewise-server}). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the model over an OpenAI-compatible HTTP API: /v1/chat/completions, /v1/completions, /v1/models, "
                + "/health, /metrics. Requests share one decode batch.",
                "The API key may also come from EDGEWISE_API_KEY."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptionsMixin model;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "address to listen on (default: ${DEFAULT-VALUE}, loopback only; 0.0.0.0 for every interface)")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "TCP port, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY", description = "require 'Authorization: Bearer KEY' on /v1 requests")
    String apiKey;

    @Option(names = "--lora", paramLabel = "NAME=PATH",
            description = "a resident LoRA adapter (PEFT directory or adapter .gguf) that requests choose by name with \"lora\"; repeatable")
    List<String> loras = new ArrayList<>();

    @Option(names = "--heads", paramLabel = "FILE", description = "switcher/verifier heads for the reasoning pipeline (\"reasoning\": auto)")
    Path heads;

    @Option(names = "--max-sequences", paramLabel = "N", defaultValue = "" + ModelOptions.DEFAULT_MAX_SEQUENCES,
            description = "most sequences (choices of all requests) decoded at once; more wait (default: ${DEFAULT-VALUE})")
    int maxSequences;

    @Option(names = "--max-waiting", paramLabel = "N", defaultValue = "" + ModelOptions.DEFAULT_MAX_WAITING,
            description = "most requests waiting for admission; beyond, requests get 429 with Retry-After (default: ${DEFAULT-VALUE})")
    int maxWaiting;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "" + ServerOptions.DEFAULT_MAX_TOKENS,
            description = "largest max_tokens a request may ask for, and the default (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "" + ServerOptions.DEFAULT_MAX_BODY_BYTES,
            description = "largest request body; larger ones get 413 (default: ${DEFAULT-VALUE})")
    long maxBody;

    @Option(names = "--alias", paramLabel = "NAME", description = "model id reported by /v1/models (default: the file name)")
    String alias;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (maxSequences < 1) throw new UsageException("--max-sequences must be at least 1, got " + maxSequences);
        if (maxWaiting < 0) throw new UsageException("--max-waiting must be >= 0, got " + maxWaiting);
        if (maxTokens < 1) throw new UsageException("--max-tokens must be at least 1, got " + maxTokens);
        if (maxBody < 1024) throw new UsageException("--max-body must be at least 1024, got " + maxBody);
        if (port < 0 || port > 65535) throw new UsageException("--port must be in 0..65535, got " + port);
        Map<String, Path> adapters = new LinkedHashMap<>();
        for (String spec : loras) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) throw new UsageException("--lora takes NAME=PATH, got '" + spec + "'");
            if (adapters.put(spec.substring(0, eq), Path.of(spec.substring(eq + 1))) != null) {
                throw new UsageException("--lora: the name '" + spec.substring(0, eq) + "' is given twice");
            }
        }
        String key = apiKey != null ? apiKey : System.getenv("EDGEWISE_API_KEY");
        ModelOptions options = model.options().withMaxSequences(maxSequences).withMaxWaiting(maxWaiting);
        ServerOptions so = new ServerOptions(model.modelPath(err), options, host, port, key, adapters, heads, maxBody, maxTokens, alias);
        try (EdgewiseServer server = EdgewiseServer.start(so)) {
            err.printf("edgewise: listening on http://%s:%d (loading %s)%n", hostForUrl(host), server.port(), so.modelPath());
            long t0 = System.nanoTime();
            server.awaitReady();
            err.printf("edgewise: model '%s' ready in %.1f s%s%n", so.modelName(), (System.nanoTime() - t0) / 1e9,
                    key == null ? "" : "; /v1 requires the API key");
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            server.join();
        }
        return 0;
    }

    private static String hostForUrl(String h) {
        return h.contains(":") ? "[" + h + "]" : h;
    }
}
