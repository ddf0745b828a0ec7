package dev.edgewise.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Builds the statement tree from tokens: text, {@code {{ }}} output, and the tags real chat templates use:
 * if/elif/else, for (with {@code else}, a filter {@code if}, {@code loop}), set (plain, tuple, namespace
 * attribute, block), macro, call, filter, with, break/continue (loopcontrols), and transformers'
 * {@code generation} tag (rendered as its body). Template inheritance and includes are refused.
 */
final class Parser {
    private static final int MAX_NESTING = 100;
    private final TokenStream ts;
    private final ExprParser expr;
    private int nesting;

    private Parser(List<Token> tokens) {
        this.ts = new TokenStream(tokens);
        this.expr = new ExprParser(ts);
    }

    static List<Node> parse(String source) {
        Parser p = new Parser(Lexer.tokenize(source));
        List<Node> body = p.body(Set.of(), null);
        if (p.ts.peek().kind() != Token.Kind.EOF) throw p.ts.error("unexpected '" + p.ts.peek(1).value() + "' tag");
        return body;
    }

    /**
     * Nodes up to one of the {@code end} tags (left unconsumed: the stream stays just after its
     * BLOCK_BEGIN) or the end of the template, which is an error when {@code end} is not empty.
     */
    private List<Node> body(Set<String> end, String opener) {
        List<Node> nodes = new ArrayList<>();
        while (true) {
            Token t = ts.next();
            switch (t.kind()) {
                case EOF -> {
                    if (!end.isEmpty()) {
                        throw new TemplateError("unexpected end of template, expected " + String.join(" or ", end.stream().sorted().map(s -> "'" + s + "'").toList())
                                + " to close the '" + opener + "' block", t.line(), false);
                    }
                    ts.next();
                    return nodes;
                }
                case TEXT -> nodes.add(new Node.Text(t.value(), t.line()));
                case VAR_BEGIN -> {
                    Expr e = expr.expression();
                    ts.expect(Token.Kind.VAR_END, "end of print statement '}}'");
                    nodes.add(new Node.Output(e, t.line()));
                }
                case BLOCK_BEGIN -> {
                    Token name = ts.peek();
                    if (name.kind() == Token.Kind.NAME && end.contains(name.value())) return nodes;
                    Node n = statement();
                    if (n != null) nodes.add(n);
                }
                default -> throw new TemplateError("unexpected " + t.describe(), t.line(), false);
            }
        }
    }

    /** Consumes the current stream position up to the end of the tag. */
    private void endTag() {
        ts.expect(Token.Kind.BLOCK_END, "end of statement block '%}'");
    }

    private Node statement() {
        Token t = ts.peek();
        if (t.kind() != Token.Kind.NAME) throw ts.error("expected a tag name, got " + t.describe());
        if (++nesting > MAX_NESTING) throw ts.error("blocks nested deeper than " + MAX_NESTING + " levels");
        try {
            ts.next();
            return switch (t.value()) {
                case "if" -> ifStatement(t.line());
                case "for" -> forStatement(t.line());
                case "set" -> setStatement(t.line());
                case "macro" -> macro(t.line());
                case "call" -> callBlock(t.line());
                case "filter" -> filterBlock(t.line());
                case "with" -> with(t.line());
                case "generation" -> {
                    endTag();
                    List<Node> b = block(Set.of("endgeneration"), "generation");
                    yield new Node.With(List.of(), List.of(), b, t.line());
                }
                case "break" -> { endTag(); yield new Node.Break(t.line()); }
                case "continue" -> { endTag(); yield new Node.Continue(t.line()); }
                case "extends", "include", "import", "from", "block" ->
                        throw new TemplateError("the '" + t.value() + "' tag is not supported in chat templates", t.line(), false);
                default -> throw new TemplateError("unknown tag '" + t.value() + "'", t.line(), false);
            };
        } finally {
            nesting--;
        }
    }

    /** The body up to {@code endName}, consuming the end tag. */
    private List<Node> block(Set<String> endNames, String opener) {
        List<Node> b = body(endNames, opener);
        ts.next();
        endTag();
        return b;
    }

    private Node ifStatement(int line) {
        List<Expr> conditions = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> otherwise = List.of();
        conditions.add(expr.expression());
        endTag();
        while (true) {
            bodies.add(body(Set.of("elif", "else", "endif"), "if"));
            String tag = ts.next().value();
            if (tag.equals("elif")) {
                conditions.add(expr.expression());
                endTag();
            } else if (tag.equals("else")) {
                endTag();
                otherwise = block(Set.of("endif"), "if");
                break;
            } else {
                endTag();
                break;
            }
        }
        return new Node.If(conditions, bodies, otherwise, line);
    }

    private Node forStatement(int line) {
        List<String> targets = new ArrayList<>();
        boolean paren = ts.skipOp("(");
        do targets.add(ts.expectName()); while (ts.skipOp(","));
        if (paren) ts.expectOp(")");
        if (!ts.skipName("in")) throw ts.error("expected 'in' in the for loop");
        Expr iterable = expr.withoutConditional();
        Expr filter = ts.skipName("if") ? expr.expression() : null;
        boolean recursive = ts.skipName("recursive");
        endTag();
        List<Node> body = body(Set.of("else", "endfor"), "for");
        List<Node> otherwise = List.of();
        if (ts.next().value().equals("else")) {
            endTag();
            otherwise = block(Set.of("endfor"), "for");
        } else {
            endTag();
        }
        return new Node.For(targets, iterable, filter, body, otherwise, recursive, line);
    }

    private Node setStatement(int line) {
        String first = ts.expectName();
        if (ts.skipOp(".")) {
            String attribute = ts.expectName();
            ts.expectOp("=");
            Expr value = expr.expression();
            endTag();
            return new Node.SetAttribute(first, attribute, value, line);
        }
        List<String> targets = new ArrayList<>(List.of(first));
        while (ts.skipOp(",")) targets.add(ts.expectName());
        if (ts.skipOp("=")) {
            Expr value = expr.expression();
            if (ts.peek().isOp(",")) {
                List<Expr> items = new ArrayList<>(List.of(value));
                while (ts.skipOp(",")) items.add(expr.expression());
                value = new Expr.ListLiteral(items, true, line);
            }
            endTag();
            return new Node.Set(targets, value, line);
        }
        if (targets.size() != 1) throw ts.error("a block 'set' takes one name");
        List<Expr.Filter> filters = new ArrayList<>();
        while (ts.skipOp("|")) filters.add(expr.filter(null));
        endTag();
        return new Node.SetBlock(first, filters, block(Set.of("endset"), "set"), line);
    }

    private Node macro(int line) {
        String name = ts.expectName();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        parameters(params, defaults);
        endTag();
        return new Node.Macro(name, params, defaults, block(Set.of("endmacro"), "macro"), line);
    }

    private void parameters(List<String> params, List<Expr> defaults) {
        ts.expectOp("(");
        while (!ts.peek().isOp(")")) {
            params.add(ts.expectName());
            if (ts.skipOp("=")) defaults.add(expr.expression());
            else if (!defaults.isEmpty()) throw ts.error("parameter without default after a parameter with one");
            if (!ts.skipOp(",")) break;
        }
        ts.expectOp(")");
    }

    private Node callBlock(int line) {
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        if (ts.peek().isOp("(")) parameters(params, defaults);
        Expr call = expr.expression();
        if (!(call instanceof Expr.Call c)) throw ts.error("expected a macro call after 'call'");
        endTag();
        return new Node.CallBlock(c, params, defaults, block(Set.of("endcall"), "call"), line);
    }

    private Node filterBlock(int line) {
        List<Expr.Filter> filters = new ArrayList<>();
        do filters.add(expr.filter(null)); while (ts.skipOp("|"));
        endTag();
        return new Node.FilterBlock(filters, block(Set.of("endfilter"), "filter"), line);
    }

    private Node with(int line) {
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (ts.peek().kind() == Token.Kind.NAME) {
            names.add(ts.expectName());
            ts.expectOp("=");
            values.add(expr.expression());
            if (!ts.skipOp(",")) break;
        }
        endTag();
        return new Node.With(names, values, block(Set.of("endwith"), "with"), line);
    }
}
