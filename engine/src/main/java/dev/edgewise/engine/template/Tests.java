package dev.edgewise.engine.template;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Jinja's built-in tests ({@code x is defined}, {@code x is string}, {@code x is divisibleby 3}, ...). */
final class Tests {
    private static final Set<String> NAMES = Set.of("defined", "undefined", "none", "boolean", "false", "true", "integer",
            "float", "number", "string", "mapping", "iterable", "sequence", "callable", "sameas", "escaped", "in", "eq",
            "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "odd",
            "even", "divisibleby", "lower", "upper", "filter", "test");

    private Tests() {}

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    static boolean apply(String name, Object v, List<Object> args) {
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "boolean" -> v instanceof Boolean;
            case "false" -> Boolean.FALSE.equals(v);
            case "true" -> Boolean.TRUE.equals(v);
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "number" -> v instanceof Long || v instanceof Double || v instanceof Boolean;
            case "string" -> v instanceof String;
            case "mapping" -> v instanceof Map<?, ?>;
            case "iterable" -> v instanceof List<?> || v instanceof Map<?, ?> || v instanceof String || v instanceof Undefined;
            case "sequence" -> v instanceof List<?> || v instanceof Map<?, ?> || v instanceof String;
            case "callable" -> v instanceof PyCallable;
            case "sameas" -> v == arg(args, name) || (v != null && v.equals(arg(args, name)) && !(v instanceof List<?>));
            case "escaped" -> false;
            case "in" -> Py.contains(arg(args, name), v);
            case "eq", "equalto", "==" -> Py.eq(v, arg(args, name));
            case "ne", "!=" -> !Py.eq(v, arg(args, name));
            case "lt", "lessthan", "<" -> Py.compare(v, arg(args, name), "<") < 0;
            case "le", "<=" -> Py.compare(v, arg(args, name), "<=") <= 0;
            case "gt", "greaterthan", ">" -> Py.compare(v, arg(args, name), ">") > 0;
            case "ge", ">=" -> Py.compare(v, arg(args, name), ">=") >= 0;
            case "odd" -> Math.floorMod(Py.toLong(v), 2) == 1;
            case "even" -> Math.floorMod(Py.toLong(v), 2) == 0;
            case "divisibleby" -> {
                long d = Py.toLong(arg(args, name));
                if (d == 0) throw new TemplateError("integer modulo by zero");
                yield Math.floorMod(Py.toLong(v), d) == 0;
            }
            case "lower" -> v instanceof String s && s.equals(s.toLowerCase(java.util.Locale.ROOT));
            case "upper" -> v instanceof String s && s.equals(s.toUpperCase(java.util.Locale.ROOT));
            case "filter" -> v instanceof String s && Filters.exists(s);
            case "test" -> v instanceof String s && exists(s);
            default -> throw new TemplateError("no test named '" + name + "'");
        };
    }

    private static Object arg(List<Object> args, String test) {
        if (args.isEmpty()) throw new TemplateError("the '" + test + "' test needs an argument");
        return args.getFirst();
    }
}
