package dev.edgewise.cli;

import dev.edgewise.loader.json.Json;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Minimal JSON serialiser for the CLI's outputs: maps, lists, strings, numbers, booleans, arrays. */
final class JsonWriter {
    private JsonWriter() {}

    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        append(sb, value, 0);
        return sb.append('\n').toString();
    }

    /** One line, no trailing newline (JSONL records). */
    static String compact(Object value) {
        StringBuilder sb = new StringBuilder();
        append(sb, value, -1);
        return sb.toString();
    }

    /** {@code depth < 0}: compact output. */
    private static void append(StringBuilder sb, Object v, int depth) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> Json.quote(sb, s);
            case Boolean b -> sb.append(b);
            case Float f -> number(sb, f.doubleValue(), true);
            case Double d -> number(sb, d, false);
            case Number n -> sb.append(n);
            case int[] a -> {
                sb.append('[');
                for (int i = 0; i < a.length; i++) sb.append(i == 0 ? "" : ", ").append(a[i]);
                sb.append(']');
            }
            case float[] a -> {
                sb.append('[');
                for (int i = 0; i < a.length; i++) {
                    if (i > 0) sb.append(", ");
                    number(sb, a[i], true);
                }
                sb.append(']');
            }
            case Map<?, ?> m -> {
                sb.append("{");
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (depth < 0) sb.append(first ? "" : ", ");
                    else sb.append(first ? "\n" : ",\n").append("  ".repeat(depth + 1));
                    first = false;
                    Json.quote(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    append(sb, e.getValue(), depth < 0 ? depth : depth + 1);
                }
                sb.append(first || depth < 0 ? "}" : "\n" + "  ".repeat(depth) + "}");
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) sb.append(", ");
                    append(sb, l.get(i), depth < 0 ? depth : depth + 1);
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write " + v.getClass() + " as JSON");
        }
    }

    private static void number(StringBuilder sb, double d, boolean single) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            sb.append("null");
        } else if (single) {
            // 7 significant digits, like the fixtures; trailing zeros of the mantissa dropped (never the exponent's)
            String g = String.format(Locale.ROOT, "%.7g", d);
            int e = g.indexOf('e');
            String mantissa = e < 0 ? g : g.substring(0, e), exponent = e < 0 ? "" : g.substring(e);
            if (mantissa.indexOf('.') >= 0) mantissa = mantissa.replaceFirst("\\.?0+$", "");
            sb.append(mantissa).append(exponent);
        } else {
            sb.append(d);
        }
    }
}
