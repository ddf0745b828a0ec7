package dev.edgewise.cli.chat;

import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.loader.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatSessionTest {
    @Test
    void turnsKeepTheModelsRawTextAndResetKeepsTheSystem() {
        ChatSession s = new ChatSession("Be brief.", null);
        assertThat(s.withUser("hi")).extracting(ChatTemplate.Message::role).containsExactly("system", "user");
        s.addTurn("hi", "<think>\nhm\n</think>\n\nHello!");
        assertThat(s.messages()).extracting(ChatTemplate.Message::content)
                .containsExactly("Be brief.", "hi", "<think>\nhm\n</think>\n\nHello!");
        assertThat(s.withUser("again")).hasSize(4);
        assertThat(s.turns()).isEqualTo(1);
        s.reset();
        assertThat(s.messages()).extracting(ChatTemplate.Message::role).containsExactly("system");
        s.addTurn("x", "y");
        s.system("");
        assertThat(s.messages()).isEmpty();
    }

    @Test
    void saveWritesJsonMessages(@TempDir Path dir) throws IOException {
        ChatSession s = new ChatSession("Sys \"quoted\"", null);
        s.addTurn("line1\nline2 é \u0000", "answer\t</think>");
        Path file = dir.resolve("chat.json");
        s.save(file);
        String text = Files.readString(file);
        assertThat(text).isEqualTo("[{\"role\":\"system\",\"content\":\"Sys \\\"quoted\\\"\"},"
                + "{\"role\":\"user\",\"content\":\"line1\\nline2 é \\u0000\"},"
                + "{\"role\":\"assistant\",\"content\":\"answer\\t</think>\"}]\n");
        assertThat(Json.parse(text)).isEqualTo(List.of(Map.of("role", "system", "content", "Sys \"quoted\""),
                Map.of("role", "user", "content", "line1\nline2 é \u0000"), Map.of("role", "assistant", "content", "answer\t</think>")));
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file); // no temporary file left
        }
        if (java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            // readable like any other file, not the temporary file's owner-only mode
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
        }
        assertThatThrownBy(() -> s.save(dir.resolve("missing/chat.json"))).hasMessageContaining("output directory does not exist");
    }
}
