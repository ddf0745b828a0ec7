package dev.edgewise.engine.lora;

import java.nio.file.Path;

/**
 * An adapter named as {@code [NAME=]PATH[:SCALE]} (the CLI's {@code --lora} argument): a PEFT directory
 * or a llama.cpp adapter GGUF, the scale it is applied with (default 1), and the name requests and the
 * chat's {@code /lora} choose it by (default: the file or directory name, without {@code .gguf}).
 */
public record AdapterSpec(Path path, float scale, String name) {

    /** An adapter named after its file. */
    public AdapterSpec(Path path, float scale) {
        this(path, scale, defaultName(path));
    }

    /**
     * Parses {@code [NAME=]PATH[:SCALE]}: a NAME is letters, digits, '_', '-' and '.' (no path separator);
     * a colon not followed by a number belongs to the path.
     */
    public static AdapterSpec parse(String arg) {
        String name = null;
        int eq = arg.indexOf('=');
        if (eq > 0 && arg.substring(0, eq).matches("[A-Za-z0-9_.-]+")) {
            name = arg.substring(0, eq);
            arg = arg.substring(eq + 1);
        }
        Path path = Path.of(arg);
        float scale = 1f;
        int colon = arg.lastIndexOf(':');
        if (colon > 0) {
            try {
                scale = Float.parseFloat(arg.substring(colon + 1));
                path = Path.of(arg.substring(0, colon));
            } catch (NumberFormatException e) {
                // a colon inside the path: no scale given
            }
        }
        return new AdapterSpec(path, scale, name == null ? defaultName(path) : name);
    }

    private static String defaultName(Path path) {
        String name = path.getFileName() == null ? path.toString() : path.getFileName().toString();
        return name.endsWith(".gguf") ? name.substring(0, name.length() - ".gguf".length()) : name;
    }
}
