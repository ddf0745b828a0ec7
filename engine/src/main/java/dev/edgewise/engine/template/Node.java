package dev.edgewise.engine.template;

import java.util.List;

/** Statement nodes of the parsed template. */
sealed interface Node {
    int line();

    record Text(String text, int line) implements Node {}

    record Output(Expr value, int line) implements Node {}

    /** {@code if}/{@code elif} branches in order, then the {@code else} body (empty if none). */
    record If(List<Expr> conditions, List<List<Node>> bodies, List<Node> otherwise, int line) implements Node {}

    record For(List<String> targets, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise,
               boolean recursive, int line) implements Node {}

    /** {@code set a = v} or {@code set a, b = v}. */
    record Set(List<String> targets, Expr value, int line) implements Node {}

    /** {@code set ns.attr = v}. */
    record SetAttribute(String namespace, String attribute, Expr value, int line) implements Node {}

    /** {@code set name | filters %}body{% endset}}; {@code filters} may be empty. */
    record SetBlock(String target, List<Expr.Filter> filters, List<Node> body, int line) implements Node {}

    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body, int line) implements Node {}

    /** {@code {% call(params) macro(args) %}body{% endcall %}}: body is the macro's {@code caller()}. */
    record CallBlock(Expr.Call call, List<String> params, List<Expr> defaults, List<Node> body, int line) implements Node {}

    record FilterBlock(List<Expr.Filter> filters, List<Node> body, int line) implements Node {}

    /** {@code with} (new scope with bindings), also used for {@code generation} without bindings. */
    record With(List<String> names, List<Expr> values, List<Node> body, int line) implements Node {}

    record Break(int line) implements Node {}

    record Continue(int line) implements Node {}
}
