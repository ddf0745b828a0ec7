package dev.edgewise.engine.constraint;

import java.util.List;
import java.util.Map;

/**
 * A JSON Schema validator for tests, written from the specification's wording and independent of
 * {@link SchemaCompiler} and the automaton: it reads the raw schema keywords and checks a value
 * parsed by the loader's JSON parser. Returns null when valid, else what is wrong.
 */
final class SchemaValidator {
    private SchemaValidator() {}

    static String check(Object value, Object schema, String at) {
        if (Boolean.TRUE.equals(schema)) return null;
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) schema;
        if (s.containsKey("const") && !java.util.Objects.equals(value, s.get("const"))) {
            return at + ": not the const";
        }
        if (s.containsKey("enum") && !((List<?>) s.get("enum")).contains(value)) return at + ": not in the enum " + s.get("enum");
        for (String key : List.of("anyOf", "oneOf")) {
            if (!s.containsKey(key)) continue;
            int ok = 0;
            for (Object alt : (List<?>) s.get(key)) if (check(value, alt, at) == null) ok++;
            if (ok == 0 || (key.equals("oneOf") && ok != 1)) return at + ": " + ok + " alternatives of " + key + " match";
        }
        Object type = s.get("type");
        if (type != null) {
            List<?> types = type instanceof List<?> l ? l : List.of(type);
            if (types.stream().noneMatch(t -> isType(value, (String) t))) return at + ": " + value + " is not of type " + type;
        }
        if (value instanceof Map<?, ?> obj) {
            Map<?, ?> props = s.get("properties") instanceof Map<?, ?> p ? p : Map.of();
            if (s.get("required") instanceof List<?> req) {
                for (Object r : req) if (!obj.containsKey(r)) return at + ": required property " + r + " missing";
            }
            for (Map.Entry<?, ?> e : obj.entrySet()) {
                Object sub = props.get(e.getKey());
                if (sub == null) {
                    Object add = s.get("additionalProperties");
                    if (Boolean.FALSE.equals(add)) return at + ": additional property " + e.getKey();
                    sub = add == null ? Boolean.TRUE : add;
                }
                String err = check(e.getValue(), sub, at + "/" + e.getKey());
                if (err != null) return err;
            }
        }
        if (value instanceof List<?> arr) {
            if (s.get("minItems") instanceof Long min && arr.size() < min) return at + ": fewer than " + min + " items";
            if (s.get("maxItems") instanceof Long max && arr.size() > max) return at + ": more than " + max + " items";
            Object items = s.get("items");
            for (int i = 0; items != null && i < arr.size(); i++) {
                String err = check(arr.get(i), items, at + "/" + i);
                if (err != null) return err;
            }
        }
        return null;
    }

    private static boolean isType(Object v, String t) {
        return switch (t) {
            case "object" -> v instanceof Map;
            case "array" -> v instanceof List;
            case "string" -> v instanceof String;
            case "integer" -> v instanceof Long || (v instanceof Double d && d == Math.rint(d));
            case "number" -> v instanceof Long || v instanceof Double;
            case "boolean" -> v instanceof Boolean;
            case "null" -> v == null;
            default -> throw new AssertionError(t);
        };
    }
}
