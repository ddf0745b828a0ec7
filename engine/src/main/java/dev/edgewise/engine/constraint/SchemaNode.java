package dev.edgewise.engine.constraint;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A compiled schema: what one JSON value may be. {@link #start} gives the automaton state before
 * the value's first byte, continuing with {@code k} once the value is complete.
 */
sealed interface SchemaNode {
    JsonState start(JsonState.Cont k);

    /** Any JSON value. */
    record AnyValue() implements SchemaNode {
        static final AnyValue INSTANCE = new AnyValue();

        @Override
        public JsonState start(JsonState.Cont k) {
            return new JsonState() {
                @Override
                JsonState next(int b) {
                    return switch (b) {
                        case '{' -> ObjectStates.anyObject(k);
                        case '[' -> ArrayState.open(ArraySchema.ANY, k);
                        case '"' -> JsonState.Str.open(k);
                        case 't', 'f', 'n' -> JsonState.Literal.of(LiteralSchema.KEYWORDS, k).next(b);
                        default -> b == '-' || JsonState.isDigit(b) ? JsonState.Number.start(false, k).next(b) : null;
                    };
                }
            };
        }
    }

    /**
     * An object with declared properties, written in their declared order; required ones always,
     * optional ones maybe; no others.
     */
    record ObjectSchema(List<Property> properties) implements SchemaNode {
        record Property(String name, byte[] key, SchemaNode value, boolean required) {}

        /** The first required property at or after {@code i}; the property count if none. */
        int firstRequired(int i) {
            while (i < properties.size() && !properties.get(i).required()) i++;
            return i;
        }

        @Override
        public JsonState start(JsonState.Cont k) {
            return opening('{', () -> ObjectStates.declaredOpen(this, k));
        }
    }

    /** An object with any keys (each once) and values of {@code values}. */
    record AnyObjectSchema(SchemaNode values) implements SchemaNode {
        @Override
        public JsonState start(JsonState.Cont k) {
            return opening('{', () -> ObjectStates.anyObject(values, k));
        }
    }

    /** An array of {@code min..max} items, each an {@code items}. */
    record ArraySchema(SchemaNode items, int min, int max) implements SchemaNode {
        static final ArraySchema ANY = new ArraySchema(AnyValue.INSTANCE, 0, Integer.MAX_VALUE);

        @Override
        public JsonState start(JsonState.Cont k) {
            return opening('[', () -> ArrayState.open(this, k));
        }
    }

    /** Any string. */
    record StringSchema() implements SchemaNode {
        @Override
        public JsonState start(JsonState.Cont k) {
            return opening('"', () -> JsonState.Str.open(k));
        }
    }

    /** A number; an integer (no fraction, no exponent) if {@code integer}. */
    record NumberSchema(boolean integer) implements SchemaNode {
        @Override
        public JsonState start(JsonState.Cont k) {
            return JsonState.Number.start(integer, k);
        }
    }

    /** One of a fixed set of values, each written as its compact JSON text. */
    record LiteralSchema(List<String> texts) implements SchemaNode {
        static final byte[][] KEYWORDS = bytes(List.of("true", "false", "null"));

        @Override
        public JsonState start(JsonState.Cont k) {
            return JsonState.Literal.of(bytes(texts), k);
        }

        static byte[][] bytes(List<String> texts) {
            return texts.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        }
    }

    /** One of several values that differ in their first byte (different JSON types). */
    record UnionSchema(List<SchemaNode> alternatives) implements SchemaNode {
        @Override
        public JsonState start(JsonState.Cont k) {
            List<JsonState> starts = alternatives.stream().map(a -> a.start(k)).toList();
            return new JsonState() {
                @Override
                JsonState next(int b) {
                    for (JsonState s : starts) {
                        JsonState n = s.next(b);
                        if (n != null) return n;
                    }
                    return null;
                }
            };
        }
    }

    /** A state accepting exactly {@code c}, then {@code then}. */
    private static JsonState opening(char c, java.util.function.Supplier<JsonState> then) {
        return new JsonState() {
            @Override
            JsonState next(int b) {
                return b == c ? then.get() : null;
            }
        };
    }
}
