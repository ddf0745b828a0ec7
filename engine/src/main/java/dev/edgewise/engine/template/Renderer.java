package dev.edgewise.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Executes statement nodes, writing to the current output buffer, within the render's limits. */
final class Renderer {
    enum Flow { NORMAL, BREAK, CONTINUE }

    private final RenderContext ctx;
    private final Evaluator ev;
    private StringBuilder out = new StringBuilder();
    private long written;

    Renderer(RenderContext ctx) {
        this.ctx = ctx;
        this.ev = new Evaluator(ctx);
    }

    String render(List<Node> nodes, Scope scope) {
        exec(nodes, scope);
        return out.toString();
    }

    private void write(String s) {
        written += s.length();
        if (out.length() + (long) s.length() > ctx.limits.maxOutputChars() || written > 4L * ctx.limits.maxOutputChars()) {
            throw new TemplateError("output of more than " + ctx.limits.maxOutputChars() + " characters");
        }
        out.append(s);
    }

    Flow exec(List<Node> nodes, Scope scope) {
        for (Node n : nodes) {
            Flow f;
            try {
                f = exec(n, scope);
            } catch (TemplateError e) {
                throw e.at(n.line());
            }
            if (f != Flow.NORMAL) return f;
        }
        return Flow.NORMAL;
    }

    private Flow exec(Node n, Scope scope) {
        switch (n) {
            case Node.Text t -> write(t.text());
            case Node.Output o -> write(Py.str(ev.eval(o.value(), scope)));
            case Node.If i -> {
                for (int k = 0; k < i.conditions().size(); k++) {
                    if (Py.truthy(ev.eval(i.conditions().get(k), scope))) return exec(i.bodies().get(k), scope);
                }
                return exec(i.otherwise(), scope);
            }
            case Node.For f -> {
                return loop(f, scope);
            }
            case Node.Set s -> assign(s.targets(), ev.eval(s.value(), scope), scope);
            case Node.SetAttribute s -> {
                Object ns = scope.lookup(s.namespace());
                if (!(ns instanceof Namespace namespace)) throw new TemplateError("cannot assign attribute on non-namespace object");
                namespace.attributes.put(s.attribute(), ev.eval(s.value(), scope));
            }
            case Node.SetBlock s -> {
                Object v = capture(s.body(), new Scope(scope));
                for (Expr.Filter f : s.filters()) v = ev.filter(f, v, scope);
                scope.set(s.target(), v);
            }
            case Node.FilterBlock f -> {
                Object v = capture(f.body(), new Scope(scope));
                for (Expr.Filter filter : f.filters()) v = ev.filter(filter, v, scope);
                write(Py.str(v));
            }
            case Node.Macro m -> scope.set(m.name(), macro(m.name(), m.params(), m.defaults(), m.body(), scope));
            case Node.CallBlock c -> {
                PyCallable caller = macro("caller", c.params(), c.defaults(), c.body(), scope);
                write(Py.str(ev.call(c.call(), scope, caller)));
            }
            case Node.With w -> {
                Scope inner = new Scope(scope);
                for (int k = 0; k < w.names().size(); k++) inner.set(w.names().get(k), ev.eval(w.values().get(k), scope));
                return exec(w.body(), inner);
            }
            case Node.Break b -> {
                return Flow.BREAK;
            }
            case Node.Continue c -> {
                return Flow.CONTINUE;
            }
        }
        return Flow.NORMAL;
    }

    private Flow loop(Node.For f, Scope scope) {
        if (f.recursive()) throw new TemplateError("recursive for loops are not supported");
        Object iterable = ev.eval(f.iterable(), scope);
        List<?> items = Py.iterate(iterable);
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                ctx.step(1);
                Scope probe = new Scope(scope);
                assign(f.targets(), item, probe);
                if (Py.truthy(ev.eval(f.filter(), probe))) kept.add(item);
            }
            items = kept;
        }
        if (items.isEmpty()) return exec(f.otherwise(), scope);
        LoopContext loop = new LoopContext(items, ctx.loopDepth);
        ctx.loopDepth++;
        try {
            for (int i = 0; i < items.size(); i++) {
                ctx.step(1);
                Scope body = new Scope(scope);
                assign(f.targets(), items.get(i), body);
                loop.index0 = i;
                body.set("loop", loop);
                if (exec(f.body(), body) == Flow.BREAK) break;
            }
        } finally {
            ctx.loopDepth--;
        }
        return Flow.NORMAL;
    }

    private void assign(List<String> targets, Object value, Scope scope) {
        if (targets.size() == 1) {
            scope.set(targets.getFirst(), value);
            return;
        }
        List<?> items = Py.iterate(value);
        if (items.size() != targets.size()) {
            throw new TemplateError(items.size() < targets.size()
                    ? "not enough values to unpack (expected " + targets.size() + ", got " + items.size() + ")"
                    : "too many values to unpack (expected " + targets.size() + ")");
        }
        for (int i = 0; i < targets.size(); i++) scope.set(targets.get(i), items.get(i));
    }

    /** Renders {@code nodes} into a string of their own (macro bodies, block sets, filter blocks). */
    private String capture(List<Node> nodes, Scope scope) {
        StringBuilder saved = out;
        out = new StringBuilder();
        try {
            exec(nodes, scope);
            return out.toString();
        } finally {
            out = saved;
        }
    }

    private PyCallable macro(String name, List<String> params, List<Expr> defaults, List<Node> body, Scope closure) {
        return (args, kwargs) -> {
            if (ctx.callDepth >= ctx.limits.maxCallDepth()) {
                throw new TemplateError("macro calls nested deeper than " + ctx.limits.maxCallDepth() + " (infinite recursion?)");
            }
            ctx.step(1);
            Scope s = new Scope(closure);
            int firstDefault = params.size() - defaults.size();
            for (int i = 0; i < params.size(); i++) {
                String p = params.get(i);
                Object v;
                if (i < args.size()) v = args.get(i);
                else if (kwargs.containsKey(p)) v = kwargs.get(p);
                else if (i >= firstDefault) v = ev.eval(defaults.get(i - firstDefault), s);
                else v = Undefined.name(p);
                s.set(p, v);
            }
            s.set("varargs", args.size() > params.size() ? new ArrayList<>(args.subList(params.size(), args.size())) : List.of());
            Map<String, Object> extra = new java.util.LinkedHashMap<>(kwargs);
            params.forEach(extra::remove);
            if (extra.containsKey("caller")) s.set("caller", extra.remove("caller"));
            s.set("kwargs", extra);
            ctx.callDepth++;
            try {
                return capture(body, s);
            } finally {
                ctx.callDepth--;
            }
        };
    }
}
