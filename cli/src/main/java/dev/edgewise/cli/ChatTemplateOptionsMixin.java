package dev.edgewise.cli;

import dev.edgewise.engine.ChatOptions;
import dev.edgewise.engine.Model;
import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.json.JsonParseException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** {@code --chat-template FILE} and {@code --chat-template-kwargs JSON}, for every command that renders a chat. */
final class ChatTemplateOptionsMixin {
    @Option(names = "--chat-template", paramLabel = "FILE",
            description = "Jinja chat template used instead of the model file's tokenizer.chat_template")
    Path templateFile;

    @Option(names = "--chat-template-kwargs", paramLabel = "JSON",
            description = "extra template variables as a JSON object, e.g. '{\"enable_thinking\": false}'")
    String kwargsJson;

    /** The options as the engine takes them; a bad file or JSON is a usage error naming it. */
    ChatOptions options() throws IOException {
        ChatOptions o = ChatOptions.DEFAULT;
        if (templateFile != null) o = o.withTemplate(templateFile.getFileName().toString(), readTemplate(templateFile));
        if (kwargsJson != null) o = o.withKwargs(parseKwargs("--chat-template-kwargs", kwargsJson));
        return o;
    }

    static String readTemplate(Path file) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new UsageException(file + ": the chat template is not valid UTF-8");
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parseKwargs(String what, String json) {
        try {
            if (Json.parse(json) instanceof Map<?, ?> m) return (Map<String, Object>) m;
        } catch (JsonParseException e) {
            throw new UsageException(what + ": " + e.getMessage());
        }
        throw new UsageException(what + ": expected a JSON object, got " + json);
    }

    /** Prints the one-line note that a model without a template gets the built-in format. */
    void noteIfBuiltin(Model m, PrintWriter err) {
        if (templateFile == null && m.chatTemplate().isBuiltin()) {
            err.println("note: " + m.file().path().getFileName() + " has no tokenizer.chat_template; using the built-in Qwen2.5 ChatML format");
        }
    }
}
