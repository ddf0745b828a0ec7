package dev.edgewise.cli;

import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.lora.AdapterActivation;
import dev.edgewise.engine.TokenListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.vote.VoteTally;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    @Option(names = "--json", description = "print one JSON document: decision, every branch, the vote, timings")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        thinking.validate();
        try (PipelineSetup setup = PipelineSetup.open(model, lora, reasoning, spec.commandLine().getErr())) {
            reasoning.chatTemplate.noteIfBuiltin(setup.model(), spec.commandLine().getErr());
            ReasoningResult r = setup.model().reason(reasoning.request(prompt, setup.adapters(), setup.heads()), TokenListener.NONE);
            if (json) out.print(JsonWriter.write(json(r)));
            else print(out, r, showBranches, thinking);
            if (r.adapterActivation().invocationMissing()) {
                spec.commandLine().getErr().println("edgewise: warning: " + AdapterActivation.INVOCATION_MISSING_WARNING);
            }
        }
        return 0;
    }

    /** The whole result as a JSON-ready map (also an eval sweep's per-item record). */
    static Map<String, Object> json(ReasoningResult r) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("decision", r.reasoned() ? "reason" : "direct");
        j.put("decided_by", r.decidedBy());
        j.put("switch_probability", r.switchProbability());
        List<Object> branches = new ArrayList<>();
        for (BranchResult b : r.branches()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("branch", b.branch());
            m.put("text", b.text());
            m.put("answer", r.vote().extracted().get(b.branch()).orElse(null));
            m.put("verifier_score", r.verifierScores().isEmpty() ? null : r.verifierScores().get(b.branch()));
            m.put("thinking_tokens", b.thinkingTokens());
            m.put("answer_tokens", b.tokens().length - b.thinkingTokens());
            m.put("tokens", b.tokens().length);
            m.put("forced_at", b.forcedAt() >= 0 ? b.forcedAt() : null);
            m.put("waits", b.waits());
            m.put("mean_log_prob", b.meanLogProb());
            m.put("finish_reason", b.finishReason().name().toLowerCase(Locale.ROOT));
            branches.add(m);
        }
        j.put("branches", branches);
        Map<String, Object> vote = new LinkedHashMap<>();
        vote.put("method", r.vote().method().name().toLowerCase(Locale.ROOT));
        vote.put("answer", r.vote().answer().orElse(null));
        vote.put("display", r.vote().display().orElse(null));
        vote.put("winning_branch", r.vote().winningBranch());
        List<Object> table = new ArrayList<>();
        for (VoteTally t : r.vote().table()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("answer", t.answer());
            m.put("display", t.display());
            m.put("votes", t.votes());
            m.put("weight", t.weight());
            m.put("branches", new ArrayList<Object>(t.branches()));
            table.add(m);
        }
        vote.put("table", table);
        j.put("vote", vote);
        ReasoningResult.Timings t = r.timings();
        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("ttft_ms", t.timeToFirstTokenNanos() / 1e6);
        timings.put("prefill_ms", t.prefillNanos() / 1e6);
        timings.put("decode_ms", t.decodeNanos() / 1e6);
        timings.put("verification_ms", t.verificationNanos() / 1e6);
        timings.put("total_ms", t.totalNanos() / 1e6);
        j.put("timings", timings);
        Map<String, Object> tokens = new LinkedHashMap<>();
        tokens.put("prompt", t.promptTokens());
        tokens.put("thinking", t.thinkingTokens());
        tokens.put("response", t.responseTokens());
        tokens.put("verification", t.verificationTokens());
        tokens.put("forced_branches", t.forcedBranches());
        tokens.put("forward", t.forwardTokens());
        j.put("tokens", tokens);
        return j;
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
