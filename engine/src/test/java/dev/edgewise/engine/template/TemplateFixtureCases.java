package dev.edgewise.engine.template;

import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The chat-template conformance cases of the shared fixtures (templates/cases.jsonl). */
public record TemplateFixtureCases(String id, String template, String bosToken, String eosToken, List<?> messages, List<?> tools,
                                   boolean addGenerationPrompt, Map<String, ?> kwargs, String expected, String error) {
    /** transformers' strftime_now is fixed at this time in the fixtures. */
    public static final LocalDateTime FIXTURE_TIME = LocalDateTime.of(2024, 7, 26, 0, 0, 0);

    public static Path dir() {
        return Fixtures.path("templates");
    }

    /** Every case, in file order; skips the calling test without fixtures. */
    public static List<TemplateFixtureCases> all() {
        try {
            List<TemplateFixtureCases> out = new ArrayList<>();
            String text = Files.readString(dir().resolve("cases.jsonl"), StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                if (line.isEmpty()) continue;
                Map<?, ?> c = (Map<?, ?>) Json.parse(line);
                out.add(new TemplateFixtureCases((String) c.get("case"), (String) c.get("template"), (String) c.get("bos_token"),
                        (String) c.get("eos_token"), (List<?>) c.get("messages"), (List<?>) c.get("tools"),
                        (Boolean) c.get("add_generation_prompt"), castMap(c.get("kwargs")), (String) c.get("expected"), (String) c.get("error")));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The raw UTF-8 text of a template file of the fixtures. */
    public static String source(String template) {
        try {
            return Files.readString(dir().resolve(template), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> castMap(Object o) {
        return (Map<String, ?>) o;
    }

    @Override
    public String toString() {
        return id;
    }
}
