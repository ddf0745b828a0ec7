package dev.edgewise.engine.template;

import dev.edgewise.loader.json.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.LocalDateTime;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Python/Jinja semantics that chat templates depend on: whitespace control, tojson, str() of values,
 * undefined vs None, string methods and slices in code points, Unicode whitespace, filter precedence,
 * scoping, loops, dict access, filters, macros, tests, strftime_now, and the constructs of other families'
 * templates (Llama 3.x, Mistral, Gemma, Phi, GLM, Command-R styles, written here). Each expected string is what
 * Jinja2 3.1.6 renders in transformers' environment (the oracle the fixtures were made with).
 */
class TemplateSemanticsTest {
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("{% if true %}\n  yes\n{% endif %}\n  {% if true %}x{% endif %}\n",
                        "{}",
                        "  yes\nx"),
                Arguments.of("a  {%- if true -%}  b  {%- endif -%}  c",
                        "{}",
                        "abc"),
                Arguments.of("  {{ 'v' }}\n{# c #}\nz\n",
                        "{}",
                        "  v\nz"),
                Arguments.of("x\n    {%+ if true %}k{% endif +%}\ny",
                        "{}",
                        "x\n    k\ny"),
                Arguments.of("line\n",
                        "{}",
                        "line"),
                Arguments.of("{{ v|tojson }}",
                        "{\"v\": {\"b\": [1, 2.0, 1e+20, 1e-07, 12.5, true, null], \"a\": \"\u00e9\u2028\\\"\\\\/\\n\\t\\u0001<>&'\"}}",
                        "{\"b\": [1, 2.0, 1e+20, 1e-07, 12.5, true, null], \"a\": \"\u00e9\u2028\\\"\\\\/\\n\\t\\u0001<>&'\"}"),
                Arguments.of("{{ v|tojson(indent=2) }}",
                        "{\"v\": {\"a\": [], \"b\": {}, \"c\": [1, {\"d\": \"x\"}]}}",
                        "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": \"x\"\n    }\n  ]\n}"),
                Arguments.of("{{ 'x'|tojson }}{{ 3|tojson }}{{ 0.1|tojson }}{{ (1/3)|tojson }}{{ 100000000000000000.0|tojson }}",
                        "{}",
                        "\"x\"30.10.33333333333333331e+17"),
                Arguments.of("{{ none }}|{{ 1.0 }}|{{ 2 / 4 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ -7 % 3 }}|{{ 2 ** 10 }}|{{ true }}|{{ [1, 'a', none] }}|{{ {'k': 1.5} }}",
                        "{}",
                        "None|1.0|0.5|3|-4|2|1024|True|[1, 'a', None]|{'k': 1.5}"),
                Arguments.of("{{ x }}|{{ x is defined }}|{{ y is defined }}|{{ y is none }}|{{ x|default('d') }}|{{ y|default('d') }}|{{ (x or 'o') }}",
                        "{\"y\": null}",
                        "|False|True|True|d|None|o"),
                Arguments.of("[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}][{{ s|trim }}][{{ z.strip() }}]",
                        "{\"s\": \"\u00a0\u3000 hi \u2028\u0085\", \"z\": \"\u200bx\u200b\"}",
                        "[hi][hi \u2028\u0085][\u00a0\u3000 hi][hi][\u200bx\u200b]"),
                Arguments.of("{{ s.split() }}|{{ s.split(',') }}|{{ s.split(',', 1) }}|{{ s.rsplit(',', 1) }}|{{ s[::-1] }}|{{ s[1:3] }}|{{ s[-1] }}|{{ s|length }}",
                        "{\"s\": \" a,b  ,c\ud83d\ude00 \"}",
                        "['a,b', ',c\ud83d\ude00']|[' a', 'b  ', 'c\ud83d\ude00 ']|[' a', 'b  ,c\ud83d\ude00 ']|[' a,b  ', 'c\ud83d\ude00 ']| \ud83d\ude00c,  b,a |a,| |10"),
                Arguments.of("{{ s.startswith('ab') }}{{ s.endswith(('x', 'cd')) }}{{ s.upper() }}{{ s.title() }}{{ s.capitalize() }}{{ s.replace('b', 'B') }}{{ s.find('c') }}{{ s.count('c') }}|{{ 'ab' in s }}{{ 'zz' not in s }}",
                        "{\"s\": \"abcd-cd they're\"}",
                        "TrueFalseABCD-CD THEY'REAbcd-Cd They'ReAbcd-cd they'reaBcd-cd they're22|TrueTrue"),
                Arguments.of("{{ '%s-%d'|format('a', 3) }}{{ 'x'|upper }}{{ 'AbC'|lower }}{{ 'a b'|title }}{{ ['a','b']|join(', ') }}{{ 'x' ~ 1 ~ none }}",
                        "{}",
                        "a-3XabcA Ba, bx1None"),
                Arguments.of("{{ 'a' + v|tojson + 'b' }}|{{ v|length - 1 }}|{{ -(v|length) }}|{{ not v is defined }}|{{ 1 + 2 * 3 ** 2 }}|{{ 1 < 2 < 3 }}|{{ 3 if v else 4 }}|{{ 'x' if false }}",
                        "{\"v\": [1, 2]}",
                        "a[1, 2]b|1|-2|False|19|True|3|"),
                Arguments.of("{% set x = 1 %}{% for i in range(3) %}{{ x }}{% set x = i + 10 %}{{ x }},{% endfor %}{{ x }}",
                        "{}",
                        "110,111,112,1"),
                Arguments.of("{% set ns = namespace(n=0, s='') %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}",
                        "{}",
                        "6"),
                Arguments.of("{% set add_generation_prompt = false %}{{ add_generation_prompt }}",
                        "{\"add_generation_prompt\": true}",
                        "False"),
                Arguments.of("{% if true %}{% set y = 5 %}{% endif %}{{ y }}",
                        "{}",
                        "5"),
                Arguments.of("{% for m in ms %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.cycle('a','b') }};{% endfor %}",
                        "{\"ms\": [\"x\", \"y\", \"z\"]}",
                        "10TrueFalse33a;21FalseFalse32b;32FalseTrue31a;"),
                Arguments.of("{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}",
                        "{}",
                        "0134"),
                Arguments.of("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}{% for x in [] %}a{% else %}empty{% endfor %}",
                        "{\"d\": {\"b\": 1, \"a\": 2}}",
                        "b=1;a=2;baempty"),
                Arguments.of("{% for m in ms if m.role != 'system' %}{{ m.role }}{{ loop.index }}{% endfor %}",
                        "{\"ms\": [{\"role\": \"system\"}, {\"role\": \"user\"}, {\"role\": \"assistant\"}]}",
                        "user1assistant2"),
                Arguments.of("{{ d.items()|list }}|{{ d['items'] }}|{{ d.get('x', 'dflt') }}|{{ d.missing }}|{{ d['k'] }}|{{ 'k' in d }}",
                        "{\"d\": {\"k\": \"v\", \"items\": \"I\"}}",
                        "[('k', 'v'), ('items', 'I')]|I|dflt||v|True"),
                Arguments.of("{{ ms|selectattr('role', 'equalto', 'user')|list|length }}|{{ ms|map(attribute='role')|join(',') }}|{{ ms|rejectattr('role', 'eq', 'user')|map(attribute='role')|list }}|{{ [3,1,2]|sort }}|{{ [1,2,2,1]|unique|list }}|{{ ms|first }}|{{ ms|last }}",
                        "{\"ms\": [{\"role\": \"user\"}, {\"role\": \"tool\"}, {\"role\": \"user\"}]}",
                        "2|user,tool,user|['tool']|[1, 2, 3]|[1, 2]|{'role': 'user'}|{'role': 'user'}"),
                Arguments.of("{{ 'a\\nb'|indent(2) }}|{{ 3.7|int }}|{{ '4'|int + 1 }}|{{ 2|float }}|{{ 2.567|round(1) }}|{{ -3|abs }}|{{ [1,2,3]|sum }}|{{ [1,5,2]|max }}|{{ {'b':1,'a':2}|dictsort }}|{{ 'abc'|reverse }}|{{ [1,2]|reverse|list }}",
                        "{}",
                        "a\n  b|3|5|2.0|2.6|3|6|5|[('a', 2), ('b', 1)]|cba|[2, 1]"),
                Arguments.of("{{ 2.5|round }}|{{ 2.675|round(2) }}|{{ 0.125|round(2) }}|{{ (1e308 * 10)|round }}|{{ 2.5|round(2000000000) }}|{{ 25.0|round(-2000000000) }}|{{ 2.51|round(1, 'floor') }}",
                        "{}",
                        "2.0|2.67|0.12|inf|2.5|0.0|2.5"),
                Arguments.of("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(name='C') }}",
                        "{}",
                        "Hi A! Hi B? Hi C!"),
                Arguments.of("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(5) }}",
                        "{}",
                        "54321"),
                Arguments.of("{{ 1 is integer }}{{ 1.0 is float }}{{ 'a' is string }}{{ {} is mapping }}{{ [] is iterable }}{{ 'a' is iterable }}{{ none is none }}{{ false is false }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 2 is in [1,2] }}{{ x is undefined }}",
                        "{}",
                        "TrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrue"),
                Arguments.of("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M %A %B %j') }}",
                        "{}",
                        "26 Jul 2024|2024-07-26 00:00 Friday July 208"),
                Arguments.of("{% set x %}inner {{ 1 + 1 }}{% endset %}[{{ x }}]{% filter upper %}shout{% endfilter %}",
                        "{}",
                        "[inner 2]SHOUT"),
                Arguments.of("{{ 0.1 + 0.2 }}|{{ 1e16 }}|{{ 123456789.0 * 10 }}|{{ 1/0.0001 }}|{{ 2.0 ** 0.5 }}|{{ 1e-5 }}|{{ -0.0 }}",
                        "{}",
                        "0.30000000000000004|1e+16|1234567890.0|10000.0|1.4142135623730951|1e-05|-0.0"),
                Arguments.of("{{- bos_token }}{%- set date_string = strftime_now('%d %b %Y') %}{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content']|trim %}{%- set messages = messages[1:] %}{%- else %}{%- set system_message = '' %}{%- endif %}<|start_header_id|>system<|end_header_id|>\n\nToday Date: {{ date_string }}\n{% if tools is not none %}{%- for t in tools %}{{- t|tojson(indent=4) }}\n\n{%- endfor %}{% endif %}{{ system_message }}<|eot_id|>{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif %}",
                        "{\"bos_token\": \"<|begin_of_text|>\", \"add_generation_prompt\": true, \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\", \"properties\": {}}}}], \"messages\": [{\"role\": \"system\", \"content\": \"  Be brief.\\n\"}, {\"role\": \"user\", \"content\": \" Hi \"}]}",
                        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nToday Date: 26 Jul 2024\n{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"f\",\n        \"parameters\": {\n            \"type\": \"object\",\n            \"properties\": {}\n        }\n    }\n}Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
                Arguments.of("{%- for message in messages %}{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{- raise_exception('roles must alternate') }}{%- endif %}{%- if message['role'] == 'user' %}{{- '[INST] ' + message['content'] + ' [/INST]' }}{%- elif message['role'] == 'assistant' %}{{- ' ' + message['content']|trim + eos_token }}{%- endif %}{%- endfor %}{{ (messages|selectattr('role', 'equalto', 'user')|list)[-1].content }}|{{ 'call_abcdefghijk'[-9:] }}",
                        "{\"eos_token\": \"</s>\", \"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \" b \\n\"}, {\"role\": \"user\", \"content\": \"c\"}]}",
                        "[INST] a [/INST] b</s>[INST] c [/INST]c|cdefghijk"),
                Arguments.of("{%- set loop_messages = messages[1:] if messages[0]['role'] == 'system' else messages %}{%- for message in loop_messages %}{%- if message['role'] == 'assistant' %}{%- set role = 'model' %}{%- else %}{%- set role = message['role'] %}{%- endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{%- endfor %}{%- if add_generation_prompt %}{{'<start_of_turn>model\n'}}{%- endif %}",
                        "{\"add_generation_prompt\": true, \"messages\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}",
                        "<start_of_turn>user\nu<end_of_turn>\n<start_of_turn>model\na<end_of_turn>\n<start_of_turn>model\n"),
                Arguments.of("{% for message in messages %}{{ '<|' + message['role'] + '|>' }}{% if message.content %}{{ message['content'] }}{% endif %}{% for tc in message.tool_calls %}{{ '<|tool_call|>' + (tc['function'] | tojson) + '<|/tool_call|>' }}{% endfor %}{{ '<|end|>' }}{% endfor %}",
                        "{\"messages\": [{\"role\": \"user\", \"content\": \"u\"}, {\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": {\"x\": 1.0}}}]}]}",
                        "<|user|>u<|end|><|assistant|><|tool_call|>{\"name\": \"f\", \"arguments\": {\"x\": 1.0}}<|/tool_call|><|end|>"),
                Arguments.of("{%- macro visible_text(content) -%}{%- if content is string -%}{{- content }}{%- elif content is iterable and content is not mapping -%}{%- for item in content -%}{%- if item is mapping and item.type == 'text' -%}{{- item.text }}{%- elif item is string -%}{{- item }}{%- endif -%}{%- endfor -%}{%- else -%}{{- content }}{%- endif -%}{%- endmacro -%}{% for m in messages %}[{{ visible_text(m.content) }}]{{ '/nothink' if (enable_thinking is defined and not enable_thinking) else '' }}{% for k, v in (m.args or {}).items() %}<{{ k }}={{ v | tojson if v is not string else v }}>{% endfor %}{% endfor %}",
                        "{\"enable_thinking\": false, \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"a\"}, \"b\", {\"type\": \"image\"}]}, {\"role\": \"user\", \"content\": \"c\", \"args\": {\"s\": \"x\", \"n\": [1, null]}}, {\"role\": \"user\", \"content\": null}]}",
                        "[ab]/nothink[c]/nothink<s=x><n=[1, null]>[None]/nothink"),
                Arguments.of("{% macro tool_def(t, indent=2) %}{{ ' ' * indent }}{{ t.name }}({% for p, spec in t.params.items() %}{{ p }}: {{ spec.type }}{{ ', ' if not loop.last }}{% endfor %}){% endmacro %}{% set ns = namespace(found=false) %}{% for t in tools %}{{ tool_def(t) }}\n{% if t.name == 'b' %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}|{{ tools|map(attribute='name')|join('+') }}|{{ (tools|length) * 2 }}|{{ tools[0].params|dictsort|first }}",
                        "{\"tools\": [{\"name\": \"a\", \"params\": {\"y\": {\"type\": \"int\"}, \"x\": {\"type\": \"str\"}}}, {\"name\": \"b\", \"params\": {}}]}",
                        "  a(y: int, x: str)\n  b()\nTrue|a+b|4|('x', {'type': 'str'})"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rendersAsJinja2(String template, String variables, String expected) {
        @SuppressWarnings("unchecked")
        Map<String, Object> vars = (Map<String, Object>) Json.parse(variables);
        String out = JinjaTemplate.compile("t", template).render(vars, LocalDateTime.of(2024, 7, 26, 0, 0), Limits.DEFAULT);
        assertThat(out).isEqualTo(expected);
    }
}
