package dev.edgewise.engine.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Jinja2's expression grammar, lowest precedence first: conditional ({@code a if c else b}), {@code or},
 * {@code and}, {@code not}, comparisons (chained, {@code in}, {@code not in}), {@code + -}, {@code ~},
 * {@code * / // %}, {@code **}, unary {@code - +}, then a primary with its postfixes ({@code .attr},
 * {@code [index]}, {@code [a:b:c]}, calls) and filters/tests. A filter binds tighter than any operator:
 * {@code 'a' + x|tojson} filters only {@code x}, {@code messages|length - 1} subtracts from the length.
 */
final class ExprParser {
    private static final int MAX_DEPTH = 200;
    private final TokenStream ts;
    private int depth;

    ExprParser(TokenStream ts) {
        this.ts = ts;
    }

    Expr expression() {
        if (++depth > MAX_DEPTH) throw ts.error("expression nested deeper than " + MAX_DEPTH + " levels");
        try {
            return conditional();
        } finally {
            depth--;
        }
    }

    private Expr conditional() {
        Expr e = or();
        while (ts.peek().isName("if")) {
            int line = ts.next().line();
            Expr cond = or();
            Expr otherwise = ts.skipName("else") ? conditional() : null;
            e = new Expr.Conditional(cond, e, otherwise, line);
        }
        return e;
    }

    /** An expression without a trailing conditional (for-loop iterables, where {@code if} filters). */
    Expr withoutConditional() {
        return or();
    }

    private Expr or() {
        Expr e = and();
        while (ts.peek().isName("or")) {
            int line = ts.next().line();
            e = new Expr.Binary("or", e, and(), line);
        }
        return e;
    }

    private Expr and() {
        Expr e = not();
        while (ts.peek().isName("and")) {
            int line = ts.next().line();
            e = new Expr.Binary("and", e, not(), line);
        }
        return e;
    }

    private Expr not() {
        if (ts.peek().isName("not")) {
            int line = ts.next().line();
            if (++depth > MAX_DEPTH) throw ts.error("expression nested deeper than " + MAX_DEPTH + " levels");
            Expr operand = not();
            depth--;
            return new Expr.Unary("not", operand, line);
        }
        return compare();
    }

    private Expr compare() {
        int line = ts.peek().line();
        Expr first = math1();
        List<Expr> operands = null;
        List<String> ops = null;
        while (true) {
            Token t = ts.peek();
            String op;
            if (t.kind() == Token.Kind.OP && List.of("==", "!=", "<", ">", "<=", ">=").contains(t.value())) {
                op = t.value();
                ts.next();
            } else if (t.isName("in")) {
                op = "in";
                ts.next();
            } else if (t.isName("not") && ts.peek(1).isName("in")) {
                op = "not in";
                ts.next();
                ts.next();
            } else {
                break;
            }
            if (operands == null) {
                operands = new ArrayList<>(List.of(first));
                ops = new ArrayList<>();
            }
            ops.add(op);
            operands.add(math1());
        }
        return operands == null ? first : new Expr.Compare(operands, ops, line);
    }

    private Expr math1() {
        Expr e = concat();
        while (ts.peek().isOp("+") || ts.peek().isOp("-")) {
            Token op = ts.next();
            e = new Expr.Binary(op.value(), e, concat(), op.line());
        }
        return e;
    }

    private Expr concat() {
        Expr e = math2();
        while (ts.peek().isOp("~")) {
            Token op = ts.next();
            e = new Expr.Binary("~", e, math2(), op.line());
        }
        return e;
    }

    private Expr math2() {
        Expr e = pow();
        while (ts.peek().isOp("*") || ts.peek().isOp("/") || ts.peek().isOp("//") || ts.peek().isOp("%")) {
            Token op = ts.next();
            e = new Expr.Binary(op.value(), e, pow(), op.line());
        }
        return e;
    }

    private Expr pow() {
        Expr e = unary(true);
        while (ts.peek().isOp("**")) {
            Token op = ts.next();
            e = new Expr.Binary("**", e, unary(true), op.line());
        }
        return e;
    }

    private Expr unary(boolean withFilter) {
        Token t = ts.peek();
        Expr e;
        if (t.isOp("-") || t.isOp("+")) {
            ts.next();
            if (++depth > MAX_DEPTH) throw ts.error("expression nested deeper than " + MAX_DEPTH + " levels");
            e = new Expr.Unary(t.value(), unary(false), t.line());
            depth--;
        } else {
            e = primary();
        }
        e = postfix(e);
        return withFilter ? filters(e) : e;
    }

    private Expr primary() {
        Token t = ts.next();
        switch (t.kind()) {
            case NAME -> {
                return switch (t.value()) {
                    case "true", "True" -> new Expr.Const(Boolean.TRUE, t.line());
                    case "false", "False" -> new Expr.Const(Boolean.FALSE, t.line());
                    case "none", "None" -> new Expr.Const(null, t.line());
                    default -> new Expr.Name(t.value(), t.line());
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder(t.value());
                while (ts.peek().kind() == Token.Kind.STRING) sb.append(ts.next().value());
                return new Expr.Const(sb.toString(), t.line());
            }
            case INT -> {
                return new Expr.Const(intLiteral(t), t.line());
            }
            case FLOAT -> {
                return new Expr.Const(Double.parseDouble(t.value()), t.line());
            }
            case OP -> {
                switch (t.value()) {
                    case "(" -> {
                        if (ts.skipOp(")")) return new Expr.ListLiteral(List.of(), true, t.line());
                        Expr e = expression();
                        if (ts.peek().isOp(",")) {
                            List<Expr> items = new ArrayList<>(List.of(e));
                            while (ts.skipOp(",") && !ts.peek().isOp(")")) items.add(expression());
                            e = new Expr.ListLiteral(items, true, t.line());
                        }
                        ts.expectOp(")");
                        return e;
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!ts.peek().isOp("]")) {
                            items.add(expression());
                            if (!ts.skipOp(",")) break;
                        }
                        ts.expectOp("]");
                        return new Expr.ListLiteral(items, false, t.line());
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>(), values = new ArrayList<>();
                        while (!ts.peek().isOp("}")) {
                            keys.add(expression());
                            ts.expectOp(":");
                            values.add(expression());
                            if (!ts.skipOp(",")) break;
                        }
                        ts.expectOp("}");
                        return new Expr.DictLiteral(keys, values, t.line());
                    }
                    default -> { }
                }
            }
            default -> { }
        }
        throw new TemplateError("unexpected " + t.describe(), t.line(), false);
    }

    /** An integer literal ({@code 7}, or the index in {@code x.7}); past 64 bits it is refused (found by fuzzing). */
    private static long intLiteral(Token t) {
        try {
            return Long.parseLong(t.value());
        } catch (NumberFormatException e) {
            throw new TemplateError("integer literal too large: " + t.value(), t.line(), false);
        }
    }

    private Expr postfix(Expr e) {
        while (true) {
            Token t = ts.peek();
            if (t.isOp(".")) {
                ts.next();
                Token name = ts.next();
                if (name.kind() == Token.Kind.NAME) e = new Expr.GetAttr(e, name.value(), t.line());
                else if (name.kind() == Token.Kind.INT) e = new Expr.GetItem(e, new Expr.Const(intLiteral(name), t.line()), t.line());
                else throw new TemplateError("expected an attribute name after '.', got " + name.describe(), t.line(), false);
            } else if (t.isOp("[")) {
                ts.next();
                e = subscript(e, t.line());
            } else if (t.isOp("(")) {
                ts.next();
                e = new Expr.Call(e, args(), t.line());
            } else {
                return e;
            }
        }
    }

    private Expr subscript(Expr target, int line) {
        Expr start = null, stop = null, step = null;
        boolean slice = false;
        if (!ts.peek().isOp(":")) start = expression();
        if (ts.skipOp(":")) {
            slice = true;
            if (!ts.peek().isOp("]") && !ts.peek().isOp(":")) stop = expression();
            if (ts.skipOp(":") && !ts.peek().isOp("]")) step = expression();
        }
        ts.expectOp("]");
        return slice ? new Expr.Slice(target, start, stop, step, line) : new Expr.GetItem(target, start, line);
    }

    /** Arguments after '(' up to and including ')'. */
    Expr.Args args() {
        List<Expr> positional = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!ts.peek().isOp(")")) {
            if (ts.peek().kind() == Token.Kind.NAME && ts.peek(1).isOp("=")) {
                names.add(ts.next().value());
                ts.next();
                values.add(expression());
            } else {
                if (!names.isEmpty()) throw ts.error("positional argument after keyword argument");
                positional.add(expression());
            }
            if (!ts.skipOp(",")) break;
        }
        ts.expectOp(")");
        return new Expr.Args(positional, names, values);
    }

    private Expr filters(Expr e) {
        while (true) {
            Token t = ts.peek();
            if (t.isOp("|")) {
                ts.next();
                e = filter(e);
            } else if (t.isName("is")) {
                ts.next();
                e = test(e, t.line());
            } else if (t.isOp("(")) {
                ts.next();
                e = new Expr.Call(e, args(), t.line());
            } else {
                return e;
            }
        }
    }

    /** A filter name and arguments, after the '|'. */
    Expr.Filter filter(Expr value) {
        int line = ts.peek().line();
        String name = dottedName();
        if (!Filters.exists(name)) throw new TemplateError("no filter named '" + name + "'", line, false);
        Expr.Args args = ts.skipOp("(") ? args() : Expr.Args.NONE;
        return new Expr.Filter(value, name, args, line);
    }

    private Expr test(Expr value, int line) {
        boolean negated = ts.skipName("not");
        String name = dottedName();
        if (!Tests.exists(name)) throw new TemplateError("no test named '" + name + "'", line, false);
        Expr.Args args;
        if (ts.skipOp("(")) {
            args = args();
        } else {
            Token t = ts.peek();
            boolean argument = switch (t.kind()) {
                case NAME -> !List.of("else", "or", "and", "is", "if", "in", "not").contains(t.value());
                case STRING, INT, FLOAT -> true;
                case OP -> t.value().equals("[") || t.value().equals("{");
                default -> false;
            };
            args = argument ? new Expr.Args(List.of(postfix(primary())), List.of(), List.of()) : Expr.Args.NONE;
        }
        return new Expr.Test(value, name, args, negated, line);
    }

    private String dottedName() {
        StringBuilder sb = new StringBuilder(ts.expectName());
        while (ts.peek().isOp(".") && ts.peek(1).kind() == Token.Kind.NAME) {
            ts.next();
            sb.append('.').append(ts.next().value());
        }
        return sb.toString();
    }
}
