package dev.edgewise.cli.chat;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A line of {@code edgewise chat} that starts with {@code /}: parsed by {@link #parse}, which names the
 * mistake in one line ({@link IllegalArgumentException}) for an unknown command or a bad argument.
 */
public sealed interface SlashCommand {
    /** {@code /reset}: forget the conversation (the system message stays). */
    record Reset() implements SlashCommand {}

    /** {@code /system TEXT}: a new system message; the conversation starts again. An empty text removes it. */
    record SetSystem(String text) implements SlashCommand {}

    /** {@code /think on|off|auto}. */
    record Think(ThinkMode mode) implements SlashCommand {}

    /** {@code /branches N}: N branches per answer, voted. */
    record Branches(int count) implements SlashCommand {}

    /** {@code /lora NAME|off}: name null for off. */
    record Lora(String name) implements SlashCommand {}

    /** {@code /save FILE}: the conversation as JSON messages. */
    record Save(Path file) implements SlashCommand {}

    /** {@code /stats}. */
    record Stats() implements SlashCommand {}

    /** {@code /help}. */
    record Help() implements SlashCommand {}

    /** {@code /exit} or {@code /quit}. */
    record Exit() implements SlashCommand {}

    /** The help text, one command a line. */
    String HELP = """
            /reset              forget the conversation (keeps the system message)
            /system TEXT        set the system message and start again (/system with no text removes it)
            /think on|off|auto  thinking on or off (templates with enable_thinking); auto: the switcher decides (needs --heads)
            /branches N         sample N branches per answer and show the voted one (1: plain)
            /lora NAME|off      answer with the adapter given as --lora NAME=PATH, or with none
            /save FILE          write the conversation as JSON messages
            /stats              tokens, cached prompt tokens, speed
            /help               this text
            /exit               leave (also Ctrl-D, or Ctrl-C at the prompt)
            A line ending in \\ continues on the next line; Alt-Enter inserts a newline; Ctrl-C stops an answer.""";

    /** Whether {@code line} is a slash command rather than a message. */
    static boolean isCommand(String line) {
        return line.startsWith("/");
    }

    /** Parses a line starting with {@code /}. */
    static SlashCommand parse(String line) {
        if (!isCommand(line)) throw new IllegalArgumentException("not a command: " + line);
        String body = line.substring(1).strip();
        int space = indexOfWhitespace(body);
        String name = (space < 0 ? body : body.substring(0, space)).toLowerCase(Locale.ROOT);
        String arg = space < 0 ? "" : body.substring(space).strip();
        return switch (name) {
            case "reset" -> noArgument(name, arg, new Reset());
            case "stats" -> noArgument(name, arg, new Stats());
            case "help", "?" -> noArgument(name, arg, new Help());
            case "exit", "quit", "bye" -> noArgument(name, arg, new Exit());
            case "system" -> new SetSystem(arg);
            case "think" -> new Think(ThinkMode.parse(arg));
            case "branches" -> new Branches(branches(arg));
            case "lora" -> {
                if (arg.isEmpty()) throw new IllegalArgumentException("/lora needs an adapter name or off");
                yield new Lora(arg.equalsIgnoreCase("off") ? null : arg);
            }
            case "save" -> {
                if (arg.isEmpty()) throw new IllegalArgumentException("/save needs a file name");
                yield new Save(Path.of(arg));
            }
            case "" -> throw new IllegalArgumentException("empty command; /help lists them");
            default -> throw new IllegalArgumentException("unknown command /" + name + "; /help lists them");
        };
    }

    private static SlashCommand noArgument(String name, String arg, SlashCommand c) {
        if (!arg.isEmpty()) throw new IllegalArgumentException("/" + name + " takes no argument, got '" + arg + "'");
        return c;
    }

    private static int branches(String arg) {
        try {
            int n = Integer.parseInt(arg);
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("/branches needs a whole number >= 1, got '" + arg + "'");
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }
}
