package dev.edgewise.server;

import dev.edgewise.engine.ModelOptions;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How {@code edgewise serve} runs.
 *
 * @param modelPath      the GGUF file
 * @param modelOptions   threads, context, KV budget, scheduler limits (maxSequences, maxWaiting)
 * @param host           address to listen on (loopback by default)
 * @param port           TCP port (0: any free port)
 * @param apiKey         the Bearer key /v1 requests must send, or null for none
 * @param loras          resident LoRA adapters by the name requests use
 * @param headsPath      switcher/verifier heads for the reasoning pipeline, or null
 * @param maxBodyBytes   largest request body accepted (413 beyond)
 * @param maxTokens      largest max_tokens a request may ask for (400 beyond), and the default
 * @param modelName      the id /v1/models reports (default: the file name)
 */
public record ServerOptions(Path modelPath, ModelOptions modelOptions, String host, int port, String apiKey,
                            Map<String, Path> loras, Path headsPath, long maxBodyBytes, int maxTokens, String modelName) {
    public static final long DEFAULT_MAX_BODY_BYTES = 4L << 20;
    public static final int DEFAULT_MAX_TOKENS = 4096;

    public ServerOptions {
        if (modelPath == null) throw new IllegalArgumentException("no model given");
        if (modelOptions == null) modelOptions = ModelOptions.defaults();
        if (host == null || host.isBlank()) host = "127.0.0.1";
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        if (apiKey != null && apiKey.isEmpty()) apiKey = null;
        loras = loras == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(loras));
        if (maxBodyBytes < 1024) throw new IllegalArgumentException("the body limit must be at least 1024 bytes, got " + maxBodyBytes);
        if (maxTokens < 1) throw new IllegalArgumentException("max tokens must be >= 1, got " + maxTokens);
        if (modelName == null || modelName.isBlank()) {
            String f = modelPath.getFileName().toString();
            modelName = f.endsWith(".gguf") ? f.substring(0, f.length() - 5) : f;
        }
    }

    /** Defaults for a model file: loopback, any port, no key, no adapters. */
    public static ServerOptions of(Path modelPath, ModelOptions modelOptions) {
        return new ServerOptions(modelPath, modelOptions, "127.0.0.1", 0, null, Map.of(), null, DEFAULT_MAX_BODY_BYTES,
                DEFAULT_MAX_TOKENS, null);
    }

    public ServerOptions withModel(Path path) {
        return new ServerOptions(path, modelOptions, host, port, apiKey, loras, headsPath, maxBodyBytes, maxTokens, null);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(modelPath, modelOptions, host, p, apiKey, loras, headsPath, maxBodyBytes, maxTokens, modelName);
    }

    public ServerOptions withApiKey(String key) {
        return new ServerOptions(modelPath, modelOptions, host, port, key, loras, headsPath, maxBodyBytes, maxTokens, modelName);
    }

    public ServerOptions withLoras(Map<String, Path> l) {
        return new ServerOptions(modelPath, modelOptions, host, port, apiKey, l, headsPath, maxBodyBytes, maxTokens, modelName);
    }

    public ServerOptions withHeads(Path h) {
        return new ServerOptions(modelPath, modelOptions, host, port, apiKey, loras, h, maxBodyBytes, maxTokens, modelName);
    }

    public ServerOptions withMaxBodyBytes(long b) {
        return new ServerOptions(modelPath, modelOptions, host, port, apiKey, loras, headsPath, b, maxTokens, modelName);
    }

    public ServerOptions withMaxTokens(int n) {
        return new ServerOptions(modelPath, modelOptions, host, port, apiKey, loras, headsPath, maxBodyBytes, n, modelName);
    }
}
