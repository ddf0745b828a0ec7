package dev.edgewise.cli.chat;

import dev.edgewise.engine.Cancellation;
import dev.edgewise.engine.ChatOptions;
import dev.edgewise.engine.FinishReason;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.vote.AnswerExtractor;
import dev.edgewise.engine.vote.VoteMethod;
import dev.edgewise.engine.vote.Voter;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One chat turn per setting, in process on tiny-real-q4_0 (the real Qwen vocabulary and Qwen2.5 template). */
class ChatTurnRunnerTest {
    private static final Voter VOTER = new Voter(AnswerExtractor.defaults(), VoteMethod.MAJORITY);
    private static final TurnRunner.Output NONE = new TurnRunner.Output() {
        @Override public void thinking(String text) {}
        @Override public void content(String text) {}
    };
    private static Model model;
    private static LoraAdapter adapter;

    @BeforeAll
    static void load() throws Exception {
        model = Model.load(Fixtures.path("models/tiny-real-q4_0.gguf"), ModelOptions.defaults().withThreads(2));
        adapter = model.addAdapter(LoraAdapter.synthetic(model.config(), 8, 16, 7, AdapterPrecision.F32));
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    private static TurnRunner runner(Heads heads) {
        return new TurnRunner(model, ChatOptions.DEFAULT, SamplingParams.GREEDY, 12,
                Map.of("syn", List.of(new ScaledAdapter(adapter, 4f))), heads, VOTER);
    }

    @Test
    void streamedAnswerIsKeptAsProducedAndTheNextTurnStartsOnItsKv() {
        TurnRunner r = runner(null);
        ChatSession s = new ChatSession("You are a careful assistant. ".repeat(10), null);
        StringBuilder streamed = new StringBuilder();
        TurnRunner.Result t1 = r.run(s, "Hi!", new Cancellation(), new TurnRunner.Output() {
            @Override public void thinking(String text) { streamed.append(text); }
            @Override public void content(String text) { streamed.append(text); }
        });
        assertThat(t1.streamed()).isTrue();
        assertThat(streamed.toString()).isEqualTo(t1.rawText());
        assertThat(t1.generatedTokens()).isEqualTo(12);
        s.addTurn("Hi!", t1.rawText());
        TurnRunner.Result t2 = r.run(s, "And then?", new Cancellation(), NONE);
        int notInKv = t2.promptTokens() - (t1.promptTokens() + t1.generatedTokens() - 1);
        assertThat(t2.evaluatedTokens()).isGreaterThanOrEqualTo(notInKv).isLessThan(notInKv + 16);
        assertThat(r.templateSwitchesThinking()).isFalse(); // Qwen2.5's template has no enable_thinking
    }

    @Test
    void branchesAreVotedAndTheWinnerKept() {
        ChatSession s = new ChatSession(null, null);
        s.branches(3);
        TurnRunner.Result t = runner(null).run(s, "What is 2 + 2?", new Cancellation(), NONE);
        assertThat(t.streamed()).isFalse();
        assertThat(t.vote()).isNotNull();
        assertThat(t.generatedTokens()).isEqualTo(36); // 3 branches of 12
    }

    @Test
    void theAdapterChangesTheAnswerAndOffRemovesIt() {
        TurnRunner r = runner(null);
        ChatSession s = new ChatSession(null, null);
        String base = r.run(s, "Hello", new Cancellation(), NONE).rawText();
        s.lora("syn");
        String adapted = r.run(s, "Hello", new Cancellation(), NONE).rawText();
        s.lora(null);
        assertThat(adapted).isNotEqualTo(base);
        assertThat(r.run(s, "Hello", new Cancellation(), NONE).rawText()).isEqualTo(base);
        assertThat(r.hasAdapter("syn")).isTrue();
        assertThat(r.hasAdapter("other")).isFalse();
    }

    @Test
    void thinkAutoRunsTheReasoningPipelineWithHeads() {
        ChatSession s = new ChatSession(null, "syn");
        s.think(ThinkMode.AUTO);
        assertThatThrownBy(() -> runner(null).run(s, "Hi", new Cancellation(), NONE)).hasMessage("/think auto needs --heads");
        TurnRunner.Result t = runner(Heads.synthetic(model.config().dim(), 11)).run(s, "What is 3 * 4?", new Cancellation(), NONE);
        assertThat(t.note()).startsWith("switcher: ").contains("transformer evaluated");
        assertThat(t.evaluatedTokens()).isEqualTo(-1); // the pipeline does not split its forward tokens by phase
        assertThat(t.generatedTokens()).isPositive();
        assertThat(t.rawText()).isNotEmpty();
    }

    @Test
    void aCancelledTurnStopsEarly() {
        ChatSession s = new ChatSession(null, null);
        Cancellation c = new Cancellation();
        TurnRunner.Result t = runner(null).run(s, "Tell a story", c, new TurnRunner.Output() {
            @Override public void thinking(String text) {}
            @Override public void content(String text) { c.cancel(); }
        });
        assertThat(t.finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(t.generatedTokens()).isLessThan(12);
    }

    @Test
    void thinkOnOffSetTheQwen3TemplatesSwitch() throws Exception {
        try (Model qwen3 = Model.load(Fixtures.path("models/tiny-qwen3-q8_0.gguf"), ModelOptions.defaults().withThreads(2))) {
            TurnRunner r = new TurnRunner(qwen3, ChatOptions.DEFAULT, SamplingParams.GREEDY, 4, Map.of(), null, VOTER);
            assertThat(r.templateSwitchesThinking()).isTrue();
            ChatSession s = new ChatSession(null, null);
            int byDefault = r.run(s, "Hi", new Cancellation(), NONE).promptTokens();
            s.think(ThinkMode.ON);
            int on = r.run(s, "Hi", new Cancellation(), NONE).promptTokens();
            s.think(ThinkMode.OFF);
            int off = r.run(s, "Hi", new Cancellation(), NONE).promptTokens();
            String offPrompt = qwen3.renderPrompt(s.withUser("Hi"), ChatOptions.DEFAULT.withKwarg(Model.THINKING_VARIABLE, false));
            assertThat(offPrompt).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"); // the template's empty thinking
            assertThat(on).isEqualTo(byDefault);
            assertThat(off).isEqualTo(qwen3.tokenizer().encode(offPrompt, true).length).isGreaterThan(on);
        }
    }
}
