package dev.edgewise.cli;

import dev.edgewise.engine.template.TemplateException;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.json.JsonParseException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code edgewise template}: renders many conversations with a chat template, for inspection and tooling.
 * Each input line is a JSON object in the shape of the fixtures' cases ({@code messages}, {@code tools},
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, {@code kwargs}); each output line is
 * {@code {"rendered": "..."}} or {@code {"error": "..."}}, in input order.
 */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = {"Render conversations with a chat template: JSON Lines in, JSON Lines out.",
                "Input line: {\"messages\": [...], \"tools\": [...]|null, \"add_generation_prompt\": bool, "
                        + "\"bos_token\": str, \"eos_token\": str, \"kwargs\": {...}} (all but messages optional).",
                "Output line: {\"rendered\": \"...\"} or {\"error\": \"...\"} (for raise_exception, its message), in input order."})
final class TemplateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    static final class Source {
        @Option(names = "--model", paramLabel = "FILE", required = true,
                description = "a GGUF file: its tokenizer.chat_template, bos and eos tokens (only the metadata is read)")
        Path model;

        @Option(names = "--template", paramLabel = "FILE", required = true, description = "a Jinja chat template file")
        Path template;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--cases", paramLabel = "FILE", required = true, description = "JSON Lines input, '-' for stdin")
    String cases;

    @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "the date strftime_now formats (default: now)")
    String date;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        LocalDateTime now = null;
        if (date != null) {
            try {
                now = LocalDate.parse(date).atStartOfDay();
            } catch (DateTimeParseException e) {
                throw new UsageException("--date: expected YYYY-MM-DD, got " + date);
            }
        }
        ChatTemplate template = load().withTime(now);
        String input = cases.equals("-") ? read(System.in) : Files.readString(Path.of(cases), StandardCharsets.UTF_8);
        String[] lines = input.split("\n", -1);
        int n = lines.length;
        if (n > 0 && lines[n - 1].isEmpty()) n--;
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder("{");
            try {
                String rendered = render(template, lines[i]);
                Json.quote(sb.append("\"rendered\": "), rendered);
            } catch (TemplateException e) {
                Json.quote(sb.append("\"error\": "), e.raisedByTemplate() ? e.detail() : e.getMessage());
            } catch (JsonParseException | IllegalArgumentException | ClassCastException e) {
                Json.quote(sb.append("\"error\": "), "line " + (i + 1) + ": " + e.getMessage());
            }
            out.println(sb.append('}'));
        }
        out.flush();
        return 0;
    }

    private ChatTemplate load() throws IOException {
        if (source.template != null) {
            return ChatTemplate.of(source.template.getFileName().toString(), ChatTemplateOptionsMixin.readTemplate(source.template));
        }
        try (GGUFFile f = GGUFFile.open(source.model)) {
            String src = f.has(ChatTemplate.GGUF_KEY) ? f.getString(ChatTemplate.GGUF_KEY) : null;
            if (src == null) {
                spec.commandLine().getErr().println("note: " + source.model.getFileName()
                        + " has no tokenizer.chat_template; using the built-in Qwen2.5 ChatML format");
            }
            return ChatTemplate.forVocabulary(src, Tokenizer.fromGGUF(f).vocabulary());
        }
    }

    @SuppressWarnings("unchecked")
    private static String render(ChatTemplate template, String line) {
        if (!(Json.parse(line) instanceof Map<?, ?> c)) throw new IllegalArgumentException("expected a JSON object");
        if (!(c.get("messages") instanceof List<?> messages)) throw new IllegalArgumentException("field 'messages' must be a list");
        Object tools = c.get("tools");
        if (tools != null && !(tools instanceof List<?>)) throw new IllegalArgumentException("field 'tools' must be a list or null");
        Object agp = c.containsKey("add_generation_prompt") ? c.get("add_generation_prompt") : Boolean.FALSE;
        if (!(agp instanceof Boolean addGenerationPrompt)) throw new IllegalArgumentException("field 'add_generation_prompt' must be a boolean");
        Object kwargs = c.get("kwargs");
        if (kwargs != null && !(kwargs instanceof Map<?, ?>)) throw new IllegalArgumentException("field 'kwargs' must be an object");
        ChatTemplate t = template.withSpecialTokens(string(c, "bos_token", template.bosToken()), string(c, "eos_token", template.eosToken()));
        return t.applyJson(messages, (List<?>) tools, addGenerationPrompt, kwargs == null ? Map.of() : (Map<String, ?>) kwargs);
    }

    private static String string(Map<?, ?> c, String key, String fallback) {
        Object v = c.get(key);
        if (v == null) return fallback;
        if (v instanceof String s) return s;
        throw new IllegalArgumentException("field '" + key + "' must be a string");
    }

    private static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
