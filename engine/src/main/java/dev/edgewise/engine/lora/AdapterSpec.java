package dev.edgewise.engine.lora;

import java.nio.file.Path;

/**
 * An adapter named as {@code PATH[:SCALE]} (the CLI's {@code --lora} argument): a PEFT directory or
 * a llama.cpp adapter GGUF, and the scale it is applied with (default 1).
 */
public record AdapterSpec(Path path, float scale) {

    /** Parses {@code PATH[:SCALE]}; a colon not followed by a number belongs to the path. */
    public static AdapterSpec parse(String arg) {
        int colon = arg.lastIndexOf(':');
        if (colon > 0) {
            try {
                return new AdapterSpec(Path.of(arg.substring(0, colon)), Float.parseFloat(arg.substring(colon + 1)));
            } catch (NumberFormatException e) {
                // a colon inside the path: no scale given
            }
        }
        return new AdapterSpec(Path.of(arg), 1f);
    }
}
