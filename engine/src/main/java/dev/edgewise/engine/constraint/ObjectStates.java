package dev.edgewise.engine.constraint;

import dev.edgewise.loader.json.Json;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The automaton inside objects: declared properties in order, or any keys (each once). */
final class ObjectStates {
    private ObjectStates() {}

    private static final int OPEN = 0, AFTER_VALUE = 1, AFTER_COMMA = 2;

    /** After the '{' of an object with declared properties. */
    static JsonState declaredOpen(SchemaNode.ObjectSchema schema, JsonState.Cont k) {
        return new JsonState.Ws(new Declared(schema, 0, OPEN, k), 0);
    }

    /** Between properties of a declared object; {@code i} is the next property that may be written. */
    private static final class Declared extends JsonState {
        private final SchemaNode.ObjectSchema schema;
        private final int i, phase;
        private final Cont k;

        Declared(SchemaNode.ObjectSchema schema, int i, int phase, Cont k) {
            this.schema = schema;
            this.i = i;
            this.phase = phase;
            this.k = k;
        }

        @Override
        JsonState next(int b) {
            int n = schema.properties().size();
            boolean mayClose = schema.firstRequired(i) == n;
            if (b == '}' && phase != AFTER_COMMA) return mayClose ? k.resume() : null;
            if (b == ',' && phase == AFTER_VALUE) return i < n ? new Ws(new Declared(schema, i, AFTER_COMMA, k), 0) : null;
            if (b == '"' && phase != AFTER_VALUE && i < n) {
                int last = Math.min(schema.firstRequired(i), n - 1);
                int[] candidates = new int[last - i + 1];
                for (int j = i; j <= last; j++) candidates[j - i] = j;
                return new Key(schema, candidates, 0, k);
            }
            return null;
        }
    }

    /** Inside a declared object's key: one of the candidate property names (written as compact JSON). */
    private static final class Key extends JsonState {
        private final SchemaNode.ObjectSchema schema;
        private final int[] candidates;
        private final int pos;
        private final Cont k;

        Key(SchemaNode.ObjectSchema schema, int[] candidates, int pos, Cont k) {
            this.schema = schema;
            this.candidates = candidates;
            this.pos = pos;
            this.k = k;
        }

        @Override
        JsonState next(int b) {
            int[] alive = new int[candidates.length];
            int n = 0;
            for (int j : candidates) {
                byte[] key = schema.properties().get(j).key();
                if (pos < key.length && (key[pos] & 0xFF) == b) {
                    if (pos == key.length - 1) return afterKey(schema.properties().get(j).value(), () -> new Declared(schema, j + 1, AFTER_VALUE, k));
                    alive[n++] = j;
                }
            }
            return n == 0 ? null : new Key(schema, Arrays.copyOf(alive, n), pos + 1, k);
        }
    }

    /** After a key's closing quote: ':' and the value (whitespace around). */
    static JsonState afterKey(SchemaNode value, JsonState.Cont afterValue) {
        return new JsonState.Ws(new JsonState() {
            @Override
            JsonState next(int b) {
                return b == ':' ? new Ws(value.start(() -> new Ws(afterValue.resume(), 0)), 0) : null;
            }
        }, 0);
    }

    /** After the '{' of an object with any keys and values of any JSON. */
    static JsonState anyObject(JsonState.Cont k) {
        return anyObject(SchemaNode.AnyValue.INSTANCE, k);
    }

    /** After the '{' of an object with any keys and values of {@code values}. */
    static JsonState anyObject(SchemaNode values, JsonState.Cont k) {
        return new JsonState.Ws(new Open(values, new String[0], OPEN, k), 0);
    }

    /** Between members of an object with any keys; {@code seen} are its keys so far. */
    private static final class Open extends JsonState {
        private final SchemaNode values;
        private final String[] seen;
        private final int phase;
        private final Cont k;

        Open(SchemaNode values, String[] seen, int phase, Cont k) {
            this.values = values;
            this.seen = seen;
            this.phase = phase;
            this.k = k;
        }

        @Override
        JsonState next(int b) {
            if (b == '}' && phase != AFTER_COMMA) return k.resume();
            if (b == ',' && phase == AFTER_VALUE) return new Ws(new Open(values, seen, AFTER_COMMA, k), 0);
            if (b == '"' && phase != AFTER_VALUE) return new AnyKey(this, JsonState.Str.open(() -> CLOSED), null, (byte) 0);
            return null;
        }
    }

    private static final JsonState CLOSED = new JsonState() {
        @Override JsonState next(int b) { return null; }
    };

    /** Inside a key of an any-keys object: any string not among the keys seen so far. */
    private static final class AnyKey extends JsonState {
        private final Open object;
        private final JsonState inner;
        private final AnyKey previous; // the key's bytes, last first
        private final byte last;

        AnyKey(Open object, JsonState inner, AnyKey previous, byte last) {
            this.object = object;
            this.inner = inner;
            this.previous = previous;
            this.last = last;
        }

        @Override
        JsonState next(int b) {
            JsonState n = inner.next(b);
            if (n == null) return null;
            if (n != CLOSED) return new AnyKey(object, n, this, (byte) b);
            String key = (String) Json.parse("\"" + new String(text(), StandardCharsets.UTF_8) + "\"");
            for (String s : object.seen) if (s.equals(key)) return null; // a duplicate key
            String[] seen = Arrays.copyOf(object.seen, object.seen.length + 1);
            seen[seen.length - 1] = key;
            return afterKey(object.values, () -> new Open(object.values, seen, AFTER_VALUE, object.k));
        }

        private byte[] text() {
            int n = 0;
            for (AnyKey a = this; a.previous != null; a = a.previous) n++;
            byte[] t = new byte[n];
            for (AnyKey a = this; a.previous != null; a = a.previous) t[--n] = a.last;
            return t;
        }

        @Override
        int stringSub() {
            return inner.stringSub();
        }
    }
}
