package dev.edgewise.engine.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Evaluates expression nodes in a scope; errors are given the line of the innermost expression. */
final class Evaluator {
    private final RenderContext ctx;

    Evaluator(RenderContext ctx) {
        this.ctx = ctx;
    }

    Object eval(Expr e, Scope s) {
        try {
            return switch (e) {
                case Expr.Const c -> c.value();
                case Expr.Name n -> s.lookup(n.name());
                case Expr.GetAttr g -> Py.getAttr(eval(g.target(), s), g.name());
                case Expr.GetItem g -> Py.getItem(eval(g.target(), s), eval(g.index(), s));
                case Expr.Slice sl -> Py.slice(eval(sl.target(), s), opt(sl.start(), s), opt(sl.stop(), s), opt(sl.step(), s));
                case Expr.Call c -> call(c, s, null);
                case Expr.Filter f -> filter(f, eval(f.value(), s), s);
                case Expr.Test t -> {
                    Object v = eval(t.value(), s);
                    yield Tests.apply(t.name(), v, positional(t.args(), s)) != t.negated();
                }
                case Expr.Binary b -> binary(b, s);
                case Expr.Compare c -> compare(c, s);
                case Expr.Unary u -> Operators.unary(u.op(), eval(u.operand(), s));
                case Expr.Conditional c -> Py.truthy(eval(c.condition(), s)) ? eval(c.then(), s)
                        : c.otherwise() == null ? new Undefined("the inline if-expression evaluated to false and no else section was defined")
                        : eval(c.otherwise(), s);
                case Expr.ListLiteral l -> {
                    List<Object> out = new ArrayList<>(l.items().size());
                    for (Expr item : l.items()) out.add(eval(item, s));
                    yield l.tuple() ? new PyTuple(out) : out;
                }
                case Expr.DictLiteral d -> {
                    Map<Object, Object> out = new LinkedHashMap<>();
                    for (int i = 0; i < d.keys().size(); i++) out.put(eval(d.keys().get(i), s), eval(d.values().get(i), s));
                    yield out;
                }
            };
        } catch (TemplateError err) {
            throw err.at(e.line());
        }
    }

    private Object opt(Expr e, Scope s) {
        return e == null ? null : eval(e, s);
    }

    /** Applies a filter to an already evaluated value (also for filter blocks and block sets). */
    Object filter(Expr.Filter f, Object value, Scope s) {
        try {
            return Filters.apply(f.name(), value, positional(f.args(), s), keywords(f.args(), s), ctx);
        } catch (TemplateError err) {
            throw err.at(f.line());
        }
    }

    /** Calls {@code c}; {@code caller} (from a call block) is passed as the {@code caller} keyword. */
    Object call(Expr.Call c, Scope s, PyCallable caller) {
        Object fn = eval(c.callee(), s);
        if (fn instanceof Undefined u) throw u.error();
        if (!(fn instanceof PyCallable callable)) throw new TemplateError("'" + Py.typeName(fn) + "' object is not callable");
        Map<String, Object> kw = keywords(c.args(), s);
        if (caller != null) kw.put("caller", caller);
        return callable.call(positional(c.args(), s), kw);
    }

    private List<Object> positional(Expr.Args a, Scope s) {
        if (a.positional().isEmpty()) return List.of();
        List<Object> out = new ArrayList<>(a.positional().size());
        for (Expr e : a.positional()) out.add(eval(e, s));
        return out;
    }

    private Map<String, Object> keywords(Expr.Args a, Scope s) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < a.kwNames().size(); i++) out.put(a.kwNames().get(i), eval(a.kwValues().get(i), s));
        return out;
    }

    private Object binary(Expr.Binary b, Scope s) {
        Object left = eval(b.left(), s);
        return switch (b.op()) {
            case "and" -> Py.truthy(left) ? eval(b.right(), s) : left;
            case "or" -> Py.truthy(left) ? left : eval(b.right(), s);
            default -> Operators.binary(b.op(), left, eval(b.right(), s), ctx);
        };
    }

    private Object compare(Expr.Compare c, Scope s) {
        Object left = eval(c.operands().getFirst(), s);
        for (int i = 0; i < c.ops().size(); i++) {
            Object right = eval(c.operands().get(i + 1), s);
            String op = c.ops().get(i);
            boolean r = switch (op) {
                case "==" -> Py.eq(left, right);
                case "!=" -> !Py.eq(left, right);
                case "<" -> Py.compare(left, right, op) < 0;
                case "<=" -> Py.compare(left, right, op) <= 0;
                case ">" -> Py.compare(left, right, op) > 0;
                case ">=" -> Py.compare(left, right, op) >= 0;
                case "in" -> Py.contains(right, left);
                case "not in" -> !Py.contains(right, left);
                default -> throw new TemplateError("unknown comparison " + op);
            };
            if (!r) return false;
            left = right;
        }
        return true;
    }
}
