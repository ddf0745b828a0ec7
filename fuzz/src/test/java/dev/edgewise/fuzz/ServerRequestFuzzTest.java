package dev.edgewise.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.edgewise.server.api.ApiException;
import dev.edgewise.server.api.RequestParser;

import java.util.function.Function;

/**
 * The server's request parsing: an HTTP body (any bytes) through {@code JsonBody} (UTF-8, JSON, bounds)
 * and {@link RequestParser} (every field of {@code /v1/chat/completions} and {@code /v1/completions}),
 * the layer before the model (no tokenizer or template is needed). The same bytes go to both endpoints.
 * Invariant: a body parses into a request, or it is refused with an {@link ApiException} of status 400
 * carrying a message; a refusal about a field ({@code param} set) names that field in its message, one
 * about the body as a whole ({@code invalid_json}) has no {@code param}. Never another exception.
 */
class ServerRequestFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parse(byte[] body) {
        parsesOrRefuses(RequestParser::chat, body);
        parsesOrRefuses(RequestParser::completion, body);
    }

    private static void parsesOrRefuses(Function<byte[], ?> parser, byte[] body) {
        try {
            if (parser.apply(body) == null) throw new AssertionError("the parser returned null");
        } catch (ApiException e) {
            String m = e.getMessage();
            if (e.status() != 400) throw new AssertionError("a body refused with status " + e.status() + ": " + m, e);
            if (m == null || m.isBlank()) throw new AssertionError("a 400 without a message", e);
            if (e.param() != null && !m.contains(e.param())) {
                throw new AssertionError("the message of a 400 about '" + e.param() + "' does not name it: " + m, e);
            }
            if (e.param() == null && !"invalid_json".equals(e.code())) throw new AssertionError("a 400 (" + e.code() + ") names no field: " + m, e);
        }
    }
}
