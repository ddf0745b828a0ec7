package dev.edgewise.cli;

import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.lora.AdapterActivation;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.vote.AnswerExtractor;
import dev.edgewise.engine.vote.VoteMethod;
import dev.edgewise.engine.vote.Voter;
import dev.edgewise.engine.Timings;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code edgewise run}: generate from a prompt, streaming text to stdout and statistics to stderr. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Generate text from a prompt.")
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptionsMixin model;

    @Mixin
    SamplingOptionsMixin sampling;

    @Mixin
    LoraOptionsMixin lora;

    @Mixin
    ResponseFormatOptions format;

    @Mixin
    ChatTemplateOptionsMixin chatTemplate;

    @Mixin
    ThinkingDisplayMixin thinking;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "the prompt (default: a short greeting)")
    String prompt;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
            description = "read the prompt from FILE (- for standard input); a plain prompt is tokenized from its bytes as they are")
    String file;

    @Option(names = "--chat", description = "wrap the prompt as a user message in the model's chat template")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "system message for --chat (default: the template's, if any)")
    String system;

    @Option(names = "--verbose-prompt", description = "print the rendered prompt to stderr before generating")
    boolean verbosePrompt;

    @Option(names = "--special", description = "parse special-token text (e.g. <|im_start|>) in a plain prompt")
    boolean special;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "256", description = "tokens to generate at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop when this text appears (repeatable)")
    List<String> stops = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "keep generating past end-of-generation tokens")
    boolean ignoreEos;

    @Option(names = "--branches", paramLabel = "N", defaultValue = "1",
            description = "sample N branches from the one prompt, decoded together; branch i uses seed+i (default: ${DEFAULT-VALUE})")
    int branches;

    @Option(names = "--vote", paramLabel = "METHOD", defaultValue = "majority",
            description = "how branches choose an answer: majority, weighted (by exp(mean log-prob)) or best (default: ${DEFAULT-VALUE})")
    String vote;

    @Option(names = "--answer-regex", paramLabel = "REGEX",
            description = "where the answer is when there is no \\boxed{...} (group 1 if any; default: the last number)")
    String answerRegex;

    @Option(names = "--show-branches", description = "print every branch's text")
    boolean showBranches;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (maxTokens < 0) throw new UsageException("--max-tokens must be >= 0, got " + maxTokens);
        if (system != null && !chat) throw new UsageException("--system needs --chat");
        thinking.validate();
        if (!chat && (chatTemplate.templateFile != null || chatTemplate.kwargsJson != null)) {
            throw new UsageException("--chat-template and --chat-template-kwargs need --chat");
        }
        if (branches < 1) throw new UsageException("--branches must be at least 1, got " + branches);
        Voter voter = branches > 1 ? voter() : null;
        if (prompt != null && file != null) throw new UsageException("give either --prompt or --file, not both");
        byte[] fileBytes = file != null ? TextInput.bytes(file) : null;
        var responseFormat = format.format();
        String text = fileBytes != null ? new String(fileBytes, StandardCharsets.UTF_8) : prompt != null ? prompt : "Once upon a time";
        try (Model m = model.load(err, options())) {
            GenerationRequest.Builder request;
            if (chat) {
                List<ChatTemplate.Message> messages = new ArrayList<>();
                if (system != null) messages.add(new ChatTemplate.Message("system", system));
                messages.add(new ChatTemplate.Message("user", text));
                request = GenerationRequest.chat(messages).chatOptions(chatTemplate.options());
            } else if (fileBytes != null) {
                request = GenerationRequest.tokens(m.tokenizer().encode(fileBytes, special)); // NUL and ill-formed bytes as llama.cpp reads them
            } else {
                request = GenerationRequest.prompt(text).parseSpecial(special);
            }
            request.maxTokens(maxTokens).sampling(sampling.params()).stopStrings(stops).ignoreEndOfGeneration(ignoreEos)
                    .responseFormat(responseFormat);
            request.adapters(lora.apply(m, AdapterPrecision.F16));
            if (chat) chatTemplate.noteIfBuiltin(m, err);
            GenerationRequest built = request.branches(branches).build();
            if (verbosePrompt) {
                err.println("prompt (" + m.promptTokens(built).length + " tokens):");
                err.println(m.renderPrompt(built));
                err.flush();
            }
            GenerationResult result;
            if (branches == 1) {
                if (!chat && responseFormat == null) out.print(text); // JSON output stays a document of its own
                result = m.generate(built, event -> {
                    out.print(thinking.format(event.reasoningContent(), event.content()));
                    out.flush();
                });
                out.println();
            } else {
                result = m.generate(built, TokenListener.NONE);
                BranchReport.print(out, result.branches(), voter.voteBranches(result.branches()), List.of(), showBranches, thinking);
            }
            out.flush();
            if (result.adapterActivation().invocationMissing()) err.println("edgewise: warning: " + AdapterActivation.INVOCATION_MISSING_WARNING);
            Timings t = result.timings();
            err.printf(Locale.ROOT, "%nprompt: %d tokens, %.1f tok/s | first token: %.0f ms | decode: %d tokens, %.1f tok/s, %.1f ms/step | load: %.0f ms | threads: %d | seed: %d | stop: %s%n",
                    t.promptTokens(), t.promptTokensPerSecond(), t.timeToFirstTokenMillis(), t.generatedTokens(),
                    t.decodeTokensPerSecond(), t.stepMillis(), m.loadNanos() / 1e6, model.options().threads(), sampling.resolvedSeed(),
                    result.finishReason().name().toLowerCase(Locale.ROOT));
            HugePageHint.printIfLow(HugePageHint.share(m), m.file().path(), m.fileBytesReadPerToken(), err);
        }
        return 0;
    }

    private ModelOptions options() {
        ModelOptions o = model.options();
        return branches > o.batchSize() ? o.withBatchSize(branches) : o;
    }

    private Voter voter() {
        try {
            AnswerExtractor extractor = answerRegex == null ? AnswerExtractor.defaults() : AnswerExtractor.withRegex(answerRegex);
            return new Voter(extractor, VoteMethod.parse(vote));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
