package dev.edgewise.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Texts given on the command line as a file name, or {@code -} for standard input (prompts, texts to
 * tokenize, data sets). Read as raw bytes, so that NUL and ill-formed UTF-8 reach the tokenizer as
 * they are; bounded, so that a wrong file (a model, a device) ends in one line instead of an
 * OutOfMemoryError.
 */
final class TextInput {
    /** The largest text read: far above any context window, far below the heap. */
    static final int MAX_BYTES = 64 << 20;

    private TextInput() {}

    /** The bytes of {@code file}, or of standard input when it is {@code -}. */
    static byte[] bytes(String file) throws IOException {
        if (file.equals("-")) return bounded(System.in, "standard input");
        Path p = Path.of(file);
        if (Files.isDirectory(p)) throw new UsageException(file + " is a directory, not a text file");
        if (!Files.exists(p)) throw new NoSuchFileException(file);
        try (InputStream in = Files.newInputStream(p)) {
            return bounded(in, file);
        }
    }

    /** The text of {@code file} (or standard input) as UTF-8; ill-formed bytes become U+FFFD. */
    static String string(String file) throws IOException {
        return new String(bytes(file), StandardCharsets.UTF_8);
    }

    /** What to call the input in messages. */
    static String name(String file) {
        return file.equals("-") ? "standard input" : file;
    }

    private static byte[] bounded(InputStream in, String name) throws IOException {
        byte[] b = in.readNBytes(MAX_BYTES + 1);
        if (b.length > MAX_BYTES) {
            throw new UsageException(name + " holds more than " + (MAX_BYTES >> 20) + " MiB; a text input is limited to that");
        }
        return b;
    }
}
