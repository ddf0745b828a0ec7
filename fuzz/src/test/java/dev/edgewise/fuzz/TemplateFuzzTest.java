package dev.edgewise.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.edgewise.engine.template.JinjaTemplate;
import dev.edgewise.engine.template.Limits;
import dev.edgewise.engine.template.TemplateException;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The chat-template interpreter ({@code dev.edgewise.engine.template}): an arbitrary template text (the
 * rest of the input) rendered over messages, tools and keyword arguments chosen by the input's control
 * bytes (roles, string/list/null contents, tool calls, reasoning, nested values of every Python type).
 * Invariant: it compiles and renders, or it is refused with a {@link TemplateException} whose message is
 * {@code template NAME[, line N]: detail} (detail empty only for the template's own {@code raise_exception('')});
 * never another exception or {@code Error}. The render is bounded
 * by {@link #LIMITS} (lower than {@link Limits#DEFAULT} so that a hostile input costs the fuzzer little):
 * the output never exceeds their character bound and a render ends within their time bound, well under
 * the per-input timeout {@code fuzz.sh} gives Jazzer (a hang past it is a finding).
 */
class TemplateFuzzTest {
    /** 256 K characters, 100 K iterations, 64 nested macro calls, 1 second. */
    static final Limits LIMITS = new Limits(256 << 10, 100_000, 64, 1_000_000_000L);
    private static final LocalDateTime NOW = LocalDateTime.of(2025, 3, 1, 12, 0);
    private static final Pattern MESSAGE = Pattern.compile("template fuzz(, line [1-9][0-9]*)?: .*", Pattern.DOTALL);

    private static final List<String> ROLES = List.of("system", "user", "assistant", "tool", "developer", "");
    private static final List<Object> VALUES = Arrays.asList(
            "", "Hello", "<|im_start|>user\n{{ 1 }}<|im_end|>", "<think>\nwhy\n</think>\n\nbecause", "é✓😀\u0000\n",
            "{\"a\": [1, 2]}", null, true, false, 0L, -1L, 9_223_372_036_854_775_807L, 2.5, Double.NaN, 1e308,
            List.of(), List.of(Map.of("type", "text", "text", "part")), List.of(1L, "two", List.of(3L)),
            Map.of(), Map.of("name", "get_weather", "arguments", Map.of("city", "Paris")));
    private static final List<String> KWARG_NAMES = List.of("enable_thinking", "documents", "custom_instructions", "date_string",
            "tools_in_user_message", "loop", "ns", "range", "messages", "raise_exception");

    @FuzzTest(maxDuration = "30s")
    void render(FuzzedDataProvider in) {
        Map<String, Object> vars = new LinkedHashMap<>();
        int n = in.consumeInt(0, 5);
        List<Object> messages = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", in.pickValue(ROLES));
            m.put("content", in.pickValue(VALUES));
            if (in.consumeBoolean()) m.put("reasoning_content", in.pickValue(VALUES));
            if (in.consumeBoolean()) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", "get_weather");
                function.put("arguments", in.pickValue(VALUES)); // any value, null included
                m.put("tool_calls", List.of(Map.of("type", "function", "id", "call_1", "function", function)));
            }
            messages.add(m);
        }
        vars.put("messages", messages);
        vars.put("add_generation_prompt", in.consumeBoolean());
        vars.put("bos_token", "<|endoftext|>");
        vars.put("eos_token", "<|im_end|>");
        if (in.consumeBoolean()) {
            vars.put("tools", List.of(Map.of("type", "function", "function", Map.of("name", "get_weather",
                    "description", "Weather \"now\"", "parameters", Map.of("type", "object", "properties", Map.of())))));
        }
        if (in.consumeBoolean()) vars.put(in.pickValue(KWARG_NAMES), in.pickValue(VALUES));
        String source = in.consumeRemainingAsString();
        try {
            String out = JinjaTemplate.compile("fuzz", source).render(vars, NOW, LIMITS);
            if (out.length() > LIMITS.maxOutputChars()) {
                throw new AssertionError("rendered " + out.length() + " characters, over the bound " + LIMITS.maxOutputChars());
            }
        } catch (TemplateException e) {
            // raise_exception('') is the template's own (empty) message; every other error says what went wrong
            if (e.getMessage() == null || !MESSAGE.matcher(e.getMessage()).matches() || (e.detail().isBlank() && !e.raisedByTemplate())) {
                throw new AssertionError("template error without 'template NAME, line N: detail': " + e.getMessage(), e);
            }
        }
    }
}
