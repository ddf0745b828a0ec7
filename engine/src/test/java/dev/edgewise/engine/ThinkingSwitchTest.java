package dev.edgewise.engine;

import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.heads.Pooling;
import dev.edgewise.engine.heads.SwitcherHead;
import dev.edgewise.engine.tokenizer.ChatTemplate.Message;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reasoning mode drives a template's own thinking switch (Qwen3's {@code enable_thinking}): on and
 * off render the template with it true and false, and in auto mode the switcher chooses, the
 * answer-only prompt sharing the thinking prompt's KV up to where the two renderings part.
 */
class ThinkingSwitchTest {
    static final List<Message> CHAT = List.of(Message.user("What is 12 * 7?"));
    static final int MAX = 6;
    static Model model;

    @BeforeAll
    static void load() throws IOException {
        model = Model.load(Fixtures.path("models/tiny-qwen3-f32.gguf"),
                ModelOptions.defaults().withThreads(2).withPrefixCache(false).withInt8Activations(false));
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    static Heads switcherSaying(boolean reason) {
        int dim = model.config().dim(), hidden = 2;
        SwitcherHead s = new SwitcherHead(-1, Pooling.MEAN, 16, 0.5f, 0.5f, new float[hidden * dim], new float[hidden],
                new float[hidden], reason ? 20f : -20f, dim, hidden);
        return Heads.of(s, null);
    }

    static ReasoningRequest.Builder request(ReasoningMode mode) {
        return ReasoningRequest.builder(CHAT).mode(mode).branches(1).maxTokens(MAX).sampling(SamplingParams.GREEDY);
    }

    static int[] alone(boolean thinking) {
        return model.generate(GenerationRequest.chat(CHAT).chatTemplateKwargs(Map.of(Model.THINKING_VARIABLE, thinking))
                .maxTokens(MAX).sampling(SamplingParams.GREEDY).build(), TokenListener.NONE).tokens();
    }

    static int[] prompt(boolean thinking) {
        return model.tokenizer().encode(model.renderPrompt(CHAT, ChatOptions.DEFAULT.withKwarg(Model.THINKING_VARIABLE, thinking)), true);
    }

    @Test
    void onAndOffRenderTheTemplateWithThinkingOnAndOff() {
        String off = model.renderPrompt(CHAT, ChatOptions.DEFAULT.withKwarg(Model.THINKING_VARIABLE, false));
        assertThat(off).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
        assertThat(model.reason(request(ReasoningMode.ON).build(), TokenListener.NONE).branches().getFirst().tokens())
                .containsExactly(alone(true));
        assertThat(model.reason(request(ReasoningMode.OFF).build(), TokenListener.NONE).branches().getFirst().tokens())
                .containsExactly(alone(false));
    }

    @Test
    void inAutoModeTheSwitcherChoosesAndTheAnswerOnlyPromptSharesTheThinkingPromptsKv() {
        ReasoningResult think = model.reason(request(ReasoningMode.AUTO).heads(switcherSaying(true)).build(), TokenListener.NONE);
        assertThat(think.reasoned()).isTrue();
        assertThat(think.branches().getFirst().tokens()).containsExactly(alone(true));

        ReasoningResult direct = model.reason(request(ReasoningMode.AUTO).heads(switcherSaying(false)).build(), TokenListener.NONE);
        assertThat(direct.reasoned()).isFalse();
        assertThat(direct.decidedBy()).isEqualTo("switcher");
        assertThat(direct.branches().getFirst().tokens()).containsExactly(alone(false));

        int[] on = prompt(true), off = prompt(false);
        int common = 0;
        while (common < on.length && common < off.length && on[common] == off[common]) common++;
        assertThat(common).as("the thinking prompt is a prefix of the answer-only one").isEqualTo(on.length);
        ReasoningResult offDirectly = model.reason(request(ReasoningMode.OFF).build(), TokenListener.NONE);
        assertThat(direct.timings().forwardTokens() - offDirectly.timings().forwardTokens())
                .as("nothing is evaluated twice: the answer-only prompt's tail extends the thinking prompt's KV")
                .isZero();
    }

    @Test
    void aTemplateVariableTheCallerSetsIsLeftAlone() {
        ReasoningRequest r = request(ReasoningMode.ON).chatTemplateKwargs(Map.of(Model.THINKING_VARIABLE, false)).build();
        assertThat(model.reason(r, TokenListener.NONE).branches().getFirst().tokens()).containsExactly(alone(false));
    }
}
