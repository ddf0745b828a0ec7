package dev.edgewise.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Thinking/answer separation on hand-written model outputs, one-shot and streamed in every chunking. */
class ThinkingSplitterTest {
    private static final String R1_PROMPT = "<｜begin▁of▁sentence｜><｜User｜>What is 2+2?<｜Assistant｜><think>\n";
    private static final String QWEN3_PROMPT = "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n";
    private static final String QWEN3_NO_THINK = QWEN3_PROMPT + "<think>\n\n</think>\n\n";

    private static String[] split(String prompt, String output) {
        ThinkingSplitter s = ThinkingSplitter.forPrompt(prompt);
        StringBuilder t = new StringBuilder(), c = new StringBuilder();
        ThinkingSplitter.Chunk a = s.accept(output), b = s.flush();
        t.append(a.thinking()).append(b.thinking());
        c.append(a.content()).append(b.content());
        assertThat(t.toString()).isEqualTo(s.thinking());
        assertThat(c.toString()).isEqualTo(s.content());
        return new String[] {t.toString(), c.toString()};
    }

    @Test
    void thinkingOpenedByTheTemplate() {
        assertThat(split(R1_PROMPT, "Two plus two.\nIt is 4.\n</think>\n\nThe answer is 4.")).containsExactly("Two plus two.\nIt is 4.", "The answer is 4.");
    }

    @Test
    void thinkingOpenedByTheModel() {
        assertThat(split(QWEN3_PROMPT, "<think>\nOkay, 2+2=4.\n</think>\n\n**4**")).containsExactly("Okay, 2+2=4.", "**4**");
        assertThat(split(QWEN3_PROMPT, "  \n<think>x</think>y")).containsExactly("x", "y");
    }

    @Test
    void aResponseWithoutThinkingIsAllAnswer() {
        assertThat(split(QWEN3_PROMPT, "4, of course. <think> is not a section here</think>")).containsExactly("", "4, of course. <think> is not a section here</think>");
        assertThat(split(QWEN3_NO_THINK, "The answer is 4.")).containsExactly("", "The answer is 4.");
        assertThat(split(QWEN3_PROMPT, "<thin")).containsExactly("", "<thin");
        assertThat(split(QWEN3_PROMPT, "")).containsExactly("", "");
    }

    @Test
    void thinkingNeverClosedIsThinkingToTheEnd() {
        assertThat(split(R1_PROMPT, "Hmm, let me see... </thi")).containsExactly("Hmm, let me see... </thi", "");
        assertThat(split(QWEN3_PROMPT, "<think>\nstill going\n\n")).containsExactly("still going", "");
    }

    @Test
    void budgetForcedCloseEndsThinking() {
        String forced = "Let me count: 1, 2, 3" + BudgetForcing.DEFAULT_FORCING_TEXT + "4.";
        assertThat(split(R1_PROMPT, forced)).containsExactly("Let me count: 1, 2, 3\n\nI have to give the answer now.", "The final answer is 4.");
    }

    @Test
    void onlyTheFirstSectionIsThinking() {
        assertThat(split(QWEN3_PROMPT, "<think>a</think>b<think>c</think>d")).containsExactly("a", "b<think>c</think>d");
    }

    @Test
    void promptsThatOpenOrCloseTheSection() {
        assertThat(ThinkingSplitter.opensThinking(R1_PROMPT, "<think>", "</think>")).isTrue();
        assertThat(ThinkingSplitter.opensThinking(QWEN3_NO_THINK, "<think>", "</think>")).isFalse();
        assertThat(ThinkingSplitter.opensThinking(QWEN3_PROMPT, "<think>", "</think>")).isFalse();
    }

    @Test
    void streamedAtEveryChunkBoundaryEqualsOneShot() {
        String[][] cases = {
                {R1_PROMPT, "Two plus two.\nIt is 4.\n</think>\n\nThe answer is 4."},
                {QWEN3_PROMPT, " <think>\nOkay, 2+2=4. </thin </think>\n\n**4** </think>"},
                {QWEN3_PROMPT, "<thx> no thinking"},
                {QWEN3_NO_THINK, "\n\nThe answer is 4.\n"},
                {R1_PROMPT, "never closed </think"},
                {R1_PROMPT, "a" + BudgetForcing.DEFAULT_FORCING_TEXT + "5"},
        };
        for (String[] c : cases) {
            String[] oneShot = split(c[0], c[1]);
            String out = c[1];
            // every split into two and three chunks, and one character at a time
            for (int i = 0; i <= out.length(); i++) {
                for (int j = i; j <= out.length(); j++) {
                    assertThat(stream(c[0], List.of(out.substring(0, i), out.substring(i, j), out.substring(j))))
                            .as("%s split at %d, %d", out, i, j).containsExactly(oneShot);
                }
            }
            List<String> chars = new ArrayList<>();
            for (char ch : out.toCharArray()) chars.add(String.valueOf(ch));
            assertThat(stream(c[0], chars)).containsExactly(oneShot);
        }
    }

    private static String[] stream(String prompt, List<String> chunks) {
        ThinkingSplitter s = ThinkingSplitter.forPrompt(prompt);
        StringBuilder t = new StringBuilder(), c = new StringBuilder();
        for (String chunk : chunks) {
            ThinkingSplitter.Chunk k = s.accept(chunk);
            t.append(k.thinking());
            c.append(k.content());
        }
        ThinkingSplitter.Chunk k = s.flush();
        return new String[] {t.append(k.thinking()).toString(), c.append(k.content()).toString()};
    }
}
