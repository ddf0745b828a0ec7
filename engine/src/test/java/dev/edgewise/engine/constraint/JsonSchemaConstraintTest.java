package dev.edgewise.engine.constraint;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The automaton on hand-written documents, and the schema keywords it refuses. */
class JsonSchemaConstraintTest {
    private static boolean accepts(SchemaNode schema, String doc) {
        JsonState s = schema.start(JsonState.TOP);
        for (byte b : doc.getBytes(StandardCharsets.UTF_8)) {
            s = s.next(b & 0xFF);
            if (s == null) return false;
        }
        return s.canEnd();
    }

    @Test
    void anyJsonAcceptsJsonAndRefusesTheRest() {
        SchemaNode any = SchemaNode.AnyValue.INSTANCE;
        for (String ok : List.of("{}", "[]", "0", "-0.5e+10", "\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9 \u65e5\u672c \ud83d\ude00\"", "true", "null",
                "{\"a\": [1, {\"b\": false}], \"c\": \"\"}", "[ 1 ,\n 2 ]", "123456789012345")) {
            assertThat(accepts(any, ok)).as(ok).isTrue();
        }
        for (String bad : List.of("", " {}", "{} ", "01", "1.", ".5", "-", "1e", "+1", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a: 1}", "'x'",
                "\"tab\tin string\"", "\"\\x\"", "\"\\ud800\"", "\"\\uDFFF\"", "{\"a\": 1, \"a\": 2}", "tru", "nulll", "1234567890123456",
                "[" + " ".repeat(17) + "]")) {
            assertThat(accepts(any, bad)).as(bad).isFalse();
        }
        JsonState s = SchemaNode.AnyValue.INSTANCE.start(JsonState.TOP);
        for (int b : new int[] {'"', 0xC0}) s = s == null ? null : s.next(b);
        assertThat(s).as("overlong UTF-8").isNull();
        JsonState t = SchemaNode.AnyValue.INSTANCE.start(JsonState.TOP).next('"').next(0xED);
        assertThat(t.next(0xA0)).as("encoded surrogate").isNull();
    }

    @Test
    void schemaKeywordsAreEnforced() {
        SchemaNode person = SchemaCompiler.compile("""
                {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
                 "role": {"enum": ["admin", "user"]}, "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2},
                 "boss": {"type": ["object", "null"], "properties": {"id": {"const": 7}}, "required": ["id"]}},
                 "required": ["name", "role"], "additionalProperties": false}""");
        assertThat(accepts(person, "{\"name\": \"Ann\", \"role\": \"user\"}")).isTrue();
        assertThat(accepts(person, "{\"name\":\"A\",\"age\":-3,\"role\":\"admin\",\"tags\":[\"x\"],\"boss\":{\"id\":7}}")).isTrue();
        assertThat(accepts(person, "{\"name\":\"A\",\"role\":\"user\",\"boss\":null}")).isTrue();
        assertThat(accepts(person, "{\"role\": \"user\", \"name\": \"Ann\"}")).as("declared order").isFalse();
        assertThat(accepts(person, "{\"name\": \"Ann\"}")).as("required role").isFalse();
        assertThat(accepts(person, "{\"name\": \"Ann\", \"role\": \"root\"}")).as("enum").isFalse();
        assertThat(accepts(person, "{\"name\": \"Ann\", \"age\": 1.5, \"role\": \"user\"}")).as("integer").isFalse();
        assertThat(accepts(person, "{\"name\": \"A\", \"role\": \"user\", \"x\": 1}")).as("additional").isFalse();
        assertThat(accepts(person, "{\"name\": \"A\", \"role\": \"user\", \"tags\": []}")).as("minItems").isFalse();
        assertThat(accepts(person, "{\"name\": \"A\", \"role\": \"user\", \"tags\": [\"a\",\"b\",\"c\"]}")).as("maxItems").isFalse();
        assertThat(accepts(person, "{\"name\": \"A\", \"role\": \"user\", \"boss\": {}}")).as("nested required").isFalse();
        assertThat(accepts(person, "{\"name\": \"A\", \"role\": \"user\", \"boss\": {\"id\": 8}}")).as("const").isFalse();

        SchemaNode numbers = SchemaCompiler.compile("{\"enum\": [1, 12, 1.5, \"1\"]}");
        for (String ok : List.of("1", "12", "1.5", "\"1\"")) assertThat(accepts(numbers, ok)).as(ok).isTrue();
        for (String bad : List.of("2", "13", "1.", "\"12\"")) assertThat(accepts(numbers, bad)).as(bad).isFalse();
        SchemaNode map = SchemaCompiler.compile("{\"type\": \"object\", \"additionalProperties\": {\"type\": \"number\"}}");
        assertThat(accepts(map, "{\"a\": 1, \"b\": 2.5}")).isTrue();
        assertThat(accepts(map, "{\"a\": \"x\"}")).isFalse();
        SchemaNode union = SchemaCompiler.compile("{\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"array\", \"items\": {\"type\": \"boolean\"}}, {\"const\": null}]}");
        assertThat(List.of("\"s\"", "[true]", "null").stream().allMatch(d -> accepts(union, d))).isTrue();
        assertThat(accepts(union, "1")).isFalse();
    }

    @Test
    void unsupportedKeywordsAreRefusedByName() {
        assertRefused("{\"type\": \"string\", \"pattern\": \"^a\"}", "unsupported JSON Schema keyword 'pattern' at #");
        assertRefused("{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\", \"minimum\": 0}}}",
                "unsupported JSON Schema keyword 'minimum' at #/properties/n");
        assertRefused("{\"type\": \"string\", \"maxLength\": 3}", "'maxLength'");
        assertRefused("{\"$ref\": \"#/$defs/x\"}", "'$ref'");
        assertRefused("{\"type\": \"object\", \"properties\": {}, \"additionalProperties\": true}", "'additionalProperties' other than false");
        assertRefused("{\"type\": \"object\", \"properties\": {\"a\": {}}, \"required\": [\"b\"]}", "required property 'b'");
        assertRefused("{\"anyOf\": [{\"type\": \"integer\"}, {\"type\": \"number\"}]}", "must be of different JSON types");
        assertRefused("{\"type\": \"array\", \"items\": [{\"type\": \"string\"}]}", "tuples");
        assertRefused("{\"type\": \"strin\"}", "unknown type 'strin'");
        assertRefused("{\"type\": \"string\", \"enum\": [1, 2]}", "no enum/const value");
        assertRefused("{\"type\": ", "not valid JSON");
        assertRefused("false", "no value is valid");
        assertThat(ResponseFormat.jsonSchema("{\"type\": \"string\", \"title\": \"t\", \"description\": \"d\", \"examples\": [\"x\"]}")).isNotNull();
    }

    private static void assertRefused(String schema, String message) {
        assertThatThrownBy(() -> ResponseFormat.jsonSchema(schema)).isInstanceOf(UnsupportedSchemaException.class).hasMessageContaining(message);
    }
}
