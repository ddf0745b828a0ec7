package dev.edgewise.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgewise.server.api.ApiException;
import dev.edgewise.server.api.CompletionCall;
import dev.edgewise.server.api.RequestParser;
import dev.edgewise.server.api.Responses;
import dev.edgewise.server.http.HttpIo;
import dev.edgewise.server.metrics.ServerMetrics;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;

/**
 * Routes requests: {@code /health}, {@code /metrics}, {@code /v1/models}, {@code /v1/chat/completions},
 * {@code /v1/completions}; checks the API key on {@code /v1}; turns every refusal into OpenAI's
 * error JSON. Blocking, so Jetty runs it on a virtual thread.
 */
final class ApiHandler extends Handler.Abstract {
    private final ServerOptions options;
    private final CompletableFuture<ServedModel> model;
    private final ServerMetrics metrics;
    private volatile CompletionHandler completions;

    ApiHandler(ServerOptions options, CompletableFuture<ServedModel> model, ServerMetrics metrics) {
        this.options = options;
        this.model = model;
        this.metrics = metrics;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        try {
            route(request, response);
            callback.succeeded();
        } catch (ApiException e) {
            HttpIo.discardBody(request);
            answerError(response, callback, e);
        } catch (IOException e) {
            callback.failed(e); // the client went away
        } catch (RuntimeException | Error e) {
            HttpIo.discardBody(request);
            answerError(response, callback, ApiException.internal("internal error: " + e));
        }
        return true;
    }

    private static void answerError(Response response, Callback callback, ApiException e) {
        if (response.isCommitted()) {
            callback.failed(e);
            return;
        }
        try {
            HttpIo.writeError(response, e);
            callback.succeeded();
        } catch (IOException io) {
            callback.failed(io);
        }
    }

    private void route(Request request, Response response) throws IOException {
        String path = request.getHttpURI().getPath();
        String method = request.getMethod();
        switch (path) {
            case "/health", "/v1/health" -> {
                requireMethod(method, "GET", path);
                ServedModel m = ready();
                ObjectNode ok = JsonNodeFactory.instance.objectNode().put("status", "ok").put("model", m.id());
                HttpIo.writeJson(response, 200, ok);
            }
            case "/metrics" -> {
                requireMethod(method, "GET", path);
                HttpIo.writeText(response, 200, ServerMetrics.CONTENT_TYPE, metrics.render());
            }
            case "/v1/models" -> {
                requireMethod(method, "GET", path);
                authorize(request);
                ServedModel m = ready();
                HttpIo.writeJson(response, 200, Responses.models(m.id(), m.created()));
            }
            case "/v1/chat/completions", "/v1/completions" -> {
                requireMethod(method, "POST", path);
                authorize(request);
                byte[] body = HttpIo.readBody(request, options.maxBodyBytes());
                CompletionCall call = path.equals("/v1/completions") ? RequestParser.completion(body) : RequestParser.chat(body);
                completionHandler().handle(call, request, response);
            }
            default -> throw ApiException.notFound(path);
        }
    }

    private CompletionHandler completionHandler() {
        CompletionHandler h = completions;
        if (h == null) {
            ServedModel m = ready();
            synchronized (this) {
                if (completions == null) completions = new CompletionHandler(m, new CompletionService(m, options), metrics);
                h = completions;
            }
        }
        return h;
    }

    /** The model, or a 503 while it loads (or after it failed to load). */
    private ServedModel ready() {
        if (!model.isDone()) throw ApiException.unavailable("the model is loading");
        if (model.isCompletedExceptionally()) {
            String why;
            try {
                model.join();
                why = "unknown";
            } catch (RuntimeException e) {
                why = String.valueOf(e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
            }
            throw ApiException.unavailable("the model failed to load: " + why);
        }
        return model.join();
    }

    private static void requireMethod(String method, String allowed, String path) {
        if (!method.equals(allowed)) throw ApiException.methodNotAllowed(method, path);
    }

    /** Checks {@code Authorization: Bearer <key>} in constant time when a key is configured. */
    private void authorize(Request request) {
        if (options.apiKey() == null) return;
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), options.apiKey().getBytes(StandardCharsets.UTF_8))) {
            throw ApiException.unauthorized();
        }
    }
}
