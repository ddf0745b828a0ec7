package dev.edgewise.engine.template;

/** A lexical token of a template: text between tags, a tag delimiter, or a token of an expression. */
record Token(Kind kind, String value, int line) {
    enum Kind { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    boolean is(Kind k, String v) {
        return kind == k && value.equals(v);
    }

    boolean isOp(String v) {
        return is(Kind.OP, v);
    }

    boolean isName(String v) {
        return is(Kind.NAME, v);
    }

    String describe() {
        return switch (kind) {
            case EOF -> "end of template";
            case VAR_END -> "end of print statement";
            case BLOCK_END -> "end of statement block";
            case TEXT -> "text";
            case STRING -> "string";
            default -> "'" + value + "'";
        };
    }
}
