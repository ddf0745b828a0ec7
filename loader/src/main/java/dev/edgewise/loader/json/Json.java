package dev.edgewise.loader.json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON parser (RFC 8259). Values map to Java as: object {@code Map<String, Object>} (insertion
 * ordered, unmodifiable), array {@code List<Object>} (unmodifiable), string {@link String}, number
 * {@link Long} when it is written without fraction or exponent and fits, else {@link Double}, {@code true}/
 * {@code false} {@link Boolean}, {@code null} null.
 *
 * <p>Strict means: no comments, trailing commas, single quotes, leading zeros, NaN/Infinity, unescaped
 * control characters, lone surrogate escapes, duplicate object keys, or trailing content. Nesting is limited
 * to {@value #MAX_DEPTH} levels so hostile input cannot overflow the stack.
 */
public final class Json {
    public static final int MAX_DEPTH = 512;

    private final String s;
    private int pos;
    private int depth;

    private Json(String s) {
        this.s = s;
    }

    /** Parses one JSON value that makes up the whole of {@code text} (surrounding whitespace allowed). */
    public static Object parse(String text) {
        Json p = new Json(text);
        p.skipWhitespace();
        Object v = p.value();
        p.skipWhitespace();
        if (p.pos < text.length()) throw p.error("unexpected " + p.describe(p.pos) + " after the JSON value");
        return v;
    }

    /** A JSON value read from the middle of a text, and the index just after it. */
    public record Prefix(Object value, int end) {}

    /**
     * Parses the one JSON value that starts at {@code from} (after optional whitespace) and returns it
     * with the index where it ends; whatever follows is left alone.
     *
     * @throws JsonParseException if no complete, valid value starts there
     */
    public static Prefix parsePrefix(String text, int from) {
        Json p = new Json(text);
        p.pos = from;
        p.skipWhitespace();
        Object v = p.value();
        return new Prefix(v, p.pos);
    }

    private Object value() {
        if (pos >= s.length()) throw error("unexpected end of input, expected a value");
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected " + describe(pos) + ", expected a value");
            }
        };
    }

    private Map<String, Object> object() {
        int start = pos;
        enter();
        pos++; // '{'
        LinkedHashMap<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            depth--;
            return Collections.unmodifiableMap(map);
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') throw error("expected a string key in the object starting at offset " + start + ", found " + describe(pos));
            int keyAt = pos;
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object v = value();
            if (map.containsKey(key)) throw error("duplicate key \"" + key + "\"", keyAt);
            map.put(key, v);
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                depth--;
                return Collections.unmodifiableMap(map);
            } else {
                throw error("expected ',' or '}' in the object starting at offset " + start + ", found " + describe(pos));
            }
        }
    }

    private List<Object> array() {
        int start = pos;
        enter();
        pos++; // '['
        ArrayList<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            depth--;
            return Collections.unmodifiableList(list);
        }
        while (true) {
            skipWhitespace();
            list.add(value());
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                depth--;
                return Collections.unmodifiableList(list);
            } else {
                throw error("expected ',' or ']' in the array starting at offset " + start + ", found " + describe(pos));
            }
        }
    }

    private void enter() {
        if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH + " levels");
    }

    private String string() {
        int start = pos;
        pos++; // opening quote
        StringBuilder sb = null;
        int runStart = pos;
        while (true) {
            if (pos >= s.length()) throw error("unterminated string starting at offset " + start);
            char c = s.charAt(pos);
            if (c == '"') {
                String result = sb == null ? s.substring(runStart, pos) : sb.append(s, runStart, pos).toString();
                pos++;
                return result;
            }
            if (c < 0x20) throw error("unescaped control character U+" + String.format("%04X", (int) c) + " in string");
            if (c != '\\') {
                pos++;
                continue;
            }
            if (sb == null) sb = new StringBuilder();
            sb.append(s, runStart, pos);
            int escAt = pos;
            pos++;
            if (pos >= s.length()) throw error("unterminated escape sequence");
            char e = s.charAt(pos++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char u = hex4(escAt);
                    if (Character.isHighSurrogate(u)) {
                        if (pos + 1 < s.length() && s.charAt(pos) == '\\' && s.charAt(pos + 1) == 'u') {
                            int lowAt = pos;
                            pos += 2;
                            char low = hex4(lowAt);
                            if (!Character.isLowSurrogate(low)) {
                                throw error("high surrogate \\u" + hex(u) + " is followed by \\u" + hex(low)
                                        + ", not a low surrogate", escAt);
                            }
                            sb.append(u).append(low);
                        } else {
                            throw error("high surrogate \\u" + hex(u) + " is not followed by a low surrogate escape", escAt);
                        }
                    } else if (Character.isLowSurrogate(u)) {
                        throw error("lone low surrogate \\u" + hex(u), escAt);
                    } else {
                        sb.append(u);
                    }
                }
                default -> throw error("invalid escape sequence \\" + e, escAt);
            }
            runStart = pos;
        }
    }

    private char hex4(int escAt) {
        if (pos + 4 > s.length()) throw error("truncated \\u escape", escAt);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0 || s.charAt(pos + i) > 'f') throw error("invalid hex digit " + describe(pos + i) + " in \\u escape", pos + i);
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private static String hex(char c) {
        return String.format("%04X", (int) c);
    }

    private Object number() {
        int start = pos;
        boolean integral = true;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) throw error("leading zero in number", start);
        } else if (isDigit(peek())) {
            while (isDigit(peek())) pos++;
        } else {
            throw error("expected a digit in number, found " + describe(pos));
        }
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!isDigit(peek())) throw error("expected a digit after the decimal point, found " + describe(pos));
            while (isDigit(peek())) pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!isDigit(peek())) throw error("expected a digit in the exponent, found " + describe(pos));
            while (isDigit(peek())) pos++;
        }
        String text = s.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException tooBig) {
                // falls through to a double, as JavaScript would read it
            }
        }
        return Double.parseDouble(text);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object value) {
        if (!s.startsWith(word, pos)) throw error("unexpected " + describe(pos) + ", expected a value");
        pos += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "', found " + describe(pos));
        pos++;
    }

    /** The next char, or 0 at the end (never valid where a structural char is expected). */
    private char peek() {
        return pos < s.length() ? s.charAt(pos) : 0;
    }

    private void skipWhitespace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            pos++;
        }
    }

    private String describe(int at) {
        if (at >= s.length()) return "end of input";
        char c = s.charAt(at);
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : "U+" + hex(c);
    }

    private JsonParseException error(String message) {
        return error(message, pos);
    }

    private JsonParseException error(String message, int at) {
        int line = 1, col = 1;
        for (int i = 0; i < at && i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new JsonParseException("JSON error at offset " + at + " (line " + line + ", column " + col + "): " + message, at);
    }

    /**
     * Appends {@code v} as compact JSON: Map (keys as strings, in iteration order), List, String,
     * Number (as Java prints it: valid JSON for finite values), Boolean, null.
     */
    public static StringBuilder write(StringBuilder out, Object v) {
        if (v == null) return out.append("null");
        if (v instanceof String str) return quote(out, str);
        if (v instanceof Map<?, ?> m) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) out.append(',');
                first = false;
                quote(out, String.valueOf(e.getKey())).append(':');
                write(out, e.getValue());
            }
            return out.append('}');
        }
        if (v instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) out.append(',');
                write(out, list.get(i));
            }
            return out.append(']');
        }
        if (v instanceof Number || v instanceof Boolean) return out.append(v);
        throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }

    /** {@code v} as compact JSON text; see {@link #write(StringBuilder, Object)}. */
    public static String write(Object v) {
        return write(new StringBuilder(), v).toString();
    }

    /** Appends {@code s} as a JSON string: quotes, backslashes and control characters escaped, the rest as is. */
    public static StringBuilder quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append('"');
    }
}
