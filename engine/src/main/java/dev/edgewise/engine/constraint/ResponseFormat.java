package dev.edgewise.engine.constraint;

import dev.edgewise.engine.tokenizer.Tokenizer;

import java.util.Map;
import java.util.Objects;

/**
 * The form generated text must take: any JSON value, or JSON valid against a JSON Schema (see
 * {@link SchemaCompiler} for the keywords enforced; others are refused when the format is made).
 * Immutable and shareable: each sequence gets its own {@link #newConstraint constraint}.
 */
public final class ResponseFormat {
    private final SchemaNode root;
    private final Object schema;

    private ResponseFormat(SchemaNode root, Object schema) {
        this.root = root;
        this.schema = schema;
    }

    /** Any JSON value (object, array, string, number, true, false or null). */
    public static ResponseFormat json() {
        return new ResponseFormat(SchemaNode.AnyValue.INSTANCE, null);
    }

    /**
     * JSON valid against {@code schema} (JSON text).
     *
     * @throws UnsupportedSchemaException if the schema is not JSON or uses a keyword that cannot be enforced (named in the message)
     */
    public static ResponseFormat jsonSchema(String schema) {
        Objects.requireNonNull(schema, "schema");
        return new ResponseFormat(SchemaCompiler.compile(schema), dev.edgewise.loader.json.Json.parse(schema));
    }

    /** JSON valid against {@code schema}, given as a JSON object (Maps, Lists, Strings, Numbers, Booleans, nulls). */
    public static ResponseFormat jsonSchema(Map<String, ?> schema) {
        Objects.requireNonNull(schema, "schema");
        return jsonSchema(SchemaCompiler.write(new StringBuilder(), schema).toString()); // one normal form for numbers
    }

    /** The schema, as parsed JSON; null for plain JSON. */
    public Object schema() {
        return schema;
    }

    /** A fresh constraint for one sequence generated with {@code tokenizer}. */
    public JsonConstraint newConstraint(Tokenizer tokenizer) {
        return new JsonConstraint(root, tokenizer);
    }

    @Override
    public String toString() {
        return schema == null ? "json" : "json_schema";
    }
}
