package dev.edgewise.cli;

import dev.edgewise.engine.tokenizer.ChatTemplate;
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
 * The JSONL inputs of {@code train-heads}; every mistake names the file and line.
 * <ul>
 *   <li>switcher: {@code {"prompt": TEXT}} (or {@code "question"}) or {@code {"messages": [{"role", "content"}, ...]}}, with
 *       {@code "label": "reason"|"direct"}, or with a gold {@code "answer"} when labelling by correctness;</li>
 *   <li>verifier: {@code {"question", "answer"}} (branches are sampled), or {@code {"question", "response", "correct"}}
 *       (a labelled branch).</li>
 * </ul>
 */
final class TrainingData {
    private TrainingData() {}

    /** A switcher example: the conversation (null: the question with the --system message), a label or a gold answer. */
    record Prompt(String question, List<ChatTemplate.Message> messages, Boolean reason, String answer) {}

    /** A verifier example: a question with a gold answer (sample branches), or one labelled response. */
    record Question(String question, String answer, String response, Boolean correct) {
        boolean labelled() { return response != null; }
    }

    static List<Prompt> prompts(Path file, boolean byCorrectness) throws IOException {
        List<Prompt> out = new ArrayList<>();
        forEachLine(file, (m, where) -> {
            String question = m.get("prompt") instanceof String p ? p : m.get("question") instanceof String q ? q : null;
            List<ChatTemplate.Message> messages = m.containsKey("messages") ? messages(m.get("messages"), where) : null;
            if ((question == null) == (messages == null)) {
                throw new ModelFormatException(where + ": expected a string \"prompt\" or a \"messages\" list (one of them)");
            }
            Boolean reason = null;
            String answer = null;
            if (byCorrectness) {
                if (m.get("answer") == null) throw new ModelFormatException(where + ": --label-by-correctness needs a gold \"answer\"");
                answer = String.valueOf(m.get("answer"));
            } else {
                Object label = m.get("label");
                if (!"reason".equals(label) && !"direct".equals(label)) {
                    throw new ModelFormatException(where + ": \"label\" must be \"reason\" or \"direct\" (or use --label-by-correctness), got " + label);
                }
                reason = "reason".equals(label);
            }
            out.add(new Prompt(question, messages, reason, answer));
        });
        return out;
    }

    static List<Question> questions(Path file) throws IOException {
        List<Question> out = new ArrayList<>();
        forEachLine(file, (m, where) -> {
            if (!(m.get("question") instanceof String q)) throw new ModelFormatException(where + ": expected a string \"question\"");
            if (m.containsKey("response")) {
                if (!(m.get("response") instanceof String r) || r.isEmpty()) throw new ModelFormatException(where + ": \"response\" must be a non-empty string");
                if (!(m.get("correct") instanceof Boolean c)) throw new ModelFormatException(where + ": a labelled branch needs \"correct\": true or false");
                out.add(new Question(q, m.get("answer") == null ? null : String.valueOf(m.get("answer")), r, c));
            } else {
                if (m.get("answer") == null) throw new ModelFormatException(where + ": expected a gold \"answer\" (or a labelled \"response\" and \"correct\")");
                out.add(new Question(q, String.valueOf(m.get("answer")), null, null));
            }
        });
        return out;
    }

    private static List<ChatTemplate.Message> messages(Object v, String where) {
        if (!(v instanceof List<?> list) || list.isEmpty()) throw new ModelFormatException(where + ": \"messages\" must be a non-empty list");
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m) || !(m.get("role") instanceof String role) || !(m.get("content") instanceof String content)) {
                throw new ModelFormatException(where + ": every message needs a string \"role\" and \"content\"");
            }
            out.add(new ChatTemplate.Message(role, content));
        }
        return out;
    }

    private interface LineHandler {
        void accept(Map<String, Object> object, String where);
    }

    private static void forEachLine(Path file, LineHandler h) throws IOException {
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) continue;
            String where = file + ":" + lineNo;
            Object parsed;
            try {
                parsed = Json.parse(line);
            } catch (RuntimeException e) {
                throw new ModelFormatException(where + ": not JSON: " + e.getMessage());
            }
            if (!(parsed instanceof Map<?, ?> m)) throw new ModelFormatException(where + ": expected a JSON object");
            @SuppressWarnings("unchecked") Map<String, Object> map = (Map<String, Object>) m;
            h.accept(map, where);
        }
        if (lineNo == 0) throw new ModelFormatException(file + ": no examples");
    }
}
