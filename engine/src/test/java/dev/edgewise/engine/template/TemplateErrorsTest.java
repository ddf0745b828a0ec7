package dev.edgewise.engine.template;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Malformed and hostile templates end with one clear line (template name, line, message), bounded in time and memory. */
class TemplateErrorsTest {
    private static final LocalDateTime NOW = LocalDateTime.of(2024, 7, 26, 0, 0);

    private static String render(String source, Map<String, ?> vars) {
        return JinjaTemplate.compile("bad.jinja", source).render(vars, NOW, Limits.DEFAULT);
    }

    private static TemplateException failure(String source) {
        try {
            render(source, Map.of("messages", List.of()));
        } catch (TemplateException e) {
            assertThat(e.getMessage()).startsWith("template bad.jinja").doesNotContain("\n");
            return e;
        }
        throw new AssertionError("no error for " + source);
    }

    @Test
    void syntaxErrorsNameTheLine() {
        assertThat(failure("line one\n{% for m in messages %}\n{{ m }}\n").getMessage())
                .isEqualTo("template bad.jinja, line 3: unexpected end of template, expected 'else' or 'endfor' to close the 'for' block");
        assertThat(failure("a\nb\n{{ x + }}").line()).isEqualTo(3);
        assertThat(failure("{% if x %}\n{% endfor %}").getMessage()).contains("line 2").contains("unknown tag 'endfor'");
        assertThat(failure("{{ x|nosuchfilter }}").getMessage()).isEqualTo("template bad.jinja, line 1: no filter named 'nosuchfilter'");
        assertThat(failure("\n\n{{ 'unterminated }}").getMessage()).contains("line 3").contains("unterminated string");
        assertThat(failure("{% include 'x' %}").getMessage()).contains("not supported");
        assertThat(failure("{# open comment").getMessage()).contains("missing end of comment tag");
    }

    @Test
    void runtimeErrorsNameTheLine() {
        TemplateException e = failure("ok\n{{ messages[0].content.upper() }}");
        assertThat(e.getMessage()).isEqualTo("template bad.jinja, line 2: list object has no element 0");
        assertThat(failure("{{ 'a' + 1 }}").detail()).isEqualTo("can only concatenate str (not \"int\") to str");
        assertThat(failure("{{ undefined_name.attr }}").detail()).isEqualTo("'undefined_name' is undefined");
        assertThat(failure("{% for x in none %}{% endfor %}").detail()).isEqualTo("'NoneType' object is not iterable");
        assertThat(failure("{{ messages.append(1) }}").detail()).isEqualTo("access to attribute 'append' of 'list' object is unsafe");
        assertThat(failure("{% set x = 1 %}{% set x.y = 2 %}").detail()).isEqualTo("cannot assign attribute on non-namespace object");
    }

    @Test
    void numbersPast64BitsAreErrorsNotCrashes() { // found by fuzzing (TemplateFuzzTest)
        assertThat(failure("{{ messages.77777777777777777777777 }}").detail()).isEqualTo("integer literal too large: 77777777777777777777777");
        assertThat(failure("{{ '{99999999999999}'.format(1) }}").detail())
                .isEqualTo("Replacement index 99999999999999 out of range for positional args tuple");
        assertThat(render("{{ ms | map(attribute='99999999999999999999999') | list }}", Map.of("ms", List.of(List.of(1L))))).isEqualTo("[Undefined]");
        assertThat(render("{{ 000.0\u06f00 }}|{{ \u0663 + 1 }}", Map.of())).isEqualTo("0.0|4"); // Unicode digits, as Python reads them
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        TemplateException e = failure("{% if messages|length == 0 %}\n{{ raise_exception('Conversation roles must alternate') }}{% endif %}");
        assertThat(e.raisedByTemplate()).isTrue();
        assertThat(e.detail()).isEqualTo("Conversation roles must alternate");
        assertThat(e.getMessage()).isEqualTo("template bad.jinja, line 2: Conversation roles must alternate");
    }

    @Test
    @Timeout(10)
    void infiniteRecursionIsCutOff() {
        assertThat(failure("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").detail())
                .isEqualTo("macro calls nested deeper than 64 (infinite recursion?)");
    }

    @Test
    @Timeout(10)
    void hugeOutputIsCutOff() {
        assertThat(failure("{% for i in range(100000) %}{% for j in range(100000) %}xxxxxxxxxxxxxxxx{% endfor %}{% endfor %}").detail())
                .isEqualTo("output of more than 8388608 characters");
        assertThat(failure("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}").detail())
                .isEqualTo("string of more than 8388608 characters");
        assertThat(failure("{{ 'x' * 1000000000 }}").detail()).isEqualTo("string of more than 8388608 characters");
    }

    @Test
    @Timeout(60)
    void hugeLoopsAreCutOff() {
        // the default iteration bound, with a time bound a loaded machine does not reach first (it did at load 16)
        Limits iterations = new Limits(8 << 20, Limits.DEFAULT.maxIterations(), 64, 50_000_000_000L);
        assertThatThrownBy(() -> JinjaTemplate.compile("bad.jinja", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
                .render(Map.of(), NOW, iterations)).isInstanceOf(TemplateException.class).hasMessageEndingWith("more than 1000000 loop iterations");
        assertThat(failure("{{ range(1000000000)|length }}").detail())
                .isEqualTo("range too big, the sandbox blocks ranges larger than 100000");
    }

    @Test
    @Timeout(10)
    void timeIsBounded() {
        Limits quick = new Limits(8 << 20, Long.MAX_VALUE, 64, 200_000_000L);
        long start = System.nanoTime();
        assertThatThrownBy(() -> JinjaTemplate.compile("slow.jinja", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
                .render(Map.of(), NOW, quick)).isInstanceOf(TemplateException.class).hasMessage("template slow.jinja, line 1: rendering took longer than 200 ms");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);
    }

    @Test
    @Timeout(10)
    void deepNestingIsASyntaxErrorNotAStackOverflow() {
        // the lexer's line count of an unclosed tag and 5000 nested parentheses
        assertThat(failure("{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}").detail()).contains("nested deeper than");
        assertThat(failure("{{ " + "not ".repeat(5000) + "1 }}").detail()).contains("nested deeper than");
        assertThat(failure("{% if 1 %}".repeat(1000)).detail()).contains("nested deeper than");
    }
}
