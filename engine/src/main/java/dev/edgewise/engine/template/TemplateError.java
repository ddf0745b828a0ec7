package dev.edgewise.engine.template;

/**
 * An error inside the interpreter, before the template name is known; {@link JinjaTemplate} turns it into a
 * {@link TemplateException}. {@code line} is 0 until a node that knows its line passes it on.
 */
final class TemplateError extends RuntimeException {
    final int line;
    final boolean raised;

    TemplateError(String message) {
        this(message, 0, false);
    }

    TemplateError(String message, int line, boolean raised) {
        super(message, null, false, false);
        this.line = line;
        this.raised = raised;
    }

    /** This error with {@code line} filled in when it has none yet. */
    TemplateError at(int line) {
        return this.line > 0 || line <= 0 ? this : new TemplateError(getMessage(), line, raised);
    }
}
