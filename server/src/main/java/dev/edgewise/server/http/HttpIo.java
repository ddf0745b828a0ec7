package dev.edgewise.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.edgewise.server.api.ApiException;
import dev.edgewise.server.api.JsonBody;
import dev.edgewise.server.api.Responses;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Blocking reads and writes of request and response bodies (handlers run on virtual threads). */
public final class HttpIo {
    /** Oversized bodies are read and discarded up to this many bytes, so the client reads its 413; beyond, the connection closes. */
    static final long DRAIN_LIMIT = 64L << 20;

    private HttpIo() {}

    /** The request body, at most {@code limit} bytes; a larger one is a 413 (declared or counted). */
    public static byte[] readBody(Request request, long limit) throws IOException {
        long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (declared > limit) {
            if (declared <= DRAIN_LIMIT) drain(request);
            throw ApiException.tooLarge(limit);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
        byte[] buf = new byte[16384];
        long total = 0;
        try (InputStream in = Request.asInputStream(request)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > limit) {
                    drainRest(in, buf, total);
                    throw ApiException.tooLarge(limit);
                }
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    /**
     * Reads and drops what is left of the request body (up to {@link #DRAIN_LIMIT}) before an error
     * answer: a connection closed with unread request bytes is reset, and the reset can destroy the
     * answer before the client reads it (a POST to an unknown path lost its 404 that way).
     */
    public static void discardBody(Request request) {
        if (request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH) > DRAIN_LIMIT) return;
        drain(request);
    }

    private static void drain(Request request) {
        try (InputStream in = Request.asInputStream(request)) {
            drainRest(in, new byte[16384], 0);
        } catch (IOException | RuntimeException ignored) {
            // the client went away, or the body was read already: nothing more to drop
        }
    }

    private static void drainRest(InputStream in, byte[] buf, long total) throws IOException {
        int n;
        while (total < DRAIN_LIMIT && (n = in.read(buf)) > 0) total += n;
    }

    public static void writeJson(Response response, int status, JsonNode body) throws IOException {
        byte[] bytes;
        try {
            bytes = JsonBody.mapper().writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IOException(e);
        }
        write(response, status, "application/json", bytes);
    }

    public static void writeText(Response response, int status, String contentType, String body) throws IOException {
        write(response, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void write(Response response, int status, String contentType, byte[] bytes) throws IOException {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        writeLast(response, ByteBuffer.wrap(bytes));
    }

    static void writeLast(Content.Sink sink, ByteBuffer buf) throws IOException {
        try (Blocker.Callback cb = Blocker.callback()) {
            sink.write(true, buf, cb);
            cb.block();
        }
    }

    /** An error in OpenAI's JSON, with {@code Retry-After} when the error says when to retry. */
    public static void writeError(Response response, ApiException e) throws IOException {
        if (e.retryAfterSeconds() != null) response.getHeaders().put(HttpHeader.RETRY_AFTER, e.retryAfterSeconds().toString());
        writeJson(response, e.status(), Responses.error(e));
    }
}
