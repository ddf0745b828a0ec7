package dev.edgewise.engine.template;

import java.util.ArrayList;
import java.util.List;

/** Python's arithmetic and concatenation operators on template values, with the render's size limits. */
final class Operators {
    private Operators() {}

    static Object binary(String op, Object a, Object b, RenderContext ctx) {
        if (op.equals("~")) {
            String s = Py.str(a), t = Py.str(b);
            ctx.checkLength((long) s.length() + t.length());
            return s + t;
        }
        if (a instanceof Undefined u) throw u.error();
        if (b instanceof Undefined u) throw u.error();
        if (op.equals("+")) {
            if (a instanceof String s && b instanceof String t) {
                ctx.checkLength((long) s.length() + t.length());
                return s + t;
            }
            if (a instanceof List<?> x && b instanceof List<?> y) {
                ctx.step(x.size() + y.size());
                List<Object> out = new ArrayList<>(x);
                out.addAll(y);
                return out;
            }
            if (a instanceof String && !(b instanceof String)) {
                throw new TemplateError("can only concatenate str (not \"" + Py.typeName(b) + "\") to str");
            }
        }
        if (op.equals("*")) {
            if (a instanceof String s && isInt(b)) return PyStrings.checkedRepeat(s, Py.toLong(b), ctx.limits.maxOutputChars());
            if (b instanceof String s && isInt(a)) return PyStrings.checkedRepeat(s, Py.toLong(a), ctx.limits.maxOutputChars());
            if (a instanceof List<?> l && isInt(b)) return repeat(l, Py.toLong(b), ctx);
            if (b instanceof List<?> l && isInt(a)) return repeat(l, Py.toLong(a), ctx);
        }
        if (!Py.isNumber(a) || !Py.isNumber(b)) {
            throw new TemplateError("unsupported operand type(s) for " + op + ": '" + Py.typeName(a) + "' and '" + Py.typeName(b) + "'");
        }
        boolean floats = a instanceof Double || b instanceof Double;
        if (op.equals("/")) {
            double y = Py.toDouble(b);
            if (y == 0) throw new TemplateError("division by zero");
            return Py.toDouble(a) / y;
        }
        if (floats) {
            double x = Py.toDouble(a), y = Py.toDouble(b);
            return switch (op) {
                case "+" -> x + y;
                case "-" -> x - y;
                case "*" -> x * y;
                case "//" -> { if (y == 0) throw new TemplateError("float floor division by zero"); yield Math.floor(x / y); }
                case "%" -> { if (y == 0) throw new TemplateError("float modulo"); yield x - Math.floor(x / y) * y; }
                case "**" -> Math.pow(x, y);
                default -> throw new TemplateError("unknown operator " + op);
            };
        }
        long x = Py.toLong(a), y = Py.toLong(b);
        try {
            return switch (op) {
                case "+" -> Math.addExact(x, y);
                case "-" -> Math.subtractExact(x, y);
                case "*" -> Math.multiplyExact(x, y);
                case "//" -> { if (y == 0) throw new TemplateError("integer division or modulo by zero"); yield Math.floorDiv(x, y); }
                case "%" -> { if (y == 0) throw new TemplateError("integer division or modulo by zero"); yield Math.floorMod(x, y); }
                case "**" -> y < 0 ? (Object) Math.pow(x, y) : (Object) power(x, y);
                default -> throw new TemplateError("unknown operator " + op);
            };
        } catch (ArithmeticException e) {
            throw new TemplateError("integer overflow in " + op);
        }
    }

    private static long power(long x, long y) {
        long r = 1;
        for (long i = 0; i < y; i++) {
            r = Math.multiplyExact(r, x);
            if (r == 0 || r == 1 && x == 1) return r;
            if (i > 64 && Math.abs(x) <= 1) return r;
        }
        return r;
    }

    private static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    private static List<Object> repeat(List<?> l, long times, RenderContext ctx) {
        List<Object> out = new ArrayList<>();
        if (times <= 0) return out;
        ctx.step(l.size() * times);
        for (long i = 0; i < times; i++) out.addAll(l);
        return out;
    }

    static Object unary(String op, Object v) {
        if (op.equals("not")) return !Py.truthy(v);
        if (v instanceof Undefined u) throw u.error();
        if (!Py.isNumber(v)) throw new TemplateError("bad operand type for unary " + op + ": '" + Py.typeName(v) + "'");
        if (op.equals("+")) return v instanceof Boolean b ? (Object) (b ? 1L : 0L) : v;
        return v instanceof Double d ? (Object) (-d) : (Object) (-Py.toLong(v));
    }
}
