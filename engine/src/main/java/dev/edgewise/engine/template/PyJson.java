package dev.edgewise.engine.template;

import dev.edgewise.loader.json.Json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} with transformers' {@code tojson} defaults ({@code ensure_ascii=False}, keys in
 * insertion order), and Python's {@code repr} of floats (shortest round-trip digits, exponent form below
 * 1e-4 and from 1e16: {@code 1e+20}, {@code 1e-07}, {@code 12.0}).
 */
final class PyJson {
    private PyJson() {}

    /**
     * @param indent     null for one line with {@code ", "} and {@code ": "}; else spaces per level
     * @param separators item and key separators, or null for Python's defaults
     */
    static String dumps(Object v, boolean ensureAscii, Integer indent, List<String> separators, boolean sortKeys, int maxChars) {
        String itemSep = separators != null ? separators.get(0) : indent == null ? ", " : ",";
        String keySep = separators != null ? separators.get(1) : ": ";
        StringBuilder sb = new StringBuilder();
        new Writer(ensureAscii, indent, itemSep, keySep, sortKeys, maxChars, sb).write(v, 0);
        return sb.toString();
    }

    private record Writer(boolean ascii, Integer indent, String itemSep, String keySep, boolean sortKeys, int maxChars, StringBuilder sb) {
        void write(Object v, int level) {
            if (level > 200) throw new TemplateError("value nested too deeply for tojson");
            if (sb.length() > maxChars) throw new TemplateError("tojson output of more than " + maxChars + " characters");
            switch (v) {
                case null -> sb.append("null");
                case Boolean b -> sb.append(b ? "true" : "false");
                case Long l -> sb.append(l);
                case Double d -> sb.append(d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : floatRepr(d));
                case String s -> string(s);
                case List<?> l -> {
                    if (l.isEmpty()) {
                        sb.append("[]");
                        return;
                    }
                    sb.append('[');
                    for (int i = 0; i < l.size(); i++) {
                        sb.append(i == 0 ? "" : itemSep);
                        newline(level + 1);
                        write(l.get(i), level + 1);
                    }
                    newline(level);
                    sb.append(']');
                }
                case Map<?, ?> m -> {
                    if (m.isEmpty()) {
                        sb.append("{}");
                        return;
                    }
                    List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
                    if (sortKeys) entries.sort((a, b) -> PyStrings.compareCodePoints(key(a.getKey()), key(b.getKey())));
                    sb.append('{');
                    boolean first = true;
                    for (Map.Entry<?, ?> e : entries) {
                        sb.append(first ? "" : itemSep);
                        first = false;
                        newline(level + 1);
                        string(key(e.getKey()));
                        sb.append(keySep);
                        write(e.getValue(), level + 1);
                    }
                    newline(level);
                    sb.append('}');
                }
                case Namespace n -> throw new TemplateError("Object of type Namespace is not JSON serializable");
                default -> throw new TemplateError("Object of type " + Py.typeName(v) + " is not JSON serializable");
            }
        }

        private void newline(int level) {
            if (indent == null) return;
            sb.append('\n');
            sb.append(" ".repeat(Math.max(0, indent) * level));
        }

        private static String key(Object k) {
            return switch (k) {
                case String s -> s;
                case null -> "null";
                case Boolean b -> b ? "true" : "false";
                case Long l -> l.toString();
                case Double d -> floatRepr(d);
                default -> throw new TemplateError("keys must be str, int, float, bool or None, not " + Py.typeName(k));
            };
        }

        private void string(String s) {
            if (!ascii) {
                Json.quote(sb, s);
                return;
            }
            StringBuilder tmp = new StringBuilder();
            Json.quote(tmp, s);
            for (int i = 0; i < tmp.length(); i++) {
                char c = tmp.charAt(i);
                if (c < 0x80) sb.append(c);
                else sb.append(String.format("\\u%04x", (int) c));
            }
        }
    }

    /** Python's {@code repr(float)}. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
        StringBuilder sb = new StringBuilder();
        if (d < 0) sb.append('-');
        if (exp < -4 || exp >= 16) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            sb.append('e').append(exp < 0 ? '-' : '+');
            int a = Math.abs(exp);
            if (a < 10) sb.append('0');
            sb.append(a);
        } else if (exp < 0) {
            sb.append("0.").append("0".repeat(-exp - 1)).append(digits);
        } else if (digits.length() <= exp + 1) {
            sb.append(digits).append("0".repeat(exp + 1 - digits.length())).append(".0");
        } else {
            sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
        }
        return sb.toString();
    }
}
