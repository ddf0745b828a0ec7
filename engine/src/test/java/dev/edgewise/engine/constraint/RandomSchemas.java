package dev.edgewise.engine.constraint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Random JSON schemas within the supported keywords, as parsed JSON, for property tests. */
final class RandomSchemas {
    private final SplittableRandom r;

    RandomSchemas(long seed) {
        this.r = new SplittableRandom(seed);
    }

    Map<String, Object> schema(int depth) {
        Map<String, Object> s = new LinkedHashMap<>();
        int kind = r.nextInt(depth <= 0 ? 7 : 10);
        switch (kind) {
            case 0 -> s.put("type", "string");
            case 1 -> s.put("type", "integer");
            case 2 -> s.put("type", "number");
            case 3 -> s.put("type", "boolean");
            case 4 -> s.put("enum", enumValues());
            case 5 -> s.put("const", literal());
            case 6 -> s.put("type", List.of("null", List.of("string", "integer", "boolean").get(r.nextInt(3))));
            case 7, 8 -> {
                s.put("type", "object");
                Map<String, Object> props = new LinkedHashMap<>();
                List<String> required = new ArrayList<>();
                int n = 1 + r.nextInt(3);
                for (int i = 0; i < n; i++) {
                    String name = List.of("id", "name", "a b", "q\"uote", "n\u00e9", "x", "value", "items").get(r.nextInt(8)) + i;
                    props.put(name, schema(depth - 1));
                    if (r.nextBoolean()) required.add(name);
                }
                s.put("properties", props);
                if (!required.isEmpty()) s.put("required", required);
                if (r.nextBoolean()) s.put("additionalProperties", false);
            }
            default -> {
                s.put("type", "array");
                s.put("items", schema(depth - 1));
                int min = r.nextInt(3);
                if (r.nextBoolean()) s.put("minItems", (long) min);
                if (r.nextBoolean()) s.put("maxItems", (long) (min + r.nextInt(3)));
            }
        }
        if (r.nextInt(4) == 0) s.put("description", "annotations are ignored");
        return s;
    }

    private List<Object> enumValues() {
        List<Object> values = new ArrayList<>();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            Object v = literal();
            if (!values.contains(v)) values.add(v);
        }
        return values;
    }

    private Object literal() {
        return switch (r.nextInt(6)) {
            case 0 -> List.of("red", "green", "a\"b", "\u65e5\u672c", "").get(r.nextInt(5));
            case 1 -> (long) r.nextInt(-50, 1000);
            case 2 -> r.nextBoolean();
            case 3 -> 2.5;
            case 4 -> List.of(1L, "x");
            default -> null;
        };
    }
}
