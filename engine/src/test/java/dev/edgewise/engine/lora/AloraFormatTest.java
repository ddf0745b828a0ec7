package dev.edgewise.engine.lora;

import dev.edgewise.engine.ModelConfig;
import dev.edgewise.loader.GGUFValue;
import dev.edgewise.loader.GGUFValueType;
import dev.edgewise.loader.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading activated-LoRA invocation sequences from both adapter forms, and refusing malformed ones. */
class AloraFormatTest {
    static final ModelConfig C = SyntheticAdapter.smallConfig();

    @TempDir
    Path dir;

    @Test
    void peftConfigInvocationTokens() throws Exception {
        SyntheticAdapter s = new SyntheticAdapter(C, 4, 8, 1);
        s.config.put("alora_invocation_tokens", List.of(12L, 34L, 56L));
        try (LoraAdapter a = LoraAdapter.load(s.writePeft(dir.resolve("ok")), AdapterPrecision.F32)) {
            assertThat(a.activated()).isTrue();
            assertThat(a.invocationTokens()).containsExactly(12, 34, 56);
            a.validate(C);
        }
        s.config.put("alora_invocation_tokens", null);
        try (LoraAdapter a = LoraAdapter.load(s.writePeft(dir.resolve("null")), AdapterPrecision.F32)) {
            assertThat(a.activated()).as("null: a plain LoRA").isFalse();
        }
        for (Object bad : List.of(List.of(), List.of(1L, -2L), List.of(1L, 2.5), "12 34", List.of(1L << 40))) {
            s.config.put("alora_invocation_tokens", bad);
            Path p = s.writePeft(dir.resolve("bad" + bad.hashCode()));
            assertThatThrownBy(() -> LoraAdapter.load(p, AdapterPrecision.F32)).as("%s", bad).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("adapter_config.json").hasMessageContaining("alora_invocation_tokens");
        }
    }

    @Test
    void ggufInvocationTokensAsLlamaCppWritesThemAndAsGgufPyDefaultsThem() throws Exception {
        SyntheticAdapter s = new SyntheticAdapter(C, 4, 8, 1);
        Path u32 = dir.resolve("u32.gguf"), i32 = dir.resolve("i32.gguf");
        s.gguf(8).put("adapter.alora.invocation_tokens", GGUFValue.array(GGUFValueType.UINT32, new long[]{12, 34})).write(u32);
        s.gguf(8).put("adapter.alora.invocation_tokens", GGUFValue.int32Array(12, 34)).write(i32);
        for (Path p : List.of(u32, i32)) {
            try (LoraAdapter a = LoraAdapter.load(p, AdapterPrecision.F32)) {
                assertThat(a.invocationTokens()).as("%s", p.getFileName()).containsExactly(12, 34);
            }
        }
    }

    @Test
    void malformedGgufInvocationTokensAreNamed() throws Exception {
        SyntheticAdapter s = new SyntheticAdapter(C, 4, 8, 1);
        record Case(GGUFValue value, String message) {}
        for (Case c : List.of(
                new Case(GGUFValue.array(GGUFValueType.FLOAT32, new float[]{1f}), "is an array of FLOAT32, expected an array of UINT32"),
                new Case(GGUFValue.uint32(12), "is UINT32, expected an array of UINT32"),
                new Case(GGUFValue.int32Array(), "is empty"),
                new Case(GGUFValue.int32Array(5, -1), "adapter.alora.invocation_tokens[1] = -1 is not a token id"),
                new Case(GGUFValue.array(GGUFValueType.UINT32, new long[]{1L << 31}), "does not fit in a 32-bit int"))) {
            Path p = dir.resolve("bad.gguf");
            s.gguf(8).put("adapter.alora.invocation_tokens", c.value()).write(p);
            assertThatThrownBy(() -> LoraAdapter.load(p, AdapterPrecision.F32)).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("bad.gguf").hasMessageContaining(c.message());
        }
    }

    @Test
    void invocationTokensMustBeInTheModelsVocabulary() throws Exception {
        SyntheticAdapter s = new SyntheticAdapter(C, 4, 8, 1);
        Path p = dir.resolve("big.gguf");
        s.gguf(8).put("adapter.alora.invocation_tokens", GGUFValue.int32Array(5, C.vocabSize())).write(p);
        try (LoraAdapter a = LoraAdapter.load(p, AdapterPrecision.F32)) {
            assertThatThrownBy(() -> a.validate(C)).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("aLoRA invocation token " + C.vocabSize() + " is outside the vocabulary");
        }
    }
}
