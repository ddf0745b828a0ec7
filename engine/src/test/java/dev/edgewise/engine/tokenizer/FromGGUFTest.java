package dev.edgewise.engine.tokenizer;

import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFValue;
import dev.edgewise.loader.GGUFWriter;
import dev.edgewise.loader.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FromGGUFTest {
    @TempDir
    Path dir;

    private Tokenizer load(Consumer<Map<String, GGUFValue>> edit) throws IOException {
        Vocabulary v = new TestVocab().merge("a", "b").added("<|im_end|>", Vocabulary.CONTROL).build();
        String[] tokens = new String[v.size()];
        int[] types = new int[v.size()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = v.token(i);
            types[i] = v.type(i);
        }
        Map<String, GGUFValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GGUFValue.string("qwen2"));
        kv.put("tokenizer.ggml.model", GGUFValue.string("gpt2"));
        kv.put("tokenizer.ggml.pre", GGUFValue.string("qwen2"));
        kv.put("tokenizer.ggml.tokens", GGUFValue.stringArray(tokens));
        kv.put("tokenizer.ggml.token_type", GGUFValue.int32Array(types));
        kv.put("tokenizer.ggml.merges", GGUFValue.stringArray(new String[] {v.merge(0)}));
        kv.put("tokenizer.ggml.eos_token_id", GGUFValue.uint32(tokens.length - 1));
        edit.accept(kv);
        GGUFWriter w = new GGUFWriter();
        kv.forEach(w::put);
        Path p = dir.resolve("vocab.gguf");
        w.write(p);
        try (GGUFFile f = GGUFFile.open(p)) {
            return Tokenizer.fromGGUF(f);
        }
    }

    @Test
    void readsTheTokenizerKeys() throws IOException {
        Tokenizer t = load(kv -> { });
        assertThat(t.vocabulary().size()).isEqualTo(258);
        assertThat(t.vocabulary().eos()).isEqualTo(257);
        assertThat(t.vocabulary().bos()).isEqualTo(-1);
        assertThat(t.encode("abc<|im_end|>", true)).containsExactly(256, 'c', 257);
        assertThat(t.endOfGenerationTokens()).containsExactly(257);
        assertThat(load(kv -> kv.put("tokenizer.ggml.pre", GGUFValue.string("deepseek-r1-qwen"))).encode("ab", false)).containsExactly(256);
    }

    @Test
    void missingTokenTypesMeanNormal() throws IOException {
        Tokenizer t = load(kv -> kv.remove("tokenizer.ggml.token_type"));
        assertThat(t.vocabulary().type(257)).isEqualTo(Vocabulary.NORMAL);
        // "<|im_end|>" is still CONTROL for llama.cpp, by its text
        assertThat(t.encode("<|im_end|>", true)).containsExactly(257);
    }

    @Test
    void unsupportedOrInconsistentTokenizersAreRejectedByName() {
        assertThatThrownBy(() -> load(kv -> kv.put("tokenizer.ggml.model", GGUFValue.string("llama"))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("vocab.gguf").hasMessageContaining("'llama'");
        assertThatThrownBy(() -> load(kv -> kv.put("tokenizer.ggml.pre", GGUFValue.string("llama-bpe"))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("tokenizer.ggml.pre").hasMessageContaining("'llama-bpe'");
        assertThatThrownBy(() -> load(kv -> kv.remove("tokenizer.ggml.pre")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("tokenizer.ggml.pre is missing");
        assertThatThrownBy(() -> load(kv -> kv.put("tokenizer.ggml.eos_token_id", GGUFValue.uint32(9999))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("eos_token_id = 9999");
        assertThatThrownBy(() -> load(kv -> kv.put("tokenizer.ggml.token_type", GGUFValue.int32Array(new int[] {1, 1}))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("token_type has 2 entries");
        assertThatThrownBy(() -> load(kv -> {
            kv.put("tokenizer.ggml.tokens", GGUFValue.stringArray(new String[] {"a", "a"}));
            kv.remove("tokenizer.ggml.eos_token_id");
        }))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("duplicate token");
        assertThatThrownBy(() -> load(kv -> kv.remove("tokenizer.ggml.merges")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("tokenizer.ggml.merges");
    }
}
