package dev.edgewise.engine.constraint;

import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The trie walk allows exactly the tokens a brute-force check over the whole vocabulary allows, in many automaton states. */
class TokenTrieTest {
    static Tokenizer load(String path) {
        try (GGUFFile f = GGUFFile.open(Fixtures.path(path))) {
            return Tokenizer.fromGGUF(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** States reached by every prefix of some valid documents. */
    static List<JsonState> states(SchemaNode root, List<String> docs) {
        List<JsonState> out = new ArrayList<>();
        for (String d : docs) {
            JsonState s = root.start(JsonState.TOP);
            out.add(s);
            for (byte b : d.getBytes(StandardCharsets.UTF_8)) {
                s = s.next(b & 0xFF);
                assertThat(s).as("%s rejected", d).isNotNull();
                out.add(s);
            }
            assertThat(s.canEnd()).as(d).isTrue();
        }
        return out;
    }

    @Test
    void walkEqualsBruteForceOnTheRealVocabulary() {
        Tokenizer tok = load("tokenizer/qwen2-vocab.gguf");
        TokenTrie trie = TokenTrie.of(tok);
        SchemaNode schema = SchemaCompiler.compile("""
                {"type": "object", "properties": {"name": {"type": "string"}, "n": {"type": "integer"},
                 "tags": {"type": "array", "items": {"enum": ["a", "b c", 12, null]}}, "ok": {"type": "boolean"}},
                 "required": ["name"], "additionalProperties": false}""");
        List<JsonState> states = states(schema, List.of("{\"name\": \"h\\u00e9llo \\\"w\\\" 日本\", \"n\": -120, \"tags\": [\"b c\", 12, null], \"ok\": true}",
                "{\"name\":\"\"}"));
        states.addAll(states(SchemaNode.AnyValue.INSTANCE, List.of("{\"a\": [1.5e3, {\"b\": \"x\"}, false], \"c\": null}", "-0.25", "\"\\ud7ff\"")));
        SplittableRandom r = new SplittableRandom(3);
        long walkNanos = 0;
        for (JsonState s : states) {
            long[] allowed = new long[(trie.size() + 63) >>> 6];
            long t0 = System.nanoTime();
            trie.walk(s, allowed);
            walkNanos += System.nanoTime() - t0;
            for (int i = 0; i < trie.size(); i++) {
                boolean expected = accepts(s, tok.tokenBytes(trie.sortedTokens[i]));
                boolean got = (allowed[i >>> 6] & (1L << i)) != 0;
                if (expected != got) {
                    throw new AssertionError("token " + trie.sortedTokens[i] + " '" + tok.piece(trie.sortedTokens[i]) + "': walk " + got + ", brute force " + expected);
                }
            }
        }
        for (int rep = 0; rep < 3; rep++) {
            java.util.Map<String, long[]> byKind = new java.util.TreeMap<>();
            for (JsonState s : states) {
                long[] allowed = new long[(trie.size() + 63) >>> 6];
                long t0 = System.nanoTime();
                trie.walk(s, allowed);
                long dt = System.nanoTime() - t0;
                long[] a = byKind.computeIfAbsent(s.getClass().getSimpleName() + (s.stringSub() >= 0 ? "(in string)" : ""), x -> new long[2]);
                a[0] += dt;
                a[1]++;
            }
            if (rep == 2) byKind.forEach((k, v) -> System.out.printf("  %-20s %4d states, mean %.3f ms%n", k, v[1], v[0] / 1e6 / v[1]));
        }
        System.out.printf("trie: %d tokens, %d nodes; %d states, mean walk %.3f ms%n", trie.size(), trie.nodes(), states.size(),
                walkNanos / 1e6 / states.size());
        assertThat(r).isNotNull();
    }

    static boolean accepts(JsonState s, byte[] bytes) {
        for (byte b : bytes) {
            s = s.next(b & 0xFF);
            if (s == null) return false;
        }
        return true;
    }
}
