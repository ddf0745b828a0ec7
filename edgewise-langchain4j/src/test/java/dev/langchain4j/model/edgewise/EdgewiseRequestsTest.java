package dev.langchain4j.model.edgewise;

import dev.edgewise.engine.BudgetForcing;
import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ReasoningMode;
import dev.edgewise.engine.SamplingParams;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The builder's reasoning settings reach every request: the template's thinking switch and budget forcing. */
class EdgewiseRequestsTest {
    @Test
    void thinkingAndBudgetReachTheGenerationRequest() {
        EdgewiseRequests requests = new EdgewiseRequests(64, SamplingParams.GREEDY, 1,
                new EdgewiseRequests.Reasoning(List.of(), false, BudgetForcing.of(32)));
        GenerationRequest g = requests.toGeneration(ChatRequest.builder().messages(List.of(UserMessage.from("Hi"))).build());
        assertThat(g.chat().kwargs()).isEqualTo(Map.of(Model.THINKING_VARIABLE, false));
        assertThat(g.budget().maxResponseTokens()).isEqualTo(32);
        assertThat(g.adapters()).isEmpty();

        GenerationRequest plain = new EdgewiseRequests(64, SamplingParams.GREEDY, 1, EdgewiseRequests.Reasoning.NONE)
                .toGeneration(ChatRequest.builder().messages(List.of(UserMessage.from("Hi"))).build());
        assertThat(plain.chat().kwargs()).isEmpty();
        assertThat(plain.budget()).isNull();
    }

    @Test
    void autoNeedsThePipelineAndIsRefusedByTheBuilders() {
        assertThatThrownBy(() -> EdgewiseChatModel.builder().reasoning(ReasoningMode.AUTO)).hasMessageContaining("reasoning pipeline");
        assertThatThrownBy(() -> EdgewiseStreamingChatModel.builder().reasoning(ReasoningMode.AUTO)).hasMessageContaining("reasoning pipeline");
    }
}
