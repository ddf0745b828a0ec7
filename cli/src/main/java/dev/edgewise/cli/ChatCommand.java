package dev.edgewise.cli;

import dev.edgewise.cli.chat.ChatLoop;
import dev.edgewise.cli.chat.ChatSession;
import dev.edgewise.cli.chat.TurnRunner;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.vote.AnswerExtractor;
import dev.edgewise.engine.vote.VoteMethod;
import dev.edgewise.engine.vote.Voter;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code edgewise chat}: an interactive conversation on the terminal (see {@link ChatLoop}). */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Talk with a model: line editing, history, slash commands (/help); each turn reuses the conversation's KV cache.")
final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptionsMixin model;

    @Mixin
    SamplingOptionsMixin sampling;

    @Mixin
    LoraOptionsMixin lora;

    @Mixin
    ChatTemplateOptionsMixin chatTemplate;

    @Option(names = "--system", paramLabel = "TEXT", description = "system message (default: the template's, if any); /system changes it")
    String system;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "1024", description = "tokens per answer at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--heads", paramLabel = "FILE", description = "switcher/verifier heads, for /think auto (the reasoning pipeline)")
    Path heads;

    @Option(names = "--vote", paramLabel = "METHOD", defaultValue = "majority",
            description = "how /branches N chooses an answer: majority, weighted or best (default: ${DEFAULT-VALUE})")
    String vote;

    @Option(names = "--history", paramLabel = "FILE", description = "keep the input history in FILE across sessions (default: this session only)")
    Path history;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (maxTokens < 1) throw new UsageException("--max-tokens must be at least 1, got " + maxTokens);
        Voter voter;
        try {
            voter = new Voter(AnswerExtractor.defaults(), VoteMethod.parse(vote));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        List<String> names = lora.names();
        var chatOptions = chatTemplate.options();
        Heads h = heads == null ? null : Heads.load(heads);
        try (Model m = model.load(err, model.options())) {
            chatTemplate.noteIfBuiltin(m, err);
            List<ScaledAdapter> loaded = lora.apply(m, AdapterPrecision.F16);
            Map<String, List<ScaledAdapter>> byName = new LinkedHashMap<>();
            for (int i = 0; i < loaded.size(); i++) byName.put(names.get(i), List.of(loaded.get(i)));
            // every dynamic adapter given is on at first, as in run; /lora NAME picks one, /lora off none
            String initial = null;
            if (loaded.size() == 1) {
                initial = names.getFirst();
            } else if (loaded.size() > 1) {
                initial = "all";
                byName.put(initial, loaded);
            }
            TurnRunner runner = new TurnRunner(m, chatOptions, sampling.params(), maxTokens, byName, h, voter);
            err.flush();
            try (Terminal terminal = TerminalBuilder.builder().name("edgewise").system(true).build()) {
                return new ChatLoop(terminal, new ChatSession(system, initial), runner, history).run();
            }
        }
    }
}
