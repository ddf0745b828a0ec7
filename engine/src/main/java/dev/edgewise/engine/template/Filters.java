package dev.edgewise.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jinja's built-in filters that chat templates use, with Python semantics, and transformers' {@code tojson}
 * (ensure_ascii=False, keys unsorted, optional indent) in place of Jinja's own.
 */
final class Filters {
    private static final Set<String> NAMES = Set.of("tojson", "length", "count", "trim", "upper", "lower", "capitalize",
            "title", "replace", "join", "first", "last", "default", "d", "list", "items", "dictsort", "selectattr",
            "rejectattr", "select", "reject", "map", "unique", "sort", "reverse", "string", "int", "float", "abs", "round",
            "safe", "escape", "e", "forceescape", "indent", "center", "wordcount", "batch", "sum", "min", "max", "attr",
            "truncate", "format", "striptags", "tojson_ascii", "pprint", "bool");

    private Filters() {}

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    static Object apply(String name, Object v, List<Object> args, Map<String, Object> kw, RenderContext ctx) {
        if (v instanceof Undefined u && !List.of("default", "d", "length", "count", "string", "list", "items", "trim",
                "upper", "lower", "join", "first", "last", "safe", "escape", "e", "capitalize", "title").contains(name)) {
            throw u.error();
        }
        return switch (name) {
            case "tojson" -> {
                Object indent = param(args, kw, 1, "indent", null);
                Object separators = param(args, kw, 2, "separators", null);
                yield PyJson.dumps(v, Py.truthy(param(args, kw, 0, "ensure_ascii", false)),
                        indent == null ? null : (int) Math.min(Py.toLong(indent), 64),
                        separators == null ? null : Py.iterate(separators).stream().map(Py::str).toList(),
                        Py.truthy(param(args, kw, 3, "sort_keys", false)), ctx.limits.maxOutputChars());
            }
            case "length", "count" -> (long) Py.length(v);
            case "trim" -> {
                Object chars = param(args, kw, 0, "chars", null);
                yield PyStrings.strip(Py.str(v), chars == null ? null : Py.str(chars), true, true);
            }
            case "upper" -> Py.str(v).toUpperCase(java.util.Locale.ROOT);
            case "lower" -> Py.str(v).toLowerCase(java.util.Locale.ROOT);
            case "capitalize" -> PyStrings.capitalize(Py.str(v));
            case "title" -> jinjaTitle(Py.str(v));
            case "replace" -> {
                Object count = param(args, kw, 2, "count", null);
                String out = replace(Py.str(v), Py.str(param(args, kw, 0, "old", "")), Py.str(param(args, kw, 1, "new", "")),
                        count == null ? -1 : Py.toLong(count));
                yield ctx.checkString(out);
            }
            case "join" -> {
                String sep = Py.str(param(args, kw, 0, "d", ""));
                Object attribute = param(args, kw, 1, "attribute", null);
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                for (Object o : Py.iterate(v)) {
                    ctx.step(1);
                    if (!first) sb.append(sep);
                    sb.append(Py.str(attribute == null ? o : Py.getItem(o, attribute)));
                    first = false;
                    ctx.checkLength(sb.length());
                }
                yield sb.toString();
            }
            case "first" -> {
                List<?> items = Py.iterate(v);
                yield items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.getFirst();
            }
            case "last" -> {
                List<?> items = Py.iterate(v);
                yield items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.getLast();
            }
            case "default", "d" -> {
                boolean bool = Py.truthy(param(args, kw, 1, "boolean", false));
                yield (v instanceof Undefined || (bool && !Py.truthy(v))) ? param(args, kw, 0, "default_value", "") : v;
            }
            case "list" -> new ArrayList<>(Py.iterate(v));
            case "items" -> {
                if (v instanceof Undefined) yield List.of();
                if (!(v instanceof Map<?, ?> m)) throw new TemplateError("can only get item pairs from a mapping");
                yield m.entrySet().stream().map(e -> (Object) PyTuple.of(e.getKey(), e.getValue())).toList();
            }
            case "dictsort" -> {
                if (!(v instanceof Map<?, ?> m)) throw new TemplateError("dictsort needs a mapping");
                boolean byValue = "value".equals(param(args, kw, 1, "by", "key"));
                boolean caseSensitive = Py.truthy(param(args, kw, 0, "case_sensitive", false));
                boolean reverse = Py.truthy(param(args, kw, 2, "reverse", false));
                List<Object> pairs = new ArrayList<>(m.entrySet().stream().map(e -> (Object) PyTuple.of(e.getKey(), e.getValue())).toList());
                pairs.sort((a, b) -> sortCompare(((List<?>) a).get(byValue ? 1 : 0), ((List<?>) b).get(byValue ? 1 : 0), caseSensitive));
                if (reverse) pairs = pairs.reversed();
                yield pairs;
            }
            case "selectattr", "rejectattr", "select", "reject" -> Py.truthy(v) ? select(name, v, args, ctx) : List.of();
            case "map" -> {
                List<Object> out = new ArrayList<>();
                if (!Py.truthy(v)) yield out; // Jinja iterates only a truthy sequence: map over None is empty
                Object attribute = kw.get("attribute");
                for (Object o : Py.iterate(v)) {
                    ctx.step(1);
                    if (attribute != null) {
                        Object x = attribute(o, Py.str(attribute));
                        out.add(x instanceof Undefined && kw.containsKey("default") ? kw.get("default") : x);
                    } else {
                        if (args.isEmpty()) throw new TemplateError("map needs a filter name or attribute=");
                        String filter = Py.str(args.getFirst());
                        if (!exists(filter)) throw new TemplateError("no filter named '" + filter + "'");
                        out.add(apply(filter, o, args.subList(1, args.size()), Map.of(), ctx));
                    }
                }
                yield out;
            }
            case "unique" -> {
                List<Object> out = new ArrayList<>();
                boolean caseSensitive = Py.truthy(param(args, kw, 0, "case_sensitive", false));
                Object attribute = param(args, kw, 1, "attribute", null);
                List<Object> seen = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    ctx.step(1);
                    Object key = attribute == null ? o : attribute(o, Py.str(attribute));
                    if (!caseSensitive && key instanceof String s) key = s.toLowerCase(java.util.Locale.ROOT);
                    Object k = key;
                    if (seen.stream().noneMatch(x -> Py.eq(x, k))) {
                        seen.add(k);
                        out.add(o);
                    }
                }
                yield out;
            }
            case "sort" -> {
                boolean reverse = Py.truthy(param(args, kw, 0, "reverse", false));
                boolean caseSensitive = Py.truthy(param(args, kw, 1, "case_sensitive", false));
                Object attribute = param(args, kw, 2, "attribute", null);
                List<Object> out = new ArrayList<>(Py.iterate(v));
                ctx.step(out.size());
                out.sort((a, b) -> attribute == null ? sortCompare(a, b, caseSensitive)
                        : sortCompare(attribute(a, Py.str(attribute)), attribute(b, Py.str(attribute)), caseSensitive));
                yield reverse ? out.reversed() : out;
            }
            case "reverse" -> v instanceof String s ? new StringBuilder(s).reverse().toString() : new ArrayList<>(Py.iterate(v)).reversed();
            case "string" -> Py.str(v);
            case "bool" -> Py.truthy(v);
            case "int" -> toInt(v, param(args, kw, 0, "default", 0L));
            case "float" -> toFloat(v, param(args, kw, 0, "default", 0.0));
            case "abs" -> v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(Py.toLong(v));
            case "round" -> round(v, args, kw);
            case "safe" -> v instanceof Undefined ? "" : v;
            case "escape", "e", "forceescape" -> escape(Py.str(v));
            case "striptags" -> Py.str(v).replaceAll("<[^>]*>", "").replaceAll("\\s+", " ").strip();
            case "indent" -> indent(Py.str(v), param(args, kw, 0, "width", 4L), Py.truthy(param(args, kw, 1, "first", false)),
                    Py.truthy(param(args, kw, 2, "blank", false)), ctx);
            case "center" -> Methods.bind(Py.str(v), "center").call(List.of(param(args, kw, 0, "width", 80L)), Map.of());
            case "wordcount" -> (long) PyStrings.split(Py.str(v), null, -1).size();
            case "batch" -> {
                long size = Py.toLong(param(args, kw, 0, "linecount", 1L));
                if (size < 1) throw new TemplateError("batch size must be positive");
                List<Object> out = new ArrayList<>(), cur = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    ctx.step(1);
                    cur.add(o);
                    if (cur.size() == size) { out.add(cur); cur = new ArrayList<>(); }
                }
                if (!cur.isEmpty()) out.add(cur);
                yield out;
            }
            case "sum" -> {
                Object attribute = param(args, kw, 0, "attribute", null);
                Object total = param(args, kw, 1, "start", 0L);
                for (Object o : Py.iterate(v)) total = Operators.binary("+", total, attribute == null ? o : attribute(o, Py.str(attribute)), ctx);
                yield total;
            }
            case "min", "max" -> {
                List<?> items = Py.iterate(v);
                if (items.isEmpty()) yield new Undefined("No aggregated item, sequence was empty.");
                Object best = items.getFirst();
                for (Object o : items) {
                    int c = sortCompare(o, best, false);
                    if (name.equals("min") ? c < 0 : c > 0) best = o;
                }
                yield best;
            }
            case "attr" -> Py.getAttr(v, Py.str(param(args, kw, 0, "name", "")));
            case "truncate" -> {
                String s = Py.str(v);
                long length = Py.toLong(param(args, kw, 0, "length", 255L));
                String end = Py.str(param(args, kw, 2, "end", "..."));
                yield s.codePointCount(0, s.length()) <= length + 5 ? s
                        : s.substring(0, s.offsetByCodePoints(0, (int) Math.max(0, length - end.length()))) + end;
            }
            case "format" -> printf(Py.str(v), args);
            case "pprint" -> Py.repr(v);
            default -> throw new TemplateError("no filter named '" + name + "'");
        };
    }

    /** Positional argument {@code i} or keyword {@code key}, else {@code fallback}. */
    private static Object param(List<Object> args, Map<String, Object> kw, int i, String key, Object fallback) {
        if (kw.containsKey(key)) return kw.get(key);
        return i < args.size() ? args.get(i) : fallback;
    }

    /** Digits as an index; past 64 bits no sequence has it, so the largest long stands for it (indexes nothing). */
    private static long index(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** A dotted attribute path ({@code "function.name"}) or integer index, as Jinja's make_attrgetter. */
    private static Object attribute(Object o, String path) {
        for (String part : path.split("\\.")) {
            o = part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? Py.getItem(o, index(part)) : Py.getItem(o, part);
            if (o instanceof Undefined) return o;
        }
        return o;
    }

    private static List<Object> select(String name, Object v, List<Object> args, RenderContext ctx) {
        boolean byAttribute = name.endsWith("attr");
        boolean keep = name.startsWith("select");
        List<Object> out = new ArrayList<>();
        for (Object o : Py.iterate(v)) {
            ctx.step(1);
            Object subject = o;
            int next = 0;
            if (byAttribute) {
                if (args.isEmpty()) throw new TemplateError(name + " needs an attribute name");
                subject = attribute(o, Py.str(args.getFirst()));
                next = 1;
            }
            boolean pass;
            if (args.size() > next) {
                String test = Py.str(args.get(next));
                if (!Tests.exists(test)) throw new TemplateError("no test named '" + test + "'");
                pass = Tests.apply(test, subject, args.subList(next + 1, args.size()));
            } else {
                pass = Py.truthy(subject);
            }
            if (pass == keep) out.add(o);
        }
        return out;
    }

    private static int sortCompare(Object a, Object b, boolean caseSensitive) {
        if (!caseSensitive && a instanceof String x && b instanceof String y) {
            return PyStrings.compareCodePoints(x.toLowerCase(java.util.Locale.ROOT), y.toLowerCase(java.util.Locale.ROOT));
        }
        return Py.compare(a, b, "<");
    }

    /** Python's {@code str.replace}: {@code count} < 0 replaces all; an empty {@code old} inserts between characters. */
    static String replace(String s, String old, String rep, long count) {
        if (old.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            List<String> chars = PyStrings.characters(s);
            long n = 0;
            for (String c : chars) {
                if (count < 0 || n++ < count) sb.append(rep);
                sb.append(c);
            }
            if (count < 0 || n < count) sb.append(rep);
            return sb.toString();
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        long n = 0;
        for (int at = s.indexOf(old); at >= 0 && (count < 0 || n < count); at = s.indexOf(old, from), n++) {
            sb.append(s, from, at).append(rep);
            from = at + old.length();
        }
        return sb.append(s.substring(from)).toString();
    }

    private static String jinjaTitle(String s) {
        StringBuilder sb = new StringBuilder();
        boolean start = true;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            boolean boundary = cp < 0x10000 && (PyStrings.isSpace((char) cp) || "-({[<".indexOf(cp) >= 0);
            sb.appendCodePoint(boundary ? cp : start ? Character.toUpperCase(cp) : Character.toLowerCase(cp));
            start = boundary;
        }
        return sb.toString();
    }

    private static Object toInt(Object v, Object fallback) {
        return switch (v) {
            case Long l -> l;
            case Boolean b -> b ? 1L : 0L;
            case Double d -> Double.isFinite(d) ? (Object) (long) (double) d : fallback;
            case String s -> {
                try {
                    yield Long.parseLong(s.strip().replace("_", ""));
                } catch (NumberFormatException e) {
                    try {
                        double d = Double.parseDouble(s.strip());
                        yield Double.isFinite(d) ? (Object) (long) d : fallback;
                    } catch (NumberFormatException e2) {
                        yield fallback;
                    }
                }
            }
            case null, default -> fallback;
        };
    }

    private static Object toFloat(Object v, Object fallback) {
        return switch (v) {
            case Long l -> (double) l;
            case Double d -> d;
            case Boolean b -> b ? 1.0 : 0.0;
            case String s -> {
                try {
                    yield Double.parseDouble(s.strip());
                } catch (NumberFormatException e) {
                    yield fallback;
                }
            }
            case null, default -> fallback;
        };
    }

    private static Object round(Object v, List<Object> args, Map<String, Object> kw) {
        long precision = Py.toLong(param(args, kw, 0, "precision", 0L));
        String method = Py.str(param(args, kw, 1, "method", "common"));
        double d = Py.toDouble(v), f = Math.pow(10, precision);
        if (!method.equals("common") && !method.equals("ceil") && !method.equals("floor")) {
            throw new TemplateError("method must be common, ceil or floor");
        }
        // Python's round(inf or nan, n) is the value itself; past +-400 digits every double rounds to itself or 0
        // (and BigDecimal.setScale would build numbers of that many digits). Python rounds the
        // exact binary value half to even (2.5 -> 2.0, 2.675 -> 2.67), not its shortest decimal form half up.
        if (!Double.isFinite(d)) return d;
        int digits = (int) Math.max(-400, Math.min(400, precision));
        return switch (method) {
            case "ceil" -> Math.ceil(d * f) / f;
            case "floor" -> Math.floor(d * f) / f;
            default -> new java.math.BigDecimal(d).setScale(digits, java.math.RoundingMode.HALF_EVEN).doubleValue();
        };
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;").replace("'", "&#39;");
    }

    private static String indent(String s, Object width, boolean first, boolean blank, RenderContext ctx) {
        String pad = width instanceof String w ? w : " ".repeat((int) Math.max(0, Math.min(Py.toLong(width), 1024)));
        List<Object> lines = PyStrings.splitLines(s, false);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = (String) lines.get(i);
            if (i > 0) sb.append('\n');
            if ((i > 0 || first) && (blank || !line.isEmpty())) sb.append(pad);
            sb.append(line);
            ctx.checkLength(sb.length());
        }
        if (s.endsWith("\n")) sb.append('\n');
        return sb.toString();
    }

    /** {@code "%s %d" | format(a, b)}: Python %-formatting of s, d, i, f (with precision) and %%. */
    private static String printf(String fmt, List<Object> args) {
        StringBuilder sb = new StringBuilder();
        int next = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) { sb.append(c); continue; }
            int j = i + 1;
            while (j < fmt.length() && ".0123456789".indexOf(fmt.charAt(j)) >= 0) j++;
            if (j >= fmt.length()) throw new TemplateError("incomplete format");
            char conv = fmt.charAt(j);
            String spec = fmt.substring(i + 1, j);
            if (conv == '%') { sb.append('%'); i = j; continue; }
            if (next >= args.size()) throw new TemplateError("not enough arguments for format string");
            Object a = args.get(next++);
            sb.append(switch (conv) {
                case 's' -> Py.str(a);
                case 'r' -> Py.repr(a);
                case 'd', 'i' -> Long.toString((long) Py.toDouble(a));
                case 'f' -> String.format(java.util.Locale.ROOT, "%" + (spec.isEmpty() ? ".6" : spec) + "f", Py.toDouble(a));
                default -> throw new TemplateError("unsupported format character '" + conv + "'");
            });
            i = j;
        }
        return sb.toString();
    }
}
