package dev.edgewise.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a chat request is rendered into a prompt, beyond its messages.
 *
 * @param template     Jinja source that replaces the model's own chat template, or null for the model's
 * @param templateName names {@code template} in error messages (a file name)
 * @param kwargs       extra template variables ({@code enable_thinking}, ...): JSON-like values; names
 *                     not given are undefined in the template
 * @param tools        tool definitions as JSON values ({@code {"type":"function","function":{...}}}), or
 *                     null (None in the template)
 */
public record ChatOptions(String template, String templateName, Map<String, Object> kwargs, List<Object> tools) {
    public static final ChatOptions DEFAULT = new ChatOptions(null, null, Map.of(), null);

    public ChatOptions {
        if (templateName == null) templateName = "chat template";
        kwargs = kwargs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(kwargs));
        tools = tools == null ? null : Collections.unmodifiableList(new ArrayList<>(tools));
    }

    public ChatOptions withTemplate(String name, String source) {
        return new ChatOptions(source, name, kwargs, tools);
    }

    public ChatOptions withKwargs(Map<String, ?> kw) {
        return new ChatOptions(template, templateName, kw == null ? null : new LinkedHashMap<>(kw), tools);
    }

    public ChatOptions withTools(List<?> t) {
        return new ChatOptions(template, templateName, kwargs, t == null ? null : new ArrayList<>(t));
    }
}
