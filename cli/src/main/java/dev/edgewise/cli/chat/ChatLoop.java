package dev.edgewise.cli.chat;

import dev.edgewise.engine.Cancellation;
import dev.edgewise.engine.FinishReason;
import org.jline.keymap.KeyMap;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.Reference;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The terminal side of {@code edgewise chat}: reads lines with JLine (editing, history, a trailing backslash
 * or Alt-Enter for multi-line input, bracketed paste), runs slash commands, streams answers with thinking
 * dimmed, and maps Ctrl-C during an answer to {@link Cancellation} (at the prompt, Ctrl-C or Ctrl-D leaves).
 */
public final class ChatLoop {
    private static final String PROMPT = ">>> ", CONTINUATION = "... ";

    private final Terminal terminal;
    private final LineReader reader;
    private final PrintWriter out;
    private final ChatSession session;
    private final TurnRunner runner;
    private final ChatStats stats = new ChatStats();
    private final AtomicReference<Cancellation> running = new AtomicReference<>();
    private final boolean styled;

    /** @param history a file keeping the input history across sessions, or null for this session only */
    public ChatLoop(Terminal terminal, ChatSession session, TurnRunner runner, Path history) {
        this.terminal = terminal;
        this.session = session;
        this.runner = runner;
        this.out = terminal.writer();
        this.styled = !terminal.getType().startsWith(Terminal.TYPE_DUMB);
        LineReaderBuilder b = LineReaderBuilder.builder().terminal(terminal).appName("edgewise").parser(new ContinuationParser())
                .variable(LineReader.SECONDARY_PROMPT_PATTERN, CONTINUATION)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true); // "!" is text, not a history reference
        if (history != null) b.variable(LineReader.HISTORY_FILE, history);
        this.reader = b.build();
        reader.getWidgets().put("edgewise-newline", () -> {
            reader.getBuffer().write('\n');
            return true;
        });
        reader.getKeyMaps().get(LineReader.MAIN).bind(new Reference("edgewise-newline"), KeyMap.alt('\r'));
        terminal.handle(Terminal.Signal.INT, signal -> {
            Cancellation c = running.get();
            if (c != null) c.cancel();
        });
    }

    /** Runs until the user leaves; returns the process exit code (0). */
    public int run() {
        out.println("edgewise chat: /help for commands, Ctrl-C stops an answer, Ctrl-D leaves.");
        out.flush();
        while (true) {
            String line;
            try {
                line = ContinuationParser.join(reader.readLine(PROMPT));
            } catch (UserInterruptException | EndOfFileException e) {
                out.println();
                out.flush();
                return 0;
            }
            if (line.isBlank()) continue;
            if (SlashCommand.isCommand(line)) {
                if (!command(line)) return 0;
            } else {
                turn(line);
            }
            out.flush();
        }
    }

    /** Runs a slash command; false when it asks to leave. */
    private boolean command(String line) {
        SlashCommand c;
        try {
            c = SlashCommand.parse(line.strip());
        } catch (IllegalArgumentException e) {
            out.println(e.getMessage());
            return true;
        }
        switch (c) {
            case SlashCommand.Exit x -> {
                return false;
            }
            case SlashCommand.Help h -> out.println(SlashCommand.HELP);
            case SlashCommand.Reset r -> {
                session.reset();
                out.println("(conversation cleared)");
            }
            case SlashCommand.SetSystem s -> {
                session.system(s.text());
                out.println(s.text().isEmpty() ? "(system message removed; conversation cleared)" : "(system message set; conversation cleared)");
            }
            case SlashCommand.Think t -> think(t.mode());
            case SlashCommand.Branches b -> {
                session.branches(b.count());
                out.println(b.count() == 1 ? "(one branch per answer)" : "(" + b.count() + " branches per answer, voted)");
            }
            case SlashCommand.Lora l -> lora(l.name());
            case SlashCommand.Save s -> {
                try {
                    session.save(s.file());
                    out.println("(saved " + session.messages().size() + " messages to " + s.file() + ")");
                } catch (IOException e) {
                    out.println("cannot save " + s.file() + ": " + e.getMessage());
                }
            }
            case SlashCommand.Stats s -> out.println(stats.summary(session));
        }
        return true;
    }

    private void think(ThinkMode mode) {
        if (mode == ThinkMode.AUTO && !runner.hasHeads()) {
            out.println("/think auto needs switcher heads: start chat with --heads FILE");
            return;
        }
        if ((mode == ThinkMode.ON || mode == ThinkMode.OFF) && !runner.templateSwitchesThinking()) {
            out.println("this model's chat template has no " + dev.edgewise.engine.Model.THINKING_VARIABLE + " switch; thinking stays as the template does it");
            return;
        }
        session.think(mode);
        out.println("(thinking " + mode.name().toLowerCase(Locale.ROOT) + ")");
    }

    private void lora(String name) {
        if (name != null && !runner.hasAdapter(name)) {
            out.println(runner.adapterNames().isEmpty() ? "no adapters: start chat with --lora NAME=PATH (dynamic)"
                    : "no adapter named '" + name + "'; given: " + String.join(", ", runner.adapterNames()));
            return;
        }
        session.lora(name);
        out.println(name == null ? "(adapter off)" : "(adapter " + name + ")");
    }

    private void turn(String user) {
        Cancellation cancel = new Cancellation();
        running.set(cancel);
        TurnRunner.Result r;
        try {
            r = runner.run(session, user, cancel, new TurnRunner.Output() {
                private boolean thought;

                @Override
                public void thinking(String text) {
                    thought = true;
                    out.print(styled ? new AttributedString(text, AttributedStyle.DEFAULT.faint()).toAnsi(terminal) : text);
                    out.flush();
                }

                @Override
                public void content(String text) {
                    if (thought) out.print("\n\n"); // the thinking section is set off by a blank line
                    thought = false;
                    out.print(text);
                    out.flush();
                }
            });
        } catch (dev.edgewise.engine.ContextOverflowException | dev.edgewise.engine.kv.KvCacheFullException e) {
            out.println("error: " + e.getMessage() + "; /reset starts a new conversation");
            return;
        } catch (RuntimeException e) { // a template error, a bad adapter: the conversation goes on
            out.println("error: " + e.getMessage());
            return;
        } finally {
            running.set(null);
        }
        if (!r.streamed()) printWhole(r);
        out.println();
        if (r.finishReason() == FinishReason.CANCELLED) out.println("[stopped]");
        session.addTurn(user, r.rawText());
        stats.add(r);
        if (r.note() != null) out.println("[" + r.note() + "]");
        out.println(ChatStats.turnLine(r));
    }

    private void printWhole(TurnRunner.Result r) {
        if (r.vote() != null) {
            out.println("[vote of " + session.branches() + " branches: " + r.vote().display().orElse("(no answer found)")
                    + (r.vote().winningBranch() >= 0 ? ", branch " + r.vote().winningBranch() : "") + "]");
        }
        if (!r.thinking().isEmpty()) {
            out.println(styled ? new AttributedString(r.thinking(), AttributedStyle.DEFAULT.faint()).toAnsi(terminal) : r.thinking());
        }
        out.print(r.content());
    }
}
