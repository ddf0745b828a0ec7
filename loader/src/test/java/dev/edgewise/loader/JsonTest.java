package dev.edgewise.loader;

import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.json.JsonParseException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {
    @Test
    void values() {
        assertThat(Json.parse(" {\"a\": [1, -2, 3.5, 1e3, -0.25E-2, true, false, null, \"x\"], \"b\": {}} "))
                .isEqualTo(Map.of("a", java.util.Arrays.asList(1L, -2L, 3.5, 1000.0, -0.0025, true, false, null, "x"), "b", Map.of()));
        assertThat(Json.parse("[]")).isEqualTo(List.of());
        assertThat(Json.parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(Json.parse("9223372036854775808")).isEqualTo(9.223372036854775808E18);
        assertThat(Json.parse("-0")).isEqualTo(0L);
        assertThat(Json.parse("null")).isNull();
        @SuppressWarnings("unchecked")
        Map<String, Object> ordered = (Map<String, Object>) Json.parse("{\"z\":1,\"a\":2,\"m\":3}");
        assertThat(ordered.keySet()).containsExactly("z", "a", "m");
    }

    @Test
    void stringEscapes() {
        assertThat(Json.parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"")).isEqualTo("a\"b\\c/d\b\f\n\r\t");
        assertThat(Json.parse("\"\\u00e9\\u4e16\"")).isEqualTo("é世");
        assertThat(Json.parse("\"\\ud83c\\udf0d\"")).isEqualTo("🌍");
        assertThat(Json.parse("\"🌍 raw\"")).isEqualTo("🌍 raw");
    }

    @Test
    void strictErrorsNamePositions() {
        bad("", "offset 0", "end of input");
        bad("{\"a\":1,}", "offset 7", "expected a string key");
        bad("[1,]", "offset 3", "expected a value");
        bad("[1 2]", "expected ',' or ']'");
        bad("01", "leading zero");
        bad("1.", "digit after the decimal point");
        bad("1e", "digit in the exponent");
        bad("-", "expected a digit");
        bad("+1", "expected a value");
        bad("NaN", "expected a value");
        bad("tru", "expected a value");
        bad("\"abc", "unterminated string");
        bad("\"a\nb\"", "unescaped control character U+000A");
        bad("\"\\x\"", "invalid escape sequence \\x");
        bad("\"\\u12G4\"", "invalid hex digit");
        bad("\"\\ud83c\"", "high surrogate \\uD83C is not followed");
        bad("\"\\ud83c\\u0041\"", "not a low surrogate");
        bad("\"\\udf0d\"", "lone low surrogate");
        bad("{\"a\":1,\"a\":2}", "duplicate key \"a\"");
        bad("{} x", "after the JSON value");
        bad("[1]\n  ]", "line 2, column 3");
        bad("// c\n1", "expected a value");
        bad("[".repeat(600) + "]".repeat(600), "nesting deeper than 512");
    }

    private static void bad(String json, String... parts) {
        assertThatThrownBy(() -> Json.parse(json)).isInstanceOf(JsonParseException.class)
                .satisfies(e -> {
                    for (String p : parts) assertThat(e.getMessage()).contains(p);
                });
    }

    @Test
    void positionIsReported() {
        try {
            Json.parse("[1, x]");
        } catch (JsonParseException e) {
            assertThat(e.position()).isEqualTo(4);
            return;
        }
        throw new AssertionError("no exception");
    }
}
