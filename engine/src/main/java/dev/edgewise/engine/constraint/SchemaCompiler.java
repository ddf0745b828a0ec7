package dev.edgewise.engine.constraint;

import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.json.JsonParseException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a JSON Schema (draft 2020-12 vocabulary) into {@link SchemaNode}s. Supported: {@code type}
 * (one or a list), {@code properties} (written in the order given), {@code required},
 * {@code additionalProperties} (false; or a schema for objects without {@code properties}),
 * {@code items}, {@code minItems}, {@code maxItems}, {@code enum}, {@code const}, and
 * {@code anyOf}/{@code oneOf} whose alternatives are of different JSON types. Annotations (title,
 * description, default, examples, ...) are ignored. Any other keyword is refused with an
 * {@link UnsupportedSchemaException} naming it and where it is: never silently ignored.
 *
 * <p>An object with {@code properties} and no {@code additionalProperties} gets its declared
 * properties only (what the schema allows, minus extra keys it does not ask for).
 */
final class SchemaCompiler {
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment", "default",
            "examples", "deprecated", "readOnly", "writeOnly");
    private static final Set<String> OBJECT_KEYS = Set.of("properties", "required", "additionalProperties");
    private static final Set<String> ARRAY_KEYS = Set.of("items", "minItems", "maxItems");
    private static final Set<String> TYPES = Set.of("object", "array", "string", "number", "integer", "boolean", "null");

    private SchemaCompiler() {}

    /** Compiles schema text. */
    static SchemaNode compile(String schema) {
        Object parsed;
        try {
            parsed = Json.parse(schema);
        } catch (JsonParseException e) {
            throw new UnsupportedSchemaException("the JSON schema is not valid JSON: " + e.getMessage());
        }
        return compile(parsed, "#");
    }

    static SchemaNode compile(Object schema, String at) {
        if (Boolean.TRUE.equals(schema)) return SchemaNode.AnyValue.INSTANCE;
        if (Boolean.FALSE.equals(schema)) throw new UnsupportedSchemaException("the schema at " + at + " is false: no value is valid");
        if (!(schema instanceof Map<?, ?> raw)) throw new UnsupportedSchemaException("the schema at " + at + " is not an object or a boolean");
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) raw;
        for (String key : s.keySet()) {
            if (ANNOTATIONS.contains(key) || OBJECT_KEYS.contains(key) || ARRAY_KEYS.contains(key)
                    || Set.of("type", "enum", "const", "anyOf", "oneOf").contains(key)) continue;
            throw new UnsupportedSchemaException("unsupported JSON Schema keyword '" + key + "' at " + at);
        }
        for (String combinator : List.of("anyOf", "oneOf")) {
            if (!s.containsKey(combinator)) continue;
            for (String key : s.keySet()) {
                if (!key.equals(combinator) && !ANNOTATIONS.contains(key)) {
                    throw new UnsupportedSchemaException("'" + combinator + "' together with '" + key + "' at " + at + " is not supported");
                }
            }
            if (!(s.get(combinator) instanceof List<?> alts) || alts.isEmpty()) {
                throw new UnsupportedSchemaException("'" + combinator + "' at " + at + " must be a non-empty array");
            }
            List<SchemaNode> nodes = new ArrayList<>();
            for (int i = 0; i < alts.size(); i++) nodes.add(compile(alts.get(i), at + "/" + combinator + "/" + i));
            return union(nodes, at + "/" + combinator);
        }
        List<String> types = types(s, at);
        if (s.containsKey("enum") || s.containsKey("const")) return literals(s, types, at);
        List<SchemaNode> nodes = new ArrayList<>();
        for (String type : types) nodes.add(typed(type, s, at));
        return nodes.size() == 1 ? nodes.getFirst() : union(nodes, at + "/type");
    }

    /** The types the schema names, or the one its keywords imply; all when nothing says. */
    private static List<String> types(Map<String, Object> s, String at) {
        Object t = s.get("type");
        List<String> types = new ArrayList<>();
        if (t instanceof String one) types.add(one);
        else if (t instanceof List<?> list && !list.isEmpty()) for (Object o : list) types.add(String.valueOf(o));
        else if (t != null) throw new UnsupportedSchemaException("'type' at " + at + " must be a string or a non-empty array of strings");
        for (String type : types) {
            if (!TYPES.contains(type)) throw new UnsupportedSchemaException("unknown type '" + type + "' at " + at + "/type");
        }
        if (new HashSet<>(types).size() != types.size()) throw new UnsupportedSchemaException("'type' at " + at + " repeats a type");
        if (types.contains("integer") && types.contains("number")) types.remove("integer");
        if (types.isEmpty()) {
            boolean object = s.keySet().stream().anyMatch(OBJECT_KEYS::contains), array = s.keySet().stream().anyMatch(ARRAY_KEYS::contains);
            if (object && array) throw new UnsupportedSchemaException("the schema at " + at + " has object and array keywords but no 'type'");
            if (object) types.add("object");
            else if (array) types.add("array");
        }
        return types;
    }

    private static SchemaNode typed(String type, Map<String, Object> s, String at) {
        return switch (type) {
            case "object" -> object(s, at);
            case "array" -> array(s, at);
            case "string" -> new SchemaNode.StringSchema();
            case "number" -> new SchemaNode.NumberSchema(false);
            case "integer" -> new SchemaNode.NumberSchema(true);
            case "boolean" -> new SchemaNode.LiteralSchema(List.of("true", "false"));
            default -> new SchemaNode.LiteralSchema(List.of("null"));
        };
    }

    private static SchemaNode object(Map<String, Object> s, String at) {
        Object additional = s.get("additionalProperties");
        if (!s.containsKey("properties")) {
            if (s.containsKey("required")) throw new UnsupportedSchemaException("'required' at " + at + " needs 'properties' declaring them");
            if (Boolean.FALSE.equals(additional)) return new SchemaNode.ObjectSchema(List.of());
            return new SchemaNode.AnyObjectSchema(additional == null ? SchemaNode.AnyValue.INSTANCE : compile(additional, at + "/additionalProperties"));
        }
        if (additional != null && !Boolean.FALSE.equals(additional)) {
            throw new UnsupportedSchemaException("'additionalProperties' other than false together with 'properties' at " + at + " is not supported");
        }
        if (!(s.get("properties") instanceof Map<?, ?> props)) throw new UnsupportedSchemaException("'properties' at " + at + " must be an object");
        Set<String> required = new HashSet<>();
        if (s.get("required") instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof String name) || !props.containsKey(name)) {
                    throw new UnsupportedSchemaException("required property '" + o + "' at " + at + "/required is not declared in 'properties'");
                }
                required.add(name);
            }
        } else if (s.containsKey("required")) {
            throw new UnsupportedSchemaException("'required' at " + at + " must be an array of property names");
        }
        List<SchemaNode.ObjectSchema.Property> properties = new ArrayList<>();
        for (Map.Entry<?, ?> e : props.entrySet()) {
            String name = (String) e.getKey();
            byte[] key = (Json.quote(new StringBuilder(), name).substring(1)).getBytes(StandardCharsets.UTF_8); // after the opening quote
            properties.add(new SchemaNode.ObjectSchema.Property(name, key, compile(e.getValue(), at + "/properties/" + name), required.contains(name)));
        }
        return new SchemaNode.ObjectSchema(properties);
    }

    private static SchemaNode array(Map<String, Object> s, String at) {
        Object items = s.get("items");
        if (items instanceof List<?>) throw new UnsupportedSchemaException("'items' as an array (tuples) at " + at + " is not supported");
        int min = count(s, "minItems", 0, at), max = count(s, "maxItems", Integer.MAX_VALUE, at);
        if (min > max) throw new UnsupportedSchemaException("'minItems' " + min + " exceeds 'maxItems' " + max + " at " + at);
        return new SchemaNode.ArraySchema(items == null ? SchemaNode.AnyValue.INSTANCE : compile(items, at + "/items"), min, max);
    }

    private static int count(Map<String, Object> s, String key, int absent, String at) {
        Object v = s.get(key);
        if (v == null) return absent;
        if (!(v instanceof Long n) || n < 0 || n > Integer.MAX_VALUE) { // schemas come as parsed JSON: integers are Long
            throw new UnsupportedSchemaException("'" + key + "' at " + at + " must be a non-negative integer");
        }
        return n.intValue();
    }

    private static SchemaNode literals(Map<String, Object> s, List<String> types, String at) {
        for (String key : s.keySet()) {
            if (OBJECT_KEYS.contains(key) || ARRAY_KEYS.contains(key)) {
                throw new UnsupportedSchemaException("'" + key + "' together with enum/const at " + at + " is not supported");
            }
        }
        List<Object> values = new ArrayList<>();
        if (s.containsKey("const")) values.add(s.get("const"));
        if (s.containsKey("enum")) {
            if (!(s.get("enum") instanceof List<?> list) || list.isEmpty()) throw new UnsupportedSchemaException("'enum' at " + at + " must be a non-empty array");
            if (s.containsKey("const")) values.removeIf(v -> !list.contains(v));
            else values.addAll(list);
        }
        List<String> texts = new ArrayList<>();
        for (Object v : values) {
            String text = write(new StringBuilder(), v).toString();
            if ((types.isEmpty() || types.stream().anyMatch(t -> isOfType(v, t))) && !texts.contains(text)) texts.add(text);
        }
        if (texts.isEmpty()) throw new UnsupportedSchemaException("no enum/const value at " + at + " is of the schema's type: no value is valid");
        return new SchemaNode.LiteralSchema(texts);
    }

    private static boolean isOfType(Object v, String type) {
        return switch (type) {
            case "object" -> v instanceof Map;
            case "array" -> v instanceof List;
            case "string" -> v instanceof String;
            case "integer" -> v instanceof Long || (v instanceof Double d && d == Math.rint(d) && !d.isInfinite());
            case "number" -> v instanceof Long || v instanceof Double;
            case "boolean" -> v instanceof Boolean;
            default -> v == null;
        };
    }

    /** Alternatives that start with different bytes; literal alternatives are merged. */
    private static SchemaNode union(List<SchemaNode> nodes, String at) {
        List<String> literals = new ArrayList<>();
        List<SchemaNode> others = new ArrayList<>();
        for (SchemaNode n : nodes) {
            if (n instanceof SchemaNode.LiteralSchema l) {
                for (String t : l.texts()) if (!literals.contains(t)) literals.add(t);
            } else {
                others.add(n);
            }
        }
        List<SchemaNode> all = new ArrayList<>(others);
        if (!literals.isEmpty()) all.add(new SchemaNode.LiteralSchema(literals));
        boolean[] taken = new boolean[256];
        for (SchemaNode n : all) {
            for (int b = 0; b < 256; b++) {
                if (n.start(JsonState.TOP).next(b) == null) continue;
                if (taken[b]) {
                    throw new UnsupportedSchemaException("alternatives at " + at + " must be of different JSON types: two of them can start with '"
                            + (char) b + "'");
                }
                taken[b] = true;
            }
        }
        return all.size() == 1 ? all.getFirst() : new SchemaNode.UnionSchema(all);
    }

    /** Compact JSON text of a parsed value (the form enum and const values are generated in). */
    static StringBuilder write(StringBuilder out, Object v) {
        return Json.write(out, v);
    }
}
