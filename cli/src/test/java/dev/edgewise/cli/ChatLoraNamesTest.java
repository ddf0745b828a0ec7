package dev.edgewise.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --lora [NAME=]PATH[:SCALE]}: the names chat's /lora selects. */
class ChatLoraNamesTest {
    @Test
    void namesComeFromNameEqualsOrTheFileName() {
        assertThat(LoraOptionsMixin.parse("math=/a/b/math-lora.gguf:0.5"))
                .isEqualTo(new LoraOptionsMixin.Spec("math", Path.of("/a/b/math-lora.gguf"), 0.5f));
        assertThat(LoraOptionsMixin.parse("/a/b/math-lora.gguf")).isEqualTo(new LoraOptionsMixin.Spec("math-lora", Path.of("/a/b/math-lora.gguf"), 1f));
        assertThat(LoraOptionsMixin.parse("/a/peft_dir:2")).isEqualTo(new LoraOptionsMixin.Spec("peft_dir", Path.of("/a/peft_dir"), 2f));
        assertThat(LoraOptionsMixin.parse("/a/x=y/dir").path()).isEqualTo(Path.of("/a/x=y/dir")); // '=' after a path separator is path
        LoraOptionsMixin m = new LoraOptionsMixin();
        m.lora = List.of("a=/x/one.gguf", "/y/two.gguf");
        assertThat(m.names()).containsExactly("a", "two");
        m.lora = List.of("/x/one.gguf", "/y/one.gguf");
        assertThatThrownBy(m::names).hasMessage("--lora: two adapters named 'one'; name them with NAME=PATH");
    }
}
