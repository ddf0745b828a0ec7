package dev.edgewise.engine.tools;

import dev.edgewise.engine.tokenizer.ChatTemplate.ToolCall;
import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.json.JsonParseException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the tool calls out of a model's output, in the two formats of the supported families, as
 * llama.cpp's common/chat.cpp does (its Hermes 2 Pro and DeepSeek R1 parsers):
 * <ul>
 *   <li><b>Qwen2.5, Qwen3, QwQ</b> (Hermes): {@code <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>},
 *       several in a row, text before and between them being content. As llama.cpp, the tags
 *       {@code <function_call> <tool> <tools> <response> <json> <xml> <JSON>} are accepted in place of
 *       {@code <tool_call>}, the block may sit in a {@code ```json} / {@code ```xml} fence, and
 *       {@code <function=NAME>{args}</function>} and {@code <function name="NAME">{args}</function>}
 *       are calls too. A bare {@code {"name": ...}} object without a tag is a call only when its name
 *       is one of the offered tools (llama.cpp gates it the same way, by its trigger pattern): JSON
 *       answers stay content.</li>
 *   <li><b>DeepSeek-R1</b>: {@code <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{...}\n```<｜tool▁call▁end｜>...<｜tool▁calls▁end｜>}
 *       (and the opener's spellings llama.cpp accepts).</li>
 * </ul>
 * {@code arguments} is kept as the JSON object (or as the string, if the model wrote a string);
 * an {@code "id"} the model wrote is kept, otherwise calls get {@code call_} plus 24 random letters
 * and digits from the given generator. Output that opens a call but does not complete it well
 * (bad JSON, no name, missing closing tag) is returned whole as content, as llama.cpp does for a
 * final message: never an exception.
 */
public final class ToolCallParser {
    static final String DS_CALLS_BEGIN = "<\uFF5Ctool\u2581calls\u2581begin\uFF5C>";
    static final String DS_CALLS_END = "<\uFF5Ctool\u2581calls\u2581end\uFF5C>";
    static final String DS_CALL_BEGIN = "<\uFF5Ctool\u2581call\u2581begin\uFF5C>";
    static final String DS_CALL_END = "<\uFF5Ctool\u2581call\u2581end\uFF5C>";
    static final String DS_SEP = "<\uFF5Ctool\u2581sep\uFF5C>";
    /** The block openers llama.cpp's DeepSeek-R1 parser accepts. */
    static final List<String> DS_OPENERS = List.of(DS_CALLS_BEGIN, "<\uFF5Ctool_calls_begin\uFF5C>", "<\uFF5Ctool calls begin\uFF5C>",
            "<\uFF5Ctool\\_calls\\_begin\uFF5C>", "<\uFF5Ctool\u2581calls\uFF5C>");
    /** The tags a Hermes-style call may open with. */
    static final List<String> HERMES_TAGS = List.of("<tool_call>", "<function_call>", "<tool>", "<tools>", "<response>", "<json>",
            "<xml>", "<JSON>");

    private static final Pattern HERMES_OPEN = Pattern.compile(
            "(```(?:xml|json)?\\n\\s*)?"                                              // 1: fence
            + "(" + String.join("|", HERMES_TAGS) + ")?"                               // 2: tag
            + "(\\s*\\{\\s*\"name\"\\s*:\\s*\"([^\"\\\\]*)\")"                          // 3: object, 4: its name
            + "|<function=([^>]+)>"                                                    // 5
            + "|<function name=\"([^\"]+)\">");                                        // 6
    private static final Pattern DS_OPEN = Pattern.compile(String.join("|", DS_OPENERS.stream().map(Pattern::quote).toList()));
    private static final Pattern DS_FUNCTION = Pattern.compile("(?:" + Pattern.quote(DS_CALL_BEGIN) + ")?function" + Pattern.quote(DS_SEP)
            + "([^\\n]+)\\n```json\\n");
    private static final Pattern DS_CLOSE = Pattern.compile("```\\s*" + Pattern.quote(DS_CALL_END));

    private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private ToolCallParser() {}

    /** Parses {@code text} with ids from a fresh random generator; bare JSON objects are content. */
    public static ParsedResponse parse(String text) {
        return parse(text, Set.of(), new SplittableRandom());
    }

    /**
     * Parses {@code text}, whichever of the two formats opens first.
     *
     * @param toolNames the offered tools' names: a bare {@code {"name": ...}} object naming one is a call
     * @param ids       where call ids come from (seeded for reproducible ids)
     */
    public static ParsedResponse parse(String text, Set<String> toolNames, RandomGenerator ids) {
        Matcher ds = DS_OPEN.matcher(text);
        int hermesAt = ToolCallStream.contentEnd(text, 0, toolNames, false);
        if (ds.find() && ds.start() <= hermesAt) {
            ParsedResponse r = parseDeepSeek(text, ds, ids);
            return r != null ? r : new ParsedResponse(text, List.of());
        }
        ParsedResponse r = parseHermes(text, toolNames, ids);
        return r != null ? r : new ParsedResponse(text, List.of());
    }

    /** A new call id: {@code call_} and 24 letters and digits. */
    public static String newId(RandomGenerator ids) {
        StringBuilder sb = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) sb.append(ID_CHARS.charAt(ids.nextInt(ID_CHARS.length())));
        return sb.toString();
    }

    /** The Hermes calls of {@code text}, or null if one is malformed. */
    private static ParsedResponse parseHermes(String text, Set<String> toolNames, RandomGenerator ids) {
        StringBuilder content = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        Matcher m = HERMES_OPEN.matcher(text);
        int pos = 0, from = 0;
        try {
            while (from < text.length() && m.find(from)) {
                boolean object = m.group(3) != null, tagged = m.group(2) != null;
                if (object && !tagged && !toolNames.contains(m.group(4))) { // a bare JSON object naming no tool: content
                    from = m.start() + 1;
                    continue;
                }
                content.append(text, pos, m.start());
                int p;
                String close;
                ToolCall call;
                if (object) {
                    Json.Prefix json = Json.parsePrefix(text, m.start(3));
                    if (!(json.value() instanceof Map<?, ?> o) || !(o.get("name") instanceof String name) || name.isEmpty()) return null;
                    Object args = arguments(o.containsKey("arguments"), o.get("arguments"));
                    if (args == null) return null;
                    String id = o.get("id") instanceof String s && !s.isEmpty() ? s : newId(ids);
                    call = new ToolCall(id, name, args);
                    p = json.end();
                    close = tagged ? "</" + m.group(2).substring(1) : "";
                } else {
                    String name = m.group(5) != null ? m.group(5) : m.group(6);
                    Json.Prefix json = Json.parsePrefix(text, m.end());
                    Object args = arguments(true, json.value());
                    if (args == null) return null;
                    call = new ToolCall(newId(ids), name, args);
                    p = json.end();
                    close = "</function>";
                }
                p = skipSpaces(text, p);
                if (!text.startsWith(close, p)) return null;
                p = skipSpaces(text, p + close.length());
                if (m.group(1) != null) {
                    if (!text.startsWith("```", p)) return null;
                    p = skipSpaces(text, p + 3);
                }
                calls.add(call);
                pos = from = p;
            }
        } catch (JsonParseException e) {
            return null;
        }
        content.append(text, pos, text.length());
        return new ParsedResponse(content.toString(), calls);
    }

    /** The DeepSeek-R1 calls of {@code text}, whose block opens where {@code open} matched; null if malformed. */
    private static ParsedResponse parseDeepSeek(String text, Matcher open, RandomGenerator ids) {
        StringBuilder content = new StringBuilder(text.substring(0, open.start()));
        List<ToolCall> calls = new ArrayList<>();
        int pos = open.end();
        Matcher f = DS_FUNCTION.matcher(text);
        try {
            while (pos < text.length() && f.find(pos)) {
                content.append(text, pos, f.start());
                Json.Prefix json = Json.parsePrefix(text, f.end());
                Object args = arguments(true, json.value());
                if (args == null) return null;
                Matcher close = DS_CLOSE.matcher(text).region(skipSpaces(text, json.end()), text.length());
                if (!close.lookingAt()) return null;
                calls.add(new ToolCall(newId(ids), f.group(1), args));
                pos = close.end();
            }
        } catch (JsonParseException e) {
            return null;
        }
        if (calls.isEmpty()) return null;
        int end = skipSpaces(text, pos);
        if (!text.startsWith(DS_CALLS_END, end)) return null;
        content.append(text, skipSpaces(text, end + DS_CALLS_END.length()), text.length());
        return new ParsedResponse(content.toString(), calls);
    }

    /** A call's arguments: an object, or a string kept as written; absent means none; anything else is malformed (null). */
    private static Object arguments(boolean present, Object value) {
        if (!present) return Map.of();
        return value instanceof Map<?, ?> || value instanceof String ? value : null;
    }

    static int skipSpaces(String s, int p) {
        while (p < s.length() && isSpace(s.charAt(p))) p++;
        return p;
    }

    static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
