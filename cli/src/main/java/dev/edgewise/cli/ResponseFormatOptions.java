package dev.edgewise.cli;

import dev.edgewise.engine.constraint.ResponseFormat;
import picocli.CommandLine.Option;

import java.io.IOException;

/** {@code --json} and {@code --json-schema FILE|JSON}: output constrained while sampling. */
final class ResponseFormatOptions {
    @Option(names = "--json", description = "generate one JSON value (object, array, string, number, true, false or null), then stop")
    boolean json;

    @Option(names = "--json-schema", paramLabel = "FILE|JSON",
            description = "generate JSON valid against this JSON Schema (inline JSON, a file, or - for standard input); unsupported keywords are refused")
    String schema;

    /** The format asked for, or null for free text. */
    ResponseFormat format() throws IOException {
        if (json && schema != null) throw new UsageException("give either --json or --json-schema, not both");
        if (json) return ResponseFormat.json();
        return schema == null ? null : schema(schema);
    }

    /** A JSON-schema format from inline JSON (an object, or {@code true} for any JSON) or the text of a file ({@code -}: standard input). */
    static ResponseFormat schema(String arg) throws IOException {
        String s = arg.strip();
        String text = s.startsWith("{") || s.equals("true") ? s : TextInput.string(arg);
        return ResponseFormat.jsonSchema(text);
    }
}
