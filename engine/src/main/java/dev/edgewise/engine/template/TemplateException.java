package dev.edgewise.engine.template;

/**
 * A template that cannot be compiled or rendered: a syntax error, a runtime error (undefined value used,
 * wrong type), a call of {@code raise_exception(msg)}, or a limit exceeded. {@link #getMessage()} is one
 * line: {@code template NAME, line N: message}; {@link #detail()} is the message alone (for
 * {@code raise_exception}, exactly the text the template passed).
 */
public final class TemplateException extends RuntimeException {
    private final String templateName;
    private final int line;
    private final String detail;
    private final boolean raised;

    TemplateException(String templateName, int line, String detail, boolean raised) {
        super("template " + templateName + (line > 0 ? ", line " + line : "") + ": " + detail, null, false, false);
        this.templateName = templateName;
        this.line = line;
        this.detail = detail;
        this.raised = raised;
    }

    /** The name the template was compiled under. */
    public String templateName() { return templateName; }

    /** 1-based line of the template where the error was found, 0 if unknown. */
    public int line() { return line; }

    /** The message without template name and line. */
    public String detail() { return detail; }

    /** Whether the template itself aborted with {@code raise_exception(msg)} ({@link #detail()} is msg). */
    public boolean raisedByTemplate() { return raised; }
}
