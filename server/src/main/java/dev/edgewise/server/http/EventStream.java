package dev.edgewise.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgewise.server.api.JsonBody;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent event stream of JSON chunks ending in {@code data: [DONE]}. Each event is written
 * and flushed before the next; a write to a client that went away throws {@link IOException}.
 */
public final class EventStream {
    private final Response response;
    private boolean started;

    public EventStream(Response response) {
        this.response = response;
    }

    public boolean started() {
        return started;
    }

    public void send(JsonNode chunk) throws IOException {
        write("data: " + JsonBody.mapper().writeValueAsString(chunk) + "\n\n", false);
    }

    public void done() throws IOException {
        write("data: [DONE]\n\n", true);
    }

    private void write(String event, boolean last) throws IOException {
        if (!started) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            started = true;
        }
        try (Blocker.Callback cb = Blocker.callback()) {
            response.write(last, ByteBuffer.wrap(event.getBytes(StandardCharsets.UTF_8)), cb);
            cb.block();
        }
    }
}
