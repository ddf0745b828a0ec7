package dev.edgewise.engine.constraint;

/** The automaton inside an array: items of the schema's type, between its minimum and maximum count. */
final class ArrayState extends JsonState {
    private static final int OPEN = 0, AFTER_ITEM = 1, AFTER_COMMA = 2;
    private final SchemaNode.ArraySchema schema;
    private final int count, phase;
    private final Cont k;

    private ArrayState(SchemaNode.ArraySchema schema, int count, int phase, Cont k) {
        this.schema = schema;
        this.count = count;
        this.phase = phase;
        this.k = k;
    }

    /** After the '['. */
    static JsonState open(SchemaNode.ArraySchema schema, Cont k) {
        return new Ws(new ArrayState(schema, 0, OPEN, k), 0);
    }

    @Override
    JsonState next(int b) {
        if (b == ']' && phase != AFTER_COMMA) return count >= schema.min() ? k.resume() : null;
        if (b == ',' && phase == AFTER_ITEM) return count < schema.max() ? new Ws(new ArrayState(schema, count, AFTER_COMMA, k), 0) : null;
        if (phase == AFTER_ITEM || count >= schema.max()) return null;
        return schema.items().start(() -> new Ws(new ArrayState(schema, count + 1, AFTER_ITEM, k), 0)).next(b);
    }
}
