package dev.edgewise.engine.eval;

import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.loader.json.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One question of an evaluation data set and its expected answer.
 *
 * <p>A data set is JSONL: one object per line with a string {@code "question"} and an
 * {@code "answer"} (a string or a number, taken as its text); blank lines are skipped.
 */
public record EvalItem(String question, String answer) {

    /**
     * Reads a JSONL data set.
     *
     * @throws ModelFormatException naming the file and line of the first bad line, or an empty file
     */
    public static List<EvalItem> read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /**
     * Parses a JSONL data set; {@code name} (a file name, "standard input") is used in messages.
     *
     * @throws ModelFormatException naming the source and line of the first bad line, or an empty set
     */
    public static List<EvalItem> parse(String text, String name) {
        List<EvalItem> items = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\r?\n", -1)) {
            lineNo++;
            if (line.isBlank()) continue;
            Object parsed;
            try {
                parsed = Json.parse(line);
            } catch (RuntimeException e) {
                throw new ModelFormatException(name + ":" + lineNo + ": not JSON: " + e.getMessage());
            }
            if (!(parsed instanceof Map<?, ?> m) || !(m.get("question") instanceof String q) || m.get("answer") == null) {
                throw new ModelFormatException(name + ":" + lineNo + ": expected an object with a string \"question\" and an \"answer\"");
            }
            items.add(new EvalItem(q, String.valueOf(m.get("answer"))));
        }
        if (items.isEmpty()) throw new ModelFormatException(name + ": no items");
        return items;
    }
}
