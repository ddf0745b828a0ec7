package dev.edgewise.engine.tokenizer;

import dev.edgewise.engine.tokenizer.ChatTemplate.Message;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rendered templates tokenize with every CONTROL and USER_DEFINED token of the vocabulary parsed, and the
 * templates embedded in the fixture GGUF files are the fixtures' template files.
 */
class ChatTemplateSpecialTokensTest {
    private static final String R1 = "{{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}<｜User｜>{{ m.content }}"
            + "{% endif %}{% endfor %}{% if add_generation_prompt %}<｜Assistant｜><think>\n{% endif %}";

    @Test
    void deepSeekMarkersAreParsedAsTokensAndBosIsNotDoubled() {
        Vocabulary v = new TestVocab().added("<｜begin▁of▁sentence｜>", Vocabulary.CONTROL).added("<｜User｜>", Vocabulary.CONTROL)
                .added("<｜Assistant｜>", Vocabulary.CONTROL).added("<think>", Vocabulary.USER_DEFINED).eos("<｜end▁of▁sentence｜>").build();
        Tokenizer t = new Tokenizer(v);
        ChatTemplate template = ChatTemplate.of("r1", R1).withSpecialTokens("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
        String prompt = template.apply(List.of(Message.user("hi")), true);
        assertThat(prompt).isEqualTo("<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜><think>\n");
        int[] ids = t.encode(prompt, true);
        int bos = v.id("<｜begin▁of▁sentence｜>"), user = v.id("<｜User｜>"), asst = v.id("<｜Assistant｜>"), think = v.id("<think>");
        assertThat(ids).containsExactly(bos, user, 'h', 'i', asst, think, '\n');
    }

    @Test
    void qwen3ThinkMarkersOfTheMiniVocabularyAreParsed() throws Exception {
        try (GGUFFile f = GGUFFile.open(Fixtures.path("models/tiny-qwen3-f32.gguf"))) {
            Tokenizer t = Tokenizer.fromGGUF(f);
            ChatTemplate template = ChatTemplate.forVocabulary(f.getString(ChatTemplate.GGUF_KEY), t.vocabulary());
            String prompt = template.apply(List.of(Message.user("hi")), null, true, Map.of("enable_thinking", false));
            assertThat(prompt).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
            int[] ids = t.encode(prompt, true);
            assertThat(ids).contains(3998, 3999); // <think>, </think>: USER_DEFINED in the mini vocabulary
            assertThat(template.bosToken()).isEqualTo("<|endoftext|>");
            assertThat(template.eosToken()).isEqualTo("<|im_end|>");
        }
    }

    @Test
    void qwen3FixtureModelsRenderTheirOwnTemplateToTheP2PromptIds() throws Exception {
        for (String model : List.of("tiny-qwen3-f32", "tiny-qwen3-q8_0", "tiny-qwen3-q4_k_m", "small-qwen3-hd-f32", "small-qwen3-hd-q4_0")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> ref = (Map<String, Object>) Json.parse(Files.readString(Fixtures.path("ref/" + model + ".p2.json")));
            try (GGUFFile f = GGUFFile.open(Fixtures.path("models/" + model + ".gguf"))) {
                String source = f.getString(ChatTemplate.GGUF_KEY);
                assertThat(source).as(model).isEqualTo(Files.readString(Fixtures.path("templates/Qwen-Qwen3-0.6B.jinja"), StandardCharsets.UTF_8));
                Tokenizer t = Tokenizer.fromGGUF(f);
                List<Message> messages = ((List<?>) ref.get("chat_messages")).stream().map(Message::fromJson).toList();
                String prompt = ChatTemplate.forVocabulary(source, t.vocabulary()).apply(messages, true);
                assertThat(prompt).as(model).isEqualTo(ref.get("prompt"));
                assertThat(t.encode(prompt, true)).as(model)
                        .containsExactly(((List<?>) ref.get("prompt_tokens")).stream().mapToInt(o -> ((Long) o).intValue()).toArray());
            }
        }
    }

    @Test
    void qwen2FixtureFilesEmbedTheQwen25Template() throws Exception {
        String expected = Files.readString(Fixtures.path("templates/Qwen-Qwen2.5-7B-Instruct.jinja"), StandardCharsets.UTF_8);
        for (String file : List.of("tokenizer/qwen2-vocab.gguf", "tokenizer/mini-vocab.gguf", "models/nano-q8_0.gguf", "models/small-q4_k_m.gguf")) {
            try (GGUFFile f = GGUFFile.open(Fixtures.path(file))) {
                assertThat(f.getString(ChatTemplate.GGUF_KEY)).as(file).isEqualTo(expected);
            }
        }
    }
}
