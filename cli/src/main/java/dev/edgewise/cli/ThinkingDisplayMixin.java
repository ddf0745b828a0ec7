package dev.edgewise.cli;

import picocli.CommandLine.Option;

/**
 * {@code --show-thinking} / {@code --hide-thinking}: how a response's thinking section is printed. Shown by
 * default, dimmed (ANSI faint) when stdout is a terminal and plain otherwise; hidden prints the answer only.
 */
final class ThinkingDisplayMixin {
    private static final String FAINT = "\u001b[2m", RESET = "\u001b[0m";

    @Option(names = "--show-thinking", description = "print the thinking section (the default; dimmed on a terminal)")
    boolean show;

    @Option(names = "--hide-thinking", description = "print only the answer, not the thinking section")
    boolean hide;

    private Boolean terminal;

    void validate() {
        if (show && hide) throw new UsageException("--show-thinking and --hide-thinking exclude each other");
    }

    /** Text of thinking and answer as printed; the thinking part dimmed, plain or left out. */
    String format(String thinking, String content) {
        if (hide || thinking.isEmpty()) return content;
        return (dim() ? FAINT + thinking + RESET : thinking) + content;
    }

    /** The thinking and answer of a finished response, the thinking set off by a blank line. */
    String formatWhole(String thinking, String content) {
        if (hide || thinking.isEmpty()) return content;
        return format(thinking, "") + "\n\n" + content;
    }

    private boolean dim() {
        if (terminal == null) terminal = System.console() != null && System.console().isTerminal();
        return terminal;
    }
}
