package dev.edgewise.engine;

import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.engine.template.TemplateException;
import dev.edgewise.engine.template.TemplateFixtureCases;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tokenizer.ChatTemplate.Message;
import dev.edgewise.loader.testing.Fixtures;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Model.promptTokens/renderPrompt, the path {@code run --chat} takes: the file's template, overrides, the fallback. */
class ChatPromptTest {
    private static GenerationRequest request(TemplateFixtureCases c, boolean override) {
        GenerationRequest.Builder b = GenerationRequest.chat(c.messages().stream().map(Message::fromJson).toList())
                .tools(c.tools()).chatTemplateKwargs(c.kwargs());
        if (override) b.chatTemplate(c.template(), TemplateFixtureCases.source(c.template()));
        return b.build();
    }

    @Test
    void everyFixtureCaseWithAGenerationPromptRendersThroughTheModel() throws Exception {
        try (Model m = Model.load(Fixtures.path("models/nano-q8_0.gguf"), ModelOptions.defaults().withThreads(1))) {
            assertThat(m.chatTemplate().isBuiltin()).isFalse();
            int checked = 0;
            for (TemplateFixtureCases c : TemplateFixtureCases.all()) {
                // the model's bos/eos are Qwen's: the R1-Distill cases (another bos) are covered by TemplateFixtureTest
                if (!c.addGenerationPrompt() || c.template().startsWith("deepseek")) continue;
                GenerationRequest r = request(c, !c.template().startsWith("Qwen-Qwen2.5"));
                assertThat(m.renderPrompt(r)).as(c.id()).isEqualTo(c.expected());
                assertThat(m.promptTokens(r)).as(c.id()).isEqualTo(m.tokenizer().encode(c.expected(), true));
                checked++;
            }
            assertThat(checked).isEqualTo(18); // 9 Qwen2.5 and 9 Qwen3 cases
        }
    }

    @Test
    void aFileWithoutTemplateFallsBackToTheBuiltInChatML(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.gguf");
        SyntheticModels.write(SyntheticShape.DEFAULT, GGMLType.Q8_0, 3, file);
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(1))) {
            assertThat(m.chatTemplate().isBuiltin()).isTrue();
            List<Message> messages = List.of(Message.user("What is 12 * 7?"));
            GenerationRequest r = GenerationRequest.chat(messages).build();
            assertThat(m.renderPrompt(r)).isEqualTo(ChatTemplate.render(messages, true))
                    .startsWith("<|im_start|>system\n" + ChatTemplate.DEFAULT_SYSTEM_PROMPT);
            // an override still applies to such a file
            GenerationRequest custom = GenerationRequest.chat(messages).chatTemplate("mine", "Q: {{ messages[0].content }}\nA:").build();
            assertThat(m.renderPrompt(custom)).isEqualTo("Q: What is 12 * 7?\nA:");
            GenerationRequest broken = GenerationRequest.chat(messages).chatTemplate("broken.jinja", "{% if %}").build();
            assertThatThrownBy(() -> m.promptTokens(broken)).isInstanceOf(TemplateException.class)
                    .hasMessage("template broken.jinja, line 1: unexpected end of statement block");
        }
    }

    @Test
    void kwargsReachTheTemplate() throws Exception {
        try (Model m = Model.load(Fixtures.path("models/nano-q8_0.gguf"), ModelOptions.defaults().withThreads(1))) {
            GenerationRequest r = GenerationRequest.chat(List.of(Message.user("x")))
                    .chatTemplate("t", "{{ enable_thinking is defined }}/{{ enable_thinking }}/{{ tools|length }}")
                    .chatTemplateKwargs(Map.of("enable_thinking", false)).tools(List.of(Map.of("type", "function"))).build();
            assertThat(m.renderPrompt(r)).isEqualTo("True/False/1");
        }
    }
}
