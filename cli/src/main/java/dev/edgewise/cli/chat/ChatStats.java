package dev.edgewise.cli.chat;

import java.util.Locale;

/** Token counts of a chat so far, for {@code /stats} and the line printed after each answer. */
public final class ChatStats {
    private int turns;
    private long promptTokens, evaluatedTokens, generatedTokens, pipelinePromptTokens;
    private double lastDecodeTokensPerSecond;

    void add(TurnRunner.Result r) {
        turns++;
        if (r.evaluatedTokens() < 0) {
            pipelinePromptTokens += r.promptTokens();
        } else {
            promptTokens += r.promptTokens();
            evaluatedTokens += r.evaluatedTokens();
        }
        generatedTokens += r.generatedTokens();
        lastDecodeTokensPerSecond = r.decodeTokensPerSecond();
    }

    /** The line after an answer: how much of the prompt came from the KV of earlier turns. */
    static String turnLine(TurnRunner.Result r) {
        if (r.evaluatedTokens() < 0) {
            return String.format(Locale.ROOT, "[prompt %d tokens | answer %d tokens, %.1f tok/s | stop: %s]", r.promptTokens(),
                    r.generatedTokens(), r.decodeTokensPerSecond(), r.finishReason().name().toLowerCase(Locale.ROOT));
        }
        return String.format(Locale.ROOT, "[prompt %d tokens: %d cached, %d evaluated | answer %d tokens, %.1f tok/s | stop: %s]",
                r.promptTokens(), r.cachedTokens(), r.evaluatedTokens(), r.generatedTokens(), r.decodeTokensPerSecond(),
                r.finishReason().name().toLowerCase(Locale.ROOT));
    }

    /** The {@code /stats} text. */
    String summary(ChatSession session) {
        return String.format(Locale.ROOT,
                "turns: %d answered (%d in the conversation)%nprompt tokens: %d, of which %d cached and %d evaluated%s%n"
                        + "generated tokens: %d, last answer %.1f tok/s%nsettings: think %s, branches %d, lora %s, system %s",
                turns, session.turns(), promptTokens, promptTokens - evaluatedTokens, evaluatedTokens,
                pipelinePromptTokens == 0 ? "" : "; " + pipelinePromptTokens + " more in /think auto turns", generatedTokens,
                lastDecodeTokensPerSecond, session.think().name().toLowerCase(Locale.ROOT), session.branches(),
                session.lora() == null ? "off" : session.lora(), session.system() == null ? "(template default)" : "set");
    }
}
