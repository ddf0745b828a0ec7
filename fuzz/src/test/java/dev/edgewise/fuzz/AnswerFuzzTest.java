package dev.edgewise.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.edgewise.engine.vote.AnswerExtractor;
import dev.edgewise.engine.vote.AnswerNormalizer;

import java.nio.charset.StandardCharsets;

/**
 * Answer extraction (boxed, a caller regex, last number) and normalisation of model output: never a
 * crash, and a key normalises to itself, except where removing spaces joined a list into a number
 * ({@code "1, 234"} keys as {@code "1,234"}, which is not the number 1234: AnswerNormalizer's rule 5).
 * (The caller's regex comes from the user, not from the model, so it is fixed here.)
 */
class AnswerFuzzTest {
    private static final AnswerExtractor DEFAULTS = AnswerExtractor.defaults();
    private static final AnswerExtractor REGEX = AnswerExtractor.withRegex("answer is[:\\s]*(\\S+)");

    @FuzzTest(maxDuration = "30s")
    void extract(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        for (AnswerExtractor ex : new AnswerExtractor[]{DEFAULTS, REGEX}) {
            ex.extract(text).ifPresent(a -> {
                String once = AnswerNormalizer.normalize(a);
                String twice = AnswerNormalizer.normalize(once);
                if (!once.equals(twice) && !once.contains(",")) throw new AssertionError("normalize is not idempotent: '" + a + "' -> '" + once + "' -> '" + twice + "'");
            });
        }
    }
}
