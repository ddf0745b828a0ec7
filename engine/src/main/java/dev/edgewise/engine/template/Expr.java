package dev.edgewise.engine.template;

import java.util.List;

/** Expression nodes of the parsed template; each knows its source line for error messages. */
sealed interface Expr {
    int line();

    record Const(Object value, int line) implements Expr {}

    record Name(String name, int line) implements Expr {}

    record GetAttr(Expr target, String name, int line) implements Expr {}

    record GetItem(Expr target, Expr index, int line) implements Expr {}

    /** {@code target[start:stop:step]}; absent parts are null. */
    record Slice(Expr target, Expr start, Expr stop, Expr step, int line) implements Expr {}

    /** Positional and keyword arguments of a call, filter or test ({@code kwNames.get(i)} names {@code kwValues.get(i)}). */
    record Args(List<Expr> positional, List<String> kwNames, List<Expr> kwValues) {
        static final Args NONE = new Args(List.of(), List.of(), List.of());
    }

    record Call(Expr callee, Args args, int line) implements Expr {}

    /** {@code value|name(args)}; {@code value} is null in a {@code {% filter %}} block head. */
    record Filter(Expr value, String name, Args args, int line) implements Expr {}

    record Test(Expr value, String name, Args args, boolean negated, int line) implements Expr {}

    /** Arithmetic, {@code ~}, {@code and}, {@code or}. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr {}

    /** A chain {@code a < b <= c}: {@code ops.get(i)} compares operand i with operand i + 1. */
    record Compare(List<Expr> operands, List<String> ops, int line) implements Expr {}

    /** {@code not}, unary {@code -} and {@code +}. */
    record Unary(String op, Expr operand, int line) implements Expr {}

    /** {@code then if condition else otherwise}; {@code otherwise} null gives undefined. */
    record Conditional(Expr condition, Expr then, Expr otherwise, int line) implements Expr {}

    /** A list literal, or a tuple literal ({@code (a, b)}, which prints with parentheses). */
    record ListLiteral(List<Expr> items, boolean tuple, int line) implements Expr {}

    record DictLiteral(List<Expr> keys, List<Expr> values, int line) implements Expr {}
}
