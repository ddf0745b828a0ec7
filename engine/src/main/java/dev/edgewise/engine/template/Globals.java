package dev.edgewise.engine.template;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The global functions of transformers' environment: Jinja's {@code range}, {@code dict}, {@code namespace},
 * and transformers' {@code raise_exception(msg)} and {@code strftime_now(fmt)}.
 */
final class Globals {
    /** Jinja's sandbox refuses longer ranges (MAX_RANGE). */
    static final int MAX_RANGE = 100_000;

    private Globals() {}

    static Scope scope(LocalDateTime now) {
        Scope g = new Scope(null);
        g.set("range", (PyCallable) (args, kw) -> range(args));
        g.set("dict", (PyCallable) (args, kw) -> {
            Map<Object, Object> d = new LinkedHashMap<>();
            if (!args.isEmpty() && args.getFirst() instanceof Map<?, ?> m) d.putAll(m);
            d.putAll(kw);
            return d;
        });
        g.set("namespace", (PyCallable) (args, kw) -> {
            Namespace ns = new Namespace();
            if (!args.isEmpty() && args.getFirst() instanceof Map<?, ?> m) m.forEach((k, v) -> ns.attributes.put(Py.str(k), v));
            ns.attributes.putAll(kw);
            return ns;
        });
        g.set("raise_exception", (PyCallable) (args, kw) -> {
            throw new TemplateError(args.isEmpty() ? "" : Py.str(args.getFirst()), 0, true);
        });
        g.set("strftime_now", (PyCallable) (args, kw) -> {
            if (args.isEmpty() || !(args.getFirst() instanceof String fmt)) throw new TemplateError("strftime_now(format) needs a string");
            return Strftime.format(now, fmt);
        });
        return g;
    }

    private static List<Object> range(List<Object> args) {
        long start = 0, stop, step = 1;
        switch (args.size()) {
            case 1 -> stop = Py.toLong(args.getFirst());
            case 2 -> { start = Py.toLong(args.get(0)); stop = Py.toLong(args.get(1)); }
            case 3 -> { start = Py.toLong(args.get(0)); stop = Py.toLong(args.get(1)); step = Py.toLong(args.get(2)); }
            default -> throw new TemplateError("range expected 1 to 3 arguments, got " + args.size());
        }
        if (step == 0) throw new TemplateError("range() arg 3 must not be zero");
        long n = step > 0 ? Math.max(0, Math.ceilDiv(stop - start, step)) : Math.max(0, Math.ceilDiv(start - stop, -step));
        if (n > MAX_RANGE) throw new TemplateError("range too big, the sandbox blocks ranges larger than " + MAX_RANGE);
        List<Object> out = new ArrayList<>((int) n);
        for (long i = 0, v = start; i < n; i++, v += step) out.add(v);
        return out;
    }
}
