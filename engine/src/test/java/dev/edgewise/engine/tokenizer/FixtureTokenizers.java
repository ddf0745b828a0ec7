package dev.edgewise.engine.tokenizer;

import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.testing.Fixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The two fixture vocabularies, loaded once per test JVM and shared by all test classes. */
final class FixtureTokenizers {
    private static Tokenizer real;
    private static Tokenizer mini;

    private FixtureTokenizers() {}

    /** tokenizer/qwen2-vocab.gguf (151,936 tokens); skips the calling test without fixtures. */
    static synchronized Tokenizer real() {
        if (real == null) real = load(Fixtures.path("tokenizer/qwen2-vocab.gguf"));
        return real;
    }

    /** tokenizer/mini-vocab.gguf (4,000 tokens); skips the calling test without fixtures. */
    static synchronized Tokenizer mini() {
        if (mini == null) mini = load(Fixtures.path("tokenizer/mini-vocab.gguf"));
        return mini;
    }

    static Tokenizer forVocabSize(long nVocab) {
        if (nVocab == 4000) return mini();
        if (nVocab == 151936) return real();
        throw new AssertionError("no fixture vocabulary with " + nVocab + " tokens");
    }

    static Tokenizer load(Path path) {
        try (GGUFFile f = GGUFFile.open(path)) {
            return Tokenizer.fromGGUF(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
