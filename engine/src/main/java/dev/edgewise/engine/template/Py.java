package dev.edgewise.engine.template;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python semantics of the template's values. The data model: {@code null} is None, {@link Undefined},
 * {@link Boolean}, {@link Long} (int), {@link Double} (float), {@link String} (str; lengths and indexes in
 * code points), {@link List} (list and tuple), {@link Map} (dict, insertion ordered), {@link Namespace},
 * {@link LoopContext}, {@link PyCallable}.
 */
final class Py {
    private Py() {}

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Undefined u -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0;
            case String s -> !s.isEmpty();
            case Collection<?> c -> !c.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> true;
        };
    }

    /** Python's {@code type(v).__name__}. */
    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case Undefined u -> "Undefined";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Double d -> "float";
            case String s -> "str";
            case PyTuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Namespace n -> "Namespace";
            case LoopContext l -> "LoopContext";
            default -> "function";
        };
    }

    /** {@code str(v)}, as {@code {{ v }}} prints it (undefined prints nothing). */
    static String str(Object v) {
        return switch (v) {
            case String s -> s;
            case Undefined u -> "";
            case Double d -> PyJson.floatRepr(d);
            case null, default -> repr(v);
        };
    }

    /** {@code repr(v)}. */
    static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        repr(v, sb, 0);
        return sb.toString();
    }

    private static void repr(Object v, StringBuilder sb, int depth) {
        if (depth > 100) throw new TemplateError("value nested too deeply to print");
        switch (v) {
            case null -> sb.append("None");
            case Undefined u -> sb.append("Undefined");
            case Boolean b -> sb.append(b ? "True" : "False");
            case Long l -> sb.append(l);
            case Double d -> sb.append(PyJson.floatRepr(d));
            case String s -> PyStrings.repr(s, sb);
            case List<?> l -> {
                boolean tuple = l instanceof PyTuple;
                sb.append(tuple ? '(' : '[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) sb.append(", ");
                    repr(l.get(i), sb, depth + 1);
                }
                sb.append(tuple ? (l.size() == 1 ? ",)" : ")") : "]");
            }
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) sb.append(", ");
                    first = false;
                    repr(e.getKey(), sb, depth + 1);
                    sb.append(": ");
                    repr(e.getValue(), sb, depth + 1);
                }
                sb.append('}');
            }
            default -> sb.append(v);
        }
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    static double toDouble(Object v) {
        return switch (v) {
            case Long l -> l;
            case Double d -> d;
            case Boolean b -> b ? 1 : 0;
            case null, default -> throw new TemplateError("expected a number, got " + typeName(v));
        };
    }

    static long toLong(Object v) {
        return switch (v) {
            case Long l -> l;
            case Boolean b -> b ? 1 : 0;
            case null, default -> throw new TemplateError("'" + typeName(v) + "' object cannot be interpreted as an integer");
        };
    }

    /** Python {@code ==}. */
    static boolean eq(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return toDouble(a) == toDouble(b);
            return toLong(a) == toLong(b);
        }
        if (a instanceof String s) return s.equals(b);
        if (a instanceof Undefined) return b instanceof Undefined;
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!eq(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !eq(e.getValue(), y.get(e.getKey()))) return false;
            }
            return true;
        }
        return a.equals(b);
    }

    /** Python ordering ({@code <} and friends) of numbers, strings (by code point) and lists. */
    static int compare(Object a, Object b, String op) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return Double.compare(toDouble(a), toDouble(b));
            return Long.compare(toLong(a), toLong(b));
        }
        if (a instanceof String x && b instanceof String y) return PyStrings.compareCodePoints(x, y);
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!eq(x.get(i), y.get(i))) return compare(x.get(i), y.get(i), op);
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof Undefined u) throw u.error();
        if (b instanceof Undefined u) throw u.error();
        throw new TemplateError("'" + op + "' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    /** Python {@code item in container}: substring, list membership, dict key. */
    static boolean contains(Object container, Object item) {
        return switch (container) {
            case String s -> {
                if (item instanceof String t) yield s.contains(t);
                throw new TemplateError("'in <string>' requires string as left operand, not " + typeName(item));
            }
            case List<?> l -> {
                for (Object o : l) if (eq(o, item)) yield true;
                yield false;
            }
            case Map<?, ?> m -> {
                for (Object k : m.keySet()) if (eq(k, item)) yield true;
                yield false;
            }
            case Undefined u -> false;
            case Namespace n -> n.attributes.containsKey(item);
            case null, default -> throw new TemplateError("argument of type '" + typeName(container) + "' is not iterable");
        };
    }

    /** The items of an iterable value: list items, dict keys, string characters; undefined is empty. */
    static List<?> iterate(Object v) {
        return switch (v) {
            case List<?> l -> l;
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> PyStrings.characters(s);
            case Undefined u -> List.of();
            case LoopContext l -> throw new TemplateError("'LoopContext' object is not iterable");
            case null, default -> throw new TemplateError("'" + typeName(v) + "' object is not iterable");
        };
    }

    static int length(Object v) {
        return switch (v) {
            case String s -> s.codePointCount(0, s.length());
            case Collection<?> c -> c.size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            case null, default -> throw new TemplateError("object of type '" + typeName(v) + "' has no len()");
        };
    }

    /** {@code obj.name}: an attribute (method) first, then a key, else undefined. */
    static Object getAttr(Object obj, String name) {
        if (obj instanceof Undefined u) throw u.error();
        if (name.startsWith("_")) return Undefined.attribute(obj, name);
        Object method = Methods.bind(obj, name);
        if (method != null) return method;
        return switch (obj) {
            case Map<?, ?> m -> m.containsKey(name) ? m.get(name) : Undefined.attribute(obj, name);
            case Namespace n -> n.attributes.containsKey(name) ? n.attributes.get(name) : Undefined.attribute(obj, name);
            case LoopContext l -> l.attribute(name);
            case null, default -> Undefined.attribute(obj, name);
        };
    }

    /** {@code obj[key]}: an item first, then (for string keys) an attribute, else undefined. */
    static Object getItem(Object obj, Object key) {
        if (obj instanceof Undefined u) throw u.error();
        switch (obj) {
            case Map<?, ?> m -> {
                for (Map.Entry<?, ?> e : m.entrySet()) if (eq(e.getKey(), key)) return e.getValue();
            }
            case List<?> l -> {
                if (key instanceof Long || key instanceof Boolean) {
                    long i = toLong(key);
                    if (i < 0) i += l.size();
                    if (i >= 0 && i < l.size()) return l.get((int) i);
                    return Undefined.attribute(obj, key);
                }
            }
            case String s -> {
                if (key instanceof Long || key instanceof Boolean) {
                    List<String> chars = PyStrings.characters(s);
                    long i = toLong(key);
                    if (i < 0) i += chars.size();
                    if (i >= 0 && i < chars.size()) return chars.get((int) i);
                    return Undefined.attribute(obj, key);
                }
            }
            case null, default -> { }
        }
        if (key instanceof String name) return getAttr(obj, name);
        return Undefined.attribute(obj, key);
    }

    /** {@code obj[start:stop:step]} of a list or string, Python's clamping rules. */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined u) throw u.error();
        List<?> items = switch (obj) {
            case List<?> l -> l;
            case String s -> PyStrings.characters(s);
            case null, default -> throw new TemplateError("'" + typeName(obj) + "' object is not subscriptable");
        };
        int n = items.size();
        long st = isNone(step) ? 1 : toLong(step);
        if (st == 0) throw new TemplateError("slice step cannot be zero");
        long lo, hi;
        if (st > 0) {
            lo = isNone(start) ? 0 : clamp(toLong(start), n, 0, n);
            hi = isNone(stop) ? n : clamp(toLong(stop), n, 0, n);
        } else {
            lo = isNone(start) ? n - 1 : clamp(toLong(start), n, -1, n - 1);
            hi = isNone(stop) ? -1 : clamp(toLong(stop), n, -1, n - 1);
        }
        List<Object> out = new ArrayList<>();
        for (long i = lo; st > 0 ? i < hi : i > hi; i += st) out.add(items.get((int) i));
        if (obj instanceof String) {
            StringBuilder sb = new StringBuilder();
            for (Object c : out) sb.append((String) c);
            return sb.toString();
        }
        return out;
    }

    private static boolean isNone(Object v) {
        return v == null || v instanceof Undefined;
    }

    private static long clamp(long i, int n, long min, long max) {
        if (i < 0) i += n;
        return Math.max(min, Math.min(max, i));
    }
}
