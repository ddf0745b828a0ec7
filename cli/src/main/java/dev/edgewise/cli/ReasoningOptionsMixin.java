package dev.edgewise.cli;

import dev.edgewise.engine.BudgetForcing;
import dev.edgewise.engine.ReasoningMode;
import dev.edgewise.engine.ReasoningRequest;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.vote.AnswerExtractor;
import dev.edgewise.engine.vote.VoteMethod;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Flags of the reasoning pipeline, shared by {@code reason}, {@code eval} and {@code demo}. */
final class ReasoningOptionsMixin {
    @Mixin
    SamplingOptionsMixin sampling;

    @Option(names = "--reasoning", paramLabel = "MODE", split = ",", defaultValue = "auto",
            description = "auto (the switcher decides), on or off (default: ${DEFAULT-VALUE}); eval sweeps take a list")
    List<String> reasoning;

    @Option(names = "--heads", paramLabel = "FILE", description = "switcher/verifier heads (safetensors, Edgewise heads format)")
    Path heads;

    @Option(names = "--branches", paramLabel = "N", split = ",", defaultValue = "4",
            description = "reasoning branches decoded together (default: ${DEFAULT-VALUE}); eval sweeps take a list")
    List<Integer> branches;

    @Option(names = "--budget", paramLabel = "N", split = ",", defaultValue = "1000",
            description = "response budget in tokens, thinking + answer; 0 = no budget forcing (default: ${DEFAULT-VALUE}); eval sweeps take a list")
    List<Integer> budget;

    @Option(names = "--thinking-budget", paramLabel = "N", defaultValue = "0", description = "cap on thinking tokens (default: none)")
    int thinkingBudget;

    @Option(names = "--min-thinking", paramLabel = "N", defaultValue = "0", description = "refuse to end thinking before N tokens and insert 'Wait' (default: off)")
    int minThinking;

    @Option(names = "--answer-allowance", paramLabel = "N", defaultValue = "64", description = "tokens allowed after forcing the answer (default: ${DEFAULT-VALUE})")
    int answerAllowance;

    @Option(names = "--forcing-text", paramLabel = "TEXT", description = "injected at the cap (default closes </think> and asks for the final answer)")
    String forcingText;

    @Option(names = "--budget-sentence", paramLabel = "TEXT", description = "appended to the question, {budget} = the budget (default: \"${DEFAULT-VALUE}\")",
            defaultValue = ReasoningRequest.DEFAULT_BUDGET_SENTENCE)
    String budgetSentence;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "1200", description = "cap on any response (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--vote", paramLabel = "METHOD", defaultValue = "weighted", description = "majority, weighted (verifier scores, else exp(mean log-prob)) or best (default: ${DEFAULT-VALUE})")
    String vote;

    @Option(names = "--answer-regex", paramLabel = "REGEX", description = "where the answer is when there is no \\\\boxed{...}")
    String answerRegex;

    @Option(names = "--verify-prompt", paramLabel = "TEXT", description = "prefilled after each branch before the verifier reads it")
    String verifyPrompt;

    @Option(names = "--verifier-adapter", paramLabel = "on|off", defaultValue = "on", description = "adapter on while encoding the verification prompt (default: ${DEFAULT-VALUE})")
    String verifierAdapter;

    @Option(names = "--adapter-prefill", description = "encode the prompt again with the adapter on (adapters not trained with masked LoRA)")
    boolean adapterPrefill;

    @Option(names = "--open-thinking", description = "start reasoning branches with <think> injected, for models that do not open it themselves")
    boolean openThinking;

    @Option(names = "--system", paramLabel = "TEXT", description = "system message")
    String system;

    @picocli.CommandLine.Mixin
    ChatTemplateOptionsMixin chatTemplate;
    /** One point of the (mode x branches x budget) grid. */
    record Cell(ReasoningMode mode, int branches, int budget) {
        String key() {
            return mode.name().toLowerCase(java.util.Locale.ROOT) + "/" + branches + "/" + budget;
        }
    }

    /** Every combination of the listed values, in the order given (modes, then branches, then budgets). */
    List<Cell> grid() {
        List<Cell> cells = new java.util.ArrayList<>();
        for (String m : reasoning) {
            ReasoningMode mode;
            try {
                mode = ReasoningMode.parse(m);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--reasoning: " + e.getMessage());
            }
            for (int n : branches) {
                if (n < 1) throw new UsageException("--branches must be >= 1, got " + n);
                for (int b : budget) {
                    if (b < 0) throw new UsageException("--budget must be >= 0, got " + b);
                    cells.add(new Cell(mode, n, b));
                }
            }
        }
        return cells;
    }

    /** The one cell of a single-run command; lists are for eval sweeps. */
    Cell single() {
        List<Cell> g = grid();
        if (g.size() != 1) throw new UsageException("--reasoning, --branches and --budget take one value here (lists are for eval sweeps)");
        return g.getFirst();
    }

    /** The most branches any cell decodes at once. */
    int maxBranches() {
        return branches.stream().mapToInt(Integer::intValue).max().orElse(1);
    }

    Heads loadHeads() throws IOException {
        return heads == null ? null : Heads.load(heads);
    }

    ReasoningRequest request(String question, List<ScaledAdapter> adapters, Heads h) throws IOException {
        return request(question, adapters, h, single());
    }

    ReasoningRequest request(String question, List<ScaledAdapter> adapters, Heads h, Cell cell) throws IOException {
        try {
            return builder(messages(question), adapters, h, cell).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The conversation of one question: the --system message, if any, then the question. */
    List<ChatTemplate.Message> messages(String question) {
        return system == null
                ? List.of(new ChatTemplate.Message("user", question))
                : List.of(new ChatTemplate.Message("system", system), new ChatTemplate.Message("user", question));
    }

    /** A request as these flags describe it, for callers that change a field before building. */
    ReasoningRequest.Builder builder(List<ChatTemplate.Message> messages, List<ScaledAdapter> adapters, Heads h) throws IOException {
        return builder(messages, adapters, h, single());
    }

    ReasoningRequest.Builder builder(List<ChatTemplate.Message> messages, List<ScaledAdapter> adapters, Heads h, Cell cell)
            throws IOException {
        try {
            BudgetForcing forcing = cell.budget() <= 0 ? null : new BudgetForcing(cell.budget(), thinkingBudget, forcingText, answerAllowance,
                    minThinking, null, null, null);
            return ReasoningRequest.builder(messages).mode(cell.mode()).adapters(adapters).heads(h).budget(forcing)
                    .budgetSentence(forcing == null ? null : budgetSentence).branches(cell.branches()).sampling(sampling.params())
                    .maxTokens(maxTokens).vote(VoteMethod.parse(vote))
                    .extractor(answerRegex == null ? AnswerExtractor.defaults() : AnswerExtractor.withRegex(answerRegex))
                    .verificationPrompt(verifyPrompt).verifierUsesAdapter(!"off".equalsIgnoreCase(verifierAdapter))
                    .adapterPrefill(adapterPrefill).openThinking(openThinking).chatOptions(chatTemplate.options());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
