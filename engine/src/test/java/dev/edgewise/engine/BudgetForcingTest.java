package dev.edgewise.engine;

import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Budget forcing inside the batched decode loop: exact caps per branch, injected text, allowance. */
class BudgetForcingTest {
    static final SamplingParams SAMPLING = new SamplingParams(0.9f, 40, 0.95f, 0f, 1f, 64, 5);
    static Path model;

    @BeforeAll
    static void writeModel(@TempDir Path dir) throws Exception {
        model = dir.resolve("m.gguf");
        SyntheticModels.write(SyntheticShape.DEFAULT, GGMLType.Q8_0, 9, model);
    }

    @Test
    void theResponseCapForcesTheAnswerAtExactlyNTokensInEveryBranch() throws Exception {
        try (Model m = Model.load(model, ModelOptions.defaults().withThreads(2))) {
            int[] prompt = m.tokenizer().encode("<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n<think>\n", true);
            BudgetForcing budget = BudgetForcing.of(20).withAnswerAllowance(6);
            StringBuilder[] thinking = new StringBuilder[4], content = new StringBuilder[4];
            for (int i = 0; i < 4; i++) { thinking[i] = new StringBuilder(); content[i] = new StringBuilder(); }
            GenerationResult r = m.generate(GenerationRequest.tokens(prompt).branches(4).sampling(SAMPLING).maxTokens(200)
                    .ignoreEndOfGeneration(true).budget(budget).build(), e -> {
                thinking[e.branch()].append(e.reasoningContent());
                content[e.branch()].append(e.content());
            });
            int[] forced = m.tokenizer().encode(budget.forcingText(), true);
            for (BranchResult b : r.branches()) {
                if (b.forcedAt() < 0) {
                    // this branch closed its thinking by itself: the cap still holds
                    assertThat(b.tokens().length).isLessThanOrEqualTo(20);
                    continue;
                }
                assertThat(b.forcedAt()).as("branch %d forced at", b.branch()).isEqualTo(20);
                assertThat(Arrays.copyOfRange(b.tokens(), 20, 20 + forced.length)).as("injected forcing text").isEqualTo(forced);
                for (int i = 20; i < 20 + forced.length; i++) assertThat(b.logProbs()[i]).isNaN();
                assertThat(b.tokens().length).as("answer allowance").isEqualTo(20 + forced.length + 6);
                assertThat(b.finishReason()).isEqualTo(FinishReason.BUDGET);
                assertThat(b.text()).contains("</think>");
                assertThat(b.thinkingTokens()).isLessThanOrEqualTo(20);
                // the prompt opened the thinking section, the forcing text closed it: thinking and answer apart
                assertThat(b.reasoningContent()).endsWith("I have to give the answer now.").doesNotContain("</think>");
                assertThat(b.content()).startsWith("The final answer is");
                assertThat(thinking[b.branch()].toString()).as("streamed thinking").isEqualTo(b.reasoningContent());
                assertThat(content[b.branch()].toString()).as("streamed answer").isEqualTo(b.content());
            }
            assertThat(r.branches().stream().filter(b -> b.forcedAt() == 20).count()).as("random models rarely stop thinking").isGreaterThan(0);
            assertThat(m.kvCache().pool().usedBlocks()).isZero();
        }
    }

    @Test
    void aThinkingCapForcesEarlierThanTheResponseCap() throws Exception {
        try (Model m = Model.load(model, ModelOptions.defaults().withThreads(2))) {
            int[] prompt = m.tokenizer().encode("Think first. <think>", true);
            BudgetForcing budget = BudgetForcing.of(100).withThinkingBudget(7).withAnswerAllowance(3);
            GenerationResult r = m.generate(GenerationRequest.tokens(prompt).sampling(SAMPLING).maxTokens(200)
                    .ignoreEndOfGeneration(true).budget(budget).build(), TokenListener.NONE);
            BranchResult b = r.branches().getFirst();
            if (b.forcedAt() >= 0) {
                assertThat(b.thinkingTokens()).isEqualTo(7);
                assertThat(b.forcedAt()).as("the prompt opened thinking").isEqualTo(7);
            }
            assertThat(b.tokens().length).isLessThanOrEqualTo(7 + m.tokenizer().encode(budget.forcingText(), true).length + 3);
        }
    }

    @Test
    void withoutThinkingTheResponseCapSimplyStops() throws Exception {
        try (Model m = Model.load(model, ModelOptions.defaults().withThreads(2))) {
            GenerationResult r = m.generate(GenerationRequest.prompt("Answer:").sampling(SAMPLING).maxTokens(200)
                    .ignoreEndOfGeneration(true).budget(BudgetForcing.of(9)).build(), TokenListener.NONE);
            BranchResult b = r.branches().getFirst();
            if (b.text().contains("<think>")) return; // the random model opened a thinking section itself
            assertThat(b.tokens()).hasSize(9);
            assertThat(b.finishReason()).isEqualTo(FinishReason.BUDGET);
            assertThat(b.forcedAt()).isEqualTo(-1);
        }
    }
}
