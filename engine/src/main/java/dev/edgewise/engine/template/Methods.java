package dev.edgewise.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Methods a template may call on values: Python's safe {@code str} methods, {@code dict.items/keys/values/get}
 * and {@code list.index/count}. Methods that change a list or dict are refused, as in Jinja's immutable sandbox.
 */
final class Methods {
    private static final Set<String> LIST_MUTATORS = Set.of("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse");
    private static final Set<String> DICT_MUTATORS = Set.of("update", "pop", "popitem", "setdefault", "clear");
    private static final Set<String> STR = Set.of("strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith",
            "endswith", "lower", "upper", "title", "capitalize", "swapcase", "replace", "find", "rfind", "index", "rindex", "count",
            "join", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "isnumeric", "isdecimal", "center", "ljust",
            "rjust", "zfill", "removeprefix", "removesuffix", "partition", "rpartition", "format");

    private Methods() {}

    /** The bound method {@code obj.name}, or null if {@code obj} has no such method. */
    static PyCallable bind(Object obj, String name) {
        return switch (obj) {
            case String s -> STR.contains(name) ? (args, kw) -> str(s, name, args, kw) : null;
            case List<?> l -> {
                if (LIST_MUTATORS.contains(name)) yield unsafe(name, "list");
                yield switch (name) {
                    case "index" -> (args, kw) -> {
                        for (int i = 0; i < l.size(); i++) if (Py.eq(l.get(i), arg(args, 0, name))) return (long) i;
                        throw new TemplateError(Py.repr(args.getFirst()) + " is not in list");
                    };
                    case "count" -> (args, kw) -> l.stream().filter(x -> Py.eq(x, arg(args, 0, name))).count();
                    case "copy" -> (args, kw) -> new ArrayList<>(l);
                    default -> null;
                };
            }
            case Map<?, ?> m -> {
                if (DICT_MUTATORS.contains(name)) yield unsafe(name, "dict");
                yield switch (name) {
                    case "items" -> (args, kw) -> m.entrySet().stream().map(e -> (Object) PyTuple.of(e.getKey(), e.getValue())).toList();
                    case "keys" -> (args, kw) -> new ArrayList<>(m.keySet());
                    case "values" -> (args, kw) -> new ArrayList<>(m.values());
                    case "get" -> (args, kw) -> {
                        Object v = Py.getItem(m, arg(args, 0, name));
                        return v instanceof Undefined ? (args.size() > 1 ? args.get(1) : null) : v;
                    };
                    case "copy" -> (args, kw) -> m;
                    default -> null;
                };
            }
            case null, default -> null;
        };
    }

    private static PyCallable unsafe(String name, String type) {
        return (args, kw) -> {
            throw new TemplateError("access to attribute '" + name + "' of '" + type + "' object is unsafe");
        };
    }

    /** {@code '{N}'.format(...)}'s argument N, as Python refuses an index out of range (any number of digits). */
    private static Object positional(List<Object> args, String digits) {
        int i = digits.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(digits);
        if (i >= args.size()) throw new TemplateError("Replacement index " + digits + " out of range for positional args tuple");
        return args.get(i);
    }

    private static Object arg(List<Object> args, int i, String method) {
        if (i >= args.size()) throw new TemplateError(method + "() takes at least " + (i + 1) + " argument(s)");
        return args.get(i);
    }

    private static String strArg(List<Object> args, int i, String method) {
        Object a = i < args.size() ? args.get(i) : null;
        if (a == null) return null;
        if (a instanceof String s) return s;
        throw new TemplateError(method + "() argument must be str or None, not " + Py.typeName(a));
    }

    private static Object str(String s, String name, List<Object> args, Map<String, Object> kw) {
        return switch (name) {
            case "strip" -> PyStrings.strip(s, strArg(args, 0, name), true, true);
            case "lstrip" -> PyStrings.strip(s, strArg(args, 0, name), true, false);
            case "rstrip" -> PyStrings.strip(s, strArg(args, 0, name), false, true);
            case "split" -> PyStrings.split(s, kwOr(kw, "sep", args, 0) instanceof String sep ? sep : null, maxSplit(args, kw));
            case "rsplit" -> PyStrings.rsplit(s, kwOr(kw, "sep", args, 0) instanceof String sep ? sep : null, maxSplit(args, kw));
            case "splitlines" -> PyStrings.splitLines(s, Py.truthy(kwOr(kw, "keepends", args, 0)));
            case "startswith", "endswith" -> {
                Object p = arg(args, 0, name);
                List<?> options = p instanceof List<?> l ? l : java.util.Collections.singletonList(p);
                for (Object o : options) {
                    if (!(o instanceof String prefix)) throw new TemplateError(name + " first arg must be str or a tuple of str, not " + Py.typeName(o));
                    if (name.equals("startswith") ? s.startsWith(prefix) : s.endsWith(prefix)) yield true;
                }
                yield false;
            }
            case "lower" -> s.toLowerCase(java.util.Locale.ROOT);
            case "upper" -> s.toUpperCase(java.util.Locale.ROOT);
            case "title" -> PyStrings.title(s);
            case "capitalize" -> PyStrings.capitalize(s);
            case "swapcase" -> s.codePoints().map(c -> Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c))
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
            case "replace" -> {
                String old = strArg(args, 0, name), rep = strArg(args, 1, name);
                if (old == null || rep == null) throw new TemplateError("replace() takes two str arguments");
                long count = args.size() > 2 ? Py.toLong(args.get(2)) : -1;
                yield Filters.replace(s, old, rep, count);
            }
            case "find", "index" -> {
                int at = s.indexOf(String.valueOf(arg(args, 0, name)));
                if (at < 0 && name.equals("index")) throw new TemplateError("substring not found");
                yield (long) (at < 0 ? -1 : s.codePointCount(0, at));
            }
            case "rfind", "rindex" -> {
                int at = s.lastIndexOf(String.valueOf(arg(args, 0, name)));
                if (at < 0 && name.equals("rindex")) throw new TemplateError("substring not found");
                yield (long) (at < 0 ? -1 : s.codePointCount(0, at));
            }
            case "count" -> {
                String sub = String.valueOf(arg(args, 0, name));
                if (sub.isEmpty()) yield (long) s.codePointCount(0, s.length()) + 1;
                long n = 0;
                for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
                yield n;
            }
            case "join" -> {
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                for (Object o : Py.iterate(arg(args, 0, name))) {
                    if (!(o instanceof String item)) throw new TemplateError("sequence item: expected str instance, " + Py.typeName(o) + " found");
                    if (!first) sb.append(s);
                    sb.append(item);
                    first = false;
                }
                yield sb.toString();
            }
            case "isdigit", "isnumeric", "isdecimal" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> !s.isEmpty() && PyStrings.isAllSpace(s, 0);
            case "isupper" -> s.codePoints().anyMatch(Character::isUpperCase) && s.codePoints().noneMatch(Character::isLowerCase);
            case "islower" -> s.codePoints().anyMatch(Character::isLowerCase) && s.codePoints().noneMatch(Character::isUpperCase);
            case "center", "ljust", "rjust" -> {
                int width = (int) Math.min(Py.toLong(arg(args, 0, name)), 1 << 20);
                String fill = args.size() > 1 ? String.valueOf(args.get(1)) : " ";
                int len = s.codePointCount(0, s.length());
                if (width <= len) yield s;
                int pad = width - len;
                int left = name.equals("rjust") ? pad : name.equals("ljust") ? 0 : pad / 2 + (pad & width & 1);
                yield fill.repeat(left) + s + fill.repeat(pad - left);
            }
            case "zfill" -> {
                int width = (int) Math.min(Py.toLong(arg(args, 0, name)), 1 << 20);
                int len = s.codePointCount(0, s.length());
                if (width <= len) yield s;
                boolean sign = !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+');
                yield (sign ? s.substring(0, 1) : "") + "0".repeat(width - len) + (sign ? s.substring(1) : s);
            }
            case "removeprefix" -> { String p = strArg(args, 0, name); yield p != null && s.startsWith(p) ? s.substring(p.length()) : s; }
            case "removesuffix" -> { String p = strArg(args, 0, name); yield p != null && !p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s; }
            case "partition", "rpartition" -> {
                String sep = strArg(args, 0, name);
                if (sep == null || sep.isEmpty()) throw new TemplateError("empty separator");
                int at = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (at < 0) yield new PyTuple(name.equals("partition") ? List.of(s, "", "") : List.of("", "", s));
                yield new PyTuple(List.of(s.substring(0, at), sep, s.substring(at + sep.length())));
            }
            case "format" -> format(s, args, kw);
            default -> throw new TemplateError("str has no method " + name);
        };
    }

    private static Object kwOr(Map<String, Object> kw, String key, List<Object> args, int i) {
        if (kw.containsKey(key)) return kw.get(key);
        return i < args.size() ? args.get(i) : null;
    }

    private static long maxSplit(List<Object> args, Map<String, Object> kw) {
        Object m = kwOr(kw, "maxsplit", args, 1);
        return m == null ? -1 : Py.toLong(m);
    }

    /** {@code str.format}: {@code {}}, {@code {0}}, {@code {name}}, {@code {{}}/{@code }}} only. */
    private static String format(String s, List<Object> args, Map<String, Object> kw) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') { sb.append('{'); i++; continue; }
            if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') { sb.append('}'); i++; continue; }
            if (c != '{') { sb.append(c); continue; }
            int end = s.indexOf('}', i);
            if (end < 0) throw new TemplateError("Single '{' encountered in format string");
            String field = s.substring(i + 1, end);
            Object v;
            if (field.isEmpty()) v = arg(args, auto++, "format");
            else if (field.chars().allMatch(ch -> ch >= '0' && ch <= '9')) v = positional(args, field);
            else if (kw.containsKey(field)) v = kw.get(field);
            else throw new TemplateError("format field '" + field + "' is not supported");
            sb.append(Py.str(v));
            i = end;
        }
        return sb.toString();
    }
}
