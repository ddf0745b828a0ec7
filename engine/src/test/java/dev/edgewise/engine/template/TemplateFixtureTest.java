package dev.edgewise.engine.template;

import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tokenizer.ChatTemplate.Message;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every conformance case renders byte for byte as transformers does, through the chat API Model uses. */
class TemplateFixtureTest {
    static List<TemplateFixtureCases> cases() {
        return TemplateFixtureCases.all();
    }

    private static ChatTemplate template(TemplateFixtureCases c) {
        return ChatTemplate.of(c.template(), TemplateFixtureCases.source(c.template()))
                .withSpecialTokens(c.bosToken(), c.eosToken()).withTime(TemplateFixtureCases.FIXTURE_TIME);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void jsonMessagesRenderExactly(TemplateFixtureCases c) {
        assertThat(template(c).applyJson(c.messages(), c.tools(), c.addGenerationPrompt(), c.kwargs())).isEqualTo(c.expected());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void typedMessagesRenderExactly(TemplateFixtureCases c) {
        List<Message> messages = c.messages().stream().map(Message::fromJson).toList();
        assertThat(template(c).apply(messages, c.tools(), c.addGenerationPrompt(), c.kwargs())).isEqualTo(c.expected());
    }
}
