package dev.edgewise.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.loader.GGUFFile;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The Qwen2 tokenizer on the fixtures' mini vocabulary: arbitrary text encodes with and without
 * special-token parsing; without it, decoding gives the text back byte for byte; arbitrary id
 * sequences decode (ids out of range are refused with an IllegalArgumentException).
 */
class TokenizerFuzzTest {
    private static Tokenizer tokenizer;

    private static Tokenizer tokenizer() {
        if (tokenizer == null) {
            Path vocab = Path.of(System.getProperty("edgewise.fixtures", "../../shared/fixtures"), "tokenizer", "mini-vocab.gguf");
            Assumptions.assumeTrue(Files.isRegularFile(vocab), "fixture vocabulary absent: " + vocab);
            try (GGUFFile f = GGUFFile.open(vocab)) {
                tokenizer = Tokenizer.fromGGUF(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tokenizer;
    }

    @FuzzTest(maxDuration = "30s")
    void encode(FuzzedDataProvider in) {
        Tokenizer t = tokenizer();
        boolean special = in.consumeBoolean();
        String text = in.consumeRemainingAsString();
        int[] ids = t.encode(text, special);
        if (!special) {
            byte[] back = t.decode(ids).getBytes(StandardCharsets.UTF_8);
            if (!Arrays.equals(back, text.getBytes(StandardCharsets.UTF_8))) {
                throw new AssertionError("decode(encode(text)) != text for " + Arrays.toString(text.codePoints().toArray()));
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void decode(int @NotNull [] ids) {
        Tokenizer t = tokenizer();
        Invariants.refusesCleanly(() -> {
            t.decode(ids);
            t.decode(ids, true);
            var stream = t.streamingDecoder();
            for (int id : ids) stream.accept(id);
        });
    }
}
