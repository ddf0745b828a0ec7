package dev.edgewise.engine.template;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A compiled Jinja2 template, rendered as Hugging Face transformers renders chat templates
 * ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with loop controls, its
 * {@code tojson}, {@code raise_exception} and {@code strftime_now}), with Python's semantics for values.
 * It implements the subset of Jinja that chat templates use; see the package documentation.
 *
 * <p>Thread-safe: a compiled template is immutable, each render has its own state.
 */
public final class JinjaTemplate {
    private final String name;
    private final String source;
    private final List<Node> body;

    private JinjaTemplate(String name, String source, List<Node> body) {
        this.name = name;
        this.source = source;
        this.body = body;
    }

    /**
     * Parses {@code source}.
     *
     * @param name names the template in error messages (a file name, "tokenizer.chat_template")
     * @throws TemplateException on a syntax error, naming the line
     */
    public static JinjaTemplate compile(String name, String source) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        try {
            return new JinjaTemplate(name, source, Parser.parse(source));
        } catch (TemplateError e) {
            throw new TemplateException(name, e.line, e.getMessage(), false);
        } catch (StackOverflowError e) {
            throw new TemplateException(name, 0, "template nested too deeply", false);
        }
    }

    public String name() {
        return name;
    }

    public String source() {
        return source;
    }

    /** Renders with the current local time for {@code strftime_now} and {@link Limits#DEFAULT}. */
    public String render(Map<String, ?> variables) {
        return render(variables, LocalDateTime.now(), Limits.DEFAULT);
    }

    /**
     * Renders the template.
     *
     * @param variables template variables: null, Boolean, Integer/Long, Float/Double, String, List, Map with
     *                  String keys (insertion order is kept), nested freely; a name not given is undefined
     * @param now       what {@code strftime_now} formats
     * @param limits    bounds on output, iterations, macro nesting and time
     * @throws TemplateException for a runtime error, {@code raise_exception}, or a limit exceeded
     * @throws IllegalArgumentException if a variable holds a Java type with no Python counterpart
     */
    public String render(Map<String, ?> variables, LocalDateTime now, Limits limits) {
        Scope globals = Globals.scope(now);
        Scope vars = new Scope(globals);
        variables.forEach((k, v) -> vars.set(k, toPython(v, 0)));
        Scope top = new Scope(vars);
        try {
            return new Renderer(new RenderContext(limits)).render(body, top);
        } catch (TemplateError e) {
            throw new TemplateException(name, e.line, e.getMessage(), e.raised);
        } catch (StackOverflowError e) {
            throw new TemplateException(name, 0, "recursion too deep", false);
        }
    }

    /** Java values as the interpreter's data model (ints as Long, floats as Double, ordered maps). */
    private static Object toPython(Object v, int depth) {
        if (depth > 512) throw new IllegalArgumentException("template variable nested deeper than 512 levels");
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case Double d -> d;
            case Float f -> Double.parseDouble(Float.toString(f));
            case Character c -> c.toString();
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                for (Object o : l) out.add(toPython(o, depth + 1));
                yield java.util.Collections.unmodifiableList(out);
            }
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.put(toPython(e.getKey(), depth + 1), toPython(e.getValue(), depth + 1));
                yield java.util.Collections.unmodifiableMap(out);
            }
            default -> throw new IllegalArgumentException("template variables cannot hold a " + v.getClass().getName());
        };
    }
}
