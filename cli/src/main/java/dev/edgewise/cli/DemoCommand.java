package dev.edgewise.cli;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ReasoningRequest;
import dev.edgewise.engine.ReasoningResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code edgewise demo}: the whole reasoning pipeline with a readable timeline. Without a model it
 * runs on the embedded synthetic model, a synthetic adapter and synthetic heads (random weights:
 * the text is gibberish, every stage is real).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the reasoning pipeline once and print its timeline (synthetic model, adapter and heads when none are given).")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptionsMixin model;

    @Mixin
    LoraOptionsMixin lora;

    @Mixin
    ReasoningOptionsMixin reasoning;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", defaultValue = "What is 12 * 7? Put the final answer in \\boxed{}.",
            description = "the question (default: ${DEFAULT-VALUE})")
    String prompt;

    /** Times of the events the listener sees, per branch. */
    private record Event(long nanos, int branch, String what) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean synthetic = model.model == null;
        if (synthetic && !spec.commandLine().getParseResult().hasMatchedOption("--reasoning")) reasoning.reasoning = List.of("on");
        if (synthetic && !spec.commandLine().getParseResult().hasMatchedOption("--budget")) reasoning.budget = List.of(48);
        if (synthetic && !spec.commandLine().getParseResult().hasMatchedOption("--answer-allowance")) reasoning.answerAllowance = 12;
        if (synthetic && !spec.commandLine().getParseResult().hasMatchedOption("--max-tokens")) reasoning.maxTokens = 96;
        try (PipelineSetup setup = PipelineSetup.open(model, lora, reasoning, err)) {
            Model m = setup.model();
            ReasoningRequest request = reasoning.request(prompt, setup.adapters(), setup.heads());
            List<List<Long>> tokenTimes = new ArrayList<>();
            for (int i = 0; i < request.branches(); i++) tokenTimes.add(new ArrayList<>());
            long start = System.nanoTime();
            ReasoningResult r = m.reason(request, e -> {
                if (e.token() >= 0) tokenTimes.get(e.branch()).add(System.nanoTime());
            });
            printTimeline(out, m, request, r, events(r, tokenTimes), start, synthetic);
        }
        return 0;
    }

    /** First token, forcing and end of each branch, in time order. */
    private static List<Event> events(ReasoningResult r, List<List<Long>> tokenTimes) {
        List<Event> events = new ArrayList<>();
        for (BranchResult b : r.branches()) {
            List<Long> times = tokenTimes.get(b.branch());
            if (times.isEmpty()) continue;
            events.add(new Event(times.getFirst(), b.branch(), "first response token"));
            if (b.forcedAt() >= 0 && b.forcedAt() < times.size()) {
                events.add(new Event(times.get(b.forcedAt()), b.branch(), "budget reached after " + b.forcedAt()
                        + " tokens (" + b.thinkingTokens() + " thinking): forcing text injected, answer allowance starts"));
            }
            events.add(new Event(times.getLast(), b.branch(), "finished: " + b.tokens().length + " tokens, "
                    + b.finishReason().name().toLowerCase(Locale.ROOT)));
        }
        events.sort(java.util.Comparator.comparingLong(Event::nanos));
        return events;
    }

    private void printTimeline(PrintWriter out, Model m, ReasoningRequest request, ReasoningResult r, List<Event> events, long start,
                               boolean synthetic) {
        var c = m.config();
        if (synthetic) {
            out.println("Edgewise demo: synthetic model, adapter and heads with RANDOM weights. The text is gibberish; every stage is real.");
        }
        out.printf(Locale.ROOT, "model: %s (%d layers, width %d, %d/%d heads), adapters: %s, heads: %s%n", c.name(), c.nLayers(), c.dim(), c.nHeads(),
                c.nKvHeads(), request.adapters().isEmpty() ? "none" : request.adapters().getFirst().adapter().name(),
                request.heads() == null ? "none" : (request.heads().switcher().isPresent() ? "switcher " : "") + (request.heads().verifier().isPresent() ? "verifier" : ""));
        out.printf("question: %s%n%n", request.messages().getLast().content());
        ReasoningResult.Timings t = r.timings();
        out.printf(Locale.ROOT, "[%7.1f ms] prefill: %d prompt tokens encoded once, by the base model (%.1f ms)%n", 0.0, t.promptTokens(), t.prefillNanos() / 1e6);
        out.printf(Locale.ROOT, "[%7.1f ms] switch: %s%s -> %s%n", t.prefillNanos() / 1e6,
                Double.isNaN(r.switchProbability()) ? "no switcher" : String.format(Locale.ROOT, "switcher p(reason) = %.3f", r.switchProbability()),
                r.decidedBy().startsWith("forced") ? " (" + r.decidedBy() + ")" : "",
                r.reasoned() ? "reason: adapter on for response positions, " + r.branches().size() + " branches share the prompt's KV blocks"
                        : "answer directly with the base model");
        for (Event e : events) {
            out.printf(Locale.ROOT, "[%7.1f ms] branch %d: %s%n", (e.nanos() - start) / 1e6, e.branch(), e.what());
        }
        long decodeEnd = events.isEmpty() ? start : events.getLast().nanos();
        out.printf(Locale.ROOT, "[%7.1f ms] decode done: %d tokens from %d branches decoded together in %.1f ms (%.0f tok/s aggregate)%n",
                (decodeEnd - start) / 1e6, t.responseTokens(),
                r.branches().size(), t.decodeNanos() / 1e6, t.decodeNanos() == 0 ? 0 : t.responseTokens() * 1e9 / t.decodeNanos());
        if (!r.verifierScores().isEmpty()) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < r.verifierScores().size(); i++) s.append(String.format(Locale.ROOT, " branch %d: %.3f", i, r.verifierScores().get(i)));
            out.printf(Locale.ROOT, "[%7.1f ms] verifier: %d tokens encoded on top of the branches' own KV, scores%s%n",
                    (decodeEnd - start + t.verificationNanos()) / 1e6, t.verificationTokens(), s);
        }
        out.println();
        for (BranchResult b : r.branches()) {
            String text = b.text().replace("\n", "\\n");
            out.printf("branch %d text: %s%n", b.branch(), text.length() > 160 ? text.substring(0, 160) + "..." : text);
        }
        out.println();
        BranchReport.print(out, r.branches(), r.vote(), r.verifierScores(), false);
        out.printf(Locale.ROOT, "total %.1f ms, time to first token %.1f ms%n", t.totalNanos() / 1e6, t.timeToFirstTokenNanos() / 1e6);
    }
}
