package dev.edgewise.engine.template;

import java.util.List;

/** A cursor over the lexer's tokens, with expectations that fail as syntax errors naming the line. */
final class TokenStream {
    private final List<Token> tokens;
    private int pos;

    TokenStream(List<Token> tokens) {
        this.tokens = tokens;
    }

    Token peek() {
        return tokens.get(pos);
    }

    Token peek(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    Token next() {
        Token t = tokens.get(pos);
        if (t.kind() != Token.Kind.EOF) pos++;
        return t;
    }

    boolean skipOp(String op) {
        if (!peek().isOp(op)) return false;
        pos++;
        return true;
    }

    boolean skipName(String name) {
        if (!peek().isName(name)) return false;
        pos++;
        return true;
    }

    Token expectOp(String op) {
        if (!peek().isOp(op)) throw error("expected '" + op + "', got " + peek().describe());
        return next();
    }

    Token expect(Token.Kind kind, String what) {
        if (peek().kind() != kind) throw error("expected " + what + ", got " + peek().describe());
        return next();
    }

    String expectName() {
        return expect(Token.Kind.NAME, "a name").value();
    }

    TemplateError error(String message) {
        return new TemplateError(message, peek().line(), false);
    }
}
