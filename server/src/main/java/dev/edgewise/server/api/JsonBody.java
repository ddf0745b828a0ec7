package dev.edgewise.server.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Parses a request body into a JSON object, within bounds: nesting depth, number and string
 * lengths, no duplicate keys, nothing after the object. Invalid UTF-8 and malformed JSON become a
 * 400 naming where the decoder or parser stopped.
 */
public final class JsonBody {
    /** Deeper nesting than any OpenAI request needs (tool schemas included). */
    static final int MAX_DEPTH = 64;
    /** Digits of one number: more is never a meaningful sampling or length value. */
    static final int MAX_NUMBER_LENGTH = 64;

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_DEPTH).maxNumberLength(MAX_NUMBER_LENGTH).build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private JsonBody() {}

    /** The body as a JSON object, or a 400 {@link ApiException}. */
    public static ObjectNode parseObject(byte[] body) {
        if (body.length == 0) throw ApiException.badJson("the request body is empty: send a JSON object");
        String text = utf8(body);
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiException.badJson("the request body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (at character " + e.getLocation().getCharOffset() + ")"));
        } catch (IOException e) {
            throw ApiException.badJson("the request body could not be read: " + e.getMessage());
        } catch (NumberFormatException e) { // Jackson's BigDecimal parsing: an exponent beyond 32 bits (found by fuzzing)
            throw ApiException.badJson("the request body holds a number out of range: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) throw ApiException.badJson("the request body is empty: send a JSON object");
        if (!(node instanceof ObjectNode o)) throw ApiException.badJson("the request body must be a JSON object, got " + kind(node));
        return o;
    }

    /** The body as text; bytes that are not UTF-8 (encoded surrogates included) are a 400 naming their offset. */
    private static String utf8(byte[] body) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        try {
            return d.decode(in).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.badJson("the request body is not valid UTF-8 (at byte " + in.position() + ")");
        }
    }

    /** A JSON kind for messages: "a string", "an array", ... */
    static String kind(JsonNode n) {
        if (n == null || n.isNull()) return "null";
        if (n.isTextual()) return "a string";
        if (n.isBoolean()) return "a boolean";
        if (n.isNumber()) return "a number";
        if (n.isArray()) return "an array";
        if (n.isObject()) return "an object";
        return n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }

    /** The shared mapper (also writes responses). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
