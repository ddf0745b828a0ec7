package dev.edgewise.engine.template;

/** The budget of one render: output size, iterations, macro depth and time (see {@link Limits}). */
final class RenderContext {
    final Limits limits;
    private final long deadline;
    private long iterations;
    int callDepth;
    int loopDepth;

    RenderContext(Limits limits) {
        this.limits = limits;
        this.deadline = System.nanoTime() + limits.maxNanos();
    }

    /** Counts {@code n} units of work (loop iterations, items built) and checks the time every so often. */
    void step(long n) {
        long before = iterations;
        iterations += n;
        if (iterations > limits.maxIterations()) {
            throw new TemplateError("more than " + limits.maxIterations() + " loop iterations");
        }
        if ((before >>> 10) != (iterations >>> 10) && System.nanoTime() > deadline) {
            throw new TemplateError("rendering took longer than " + limits.maxNanos() / 1_000_000 + " ms");
        }
    }

    String checkString(String s) {
        if (s.length() > limits.maxOutputChars()) throw new TemplateError("string of more than " + limits.maxOutputChars() + " characters");
        return s;
    }

    void checkLength(long chars) {
        if (chars > limits.maxOutputChars()) throw new TemplateError("string of more than " + limits.maxOutputChars() + " characters");
    }
}
