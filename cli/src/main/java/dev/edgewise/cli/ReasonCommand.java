package dev.edgewise.cli;

import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.TokenListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code edgewise reason}: the whole pipeline on one question. */
@Command(name = "reason", mixinStandardHelpOptions = true,
        description = "Answer a question through the reasoning pipeline: switcher, adapter, budget forcing, branches, verifier, vote.")
final class ReasonCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptionsMixin model;

    @Mixin
    LoraOptionsMixin lora;

    @Mixin
    ReasoningOptionsMixin reasoning;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", required = true, description = "the question")
    String prompt;

    @Option(names = "--show-branches", description = "print every branch's text")
    boolean showBranches;

    @Mixin
    ThinkingDisplayMixin thinking;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        thinking.validate();
        try (PipelineSetup setup = PipelineSetup.open(model, lora, reasoning, spec.commandLine().getErr())) {
            reasoning.chatTemplate.noteIfBuiltin(setup.model(), spec.commandLine().getErr());
            ReasoningResult r = setup.model().reason(reasoning.request(prompt, setup.adapters(), setup.heads()), TokenListener.NONE);
            print(out, r, showBranches, thinking);
        }
        return 0;
    }

    static void print(PrintWriter out, ReasoningResult r, boolean showBranches) {
        print(out, r, showBranches, null);
    }

    static void print(PrintWriter out, ReasoningResult r, boolean showBranches, ThinkingDisplayMixin thinking) {
        out.printf(Locale.ROOT, "decision: %s (%s%s)%n", r.reasoned() ? "reason" : "answer directly", r.decidedBy(),
                Double.isNaN(r.switchProbability()) ? "" : String.format(Locale.ROOT, ", p(reason) = %.3f", r.switchProbability()));
        BranchReport.print(out, r.branches(), r.vote(), r.verifierScores(), showBranches, thinking);
        ReasoningResult.Timings t = r.timings();
        out.printf(Locale.ROOT, "time: first token %.0f ms, prefill %.0f ms (%d tokens), decode %.0f ms, verification %.0f ms, total %.0f ms%n",
                t.timeToFirstTokenNanos() / 1e6, t.prefillNanos() / 1e6, t.promptTokens(), t.decodeNanos() / 1e6,
                t.verificationNanos() / 1e6, t.totalNanos() / 1e6);
        out.printf(Locale.ROOT, "tokens: prompt %d, thinking %d, response %d, verification %d, forced %d of %d branches; transformer evaluated %d%n",
                t.promptTokens(), t.thinkingTokens(), t.responseTokens(), t.verificationTokens(), t.forcedBranches(), r.branches().size(),
                t.forwardTokens());
    }
}
