package dev.edgewise.engine.tokenizer;

import dev.edgewise.engine.tokenizer.ChatTemplate.Message;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatTemplateTest {

    @Test
    void explicitSystemMessageReplacesTheDefault() {
        String p = ChatTemplate.render(List.of(Message.system("You are a helpful assistant."), Message.user("What is 12 * 7?")), true);
        assertThat(p).isEqualTo("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 12 * 7?<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void defaultSystemPromptWhenFirstMessageIsNotSystem() {
        String p = ChatTemplate.render(List.of(Message.user("Hi"), Message.assistant("Hello!"), Message.user("Bye")), false);
        assertThat(p).isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n");
        assertThat(ChatTemplate.render(List.of(), true)).isEqualTo(
                "<|im_start|>system\n" + ChatTemplate.DEFAULT_SYSTEM_PROMPT + "<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void laterSystemMessagesAndToolResponsesFollowTheTemplate() {
        String p = ChatTemplate.render(List.of(Message.system("S"), Message.user("U"), Message.system("S2"),
                new Message("tool", "r1"), new Message("tool", "r2"), Message.assistant("A")), true);
        assertThat(p).isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n"
                + "<|im_start|>system\nS2<|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\nA<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void unknownRolesAreRejected() {
        assertThatThrownBy(() -> ChatTemplate.render(List.of(new Message("narrator", "x")), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'narrator'");
        assertThatThrownBy(() -> new Message(null, "x")).isInstanceOf(NullPointerException.class);
    }

    @Test
    void fixtureVocabularyCarriesTheTemplateThisImplements() throws Exception {
        try (var f = dev.edgewise.loader.GGUFFile.open(dev.edgewise.loader.testing.Fixtures.path("tokenizer/qwen2-vocab.gguf"))) {
            String jinja = f.getString("tokenizer.chat_template");
            assertThat(jinja).contains("'<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n'")
                    .contains("'<|im_start|>system\\n" + ChatTemplate.DEFAULT_SYSTEM_PROMPT + "<|im_end|>\\n'")
                    .contains("'<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n'")
                    .contains("{{- '<|im_start|>assistant\\n' }}");
        }
    }
}
