package dev.edgewise.cli;

import dev.edgewise.engine.lora.AdapterSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --lora [NAME=]PATH[:SCALE]}: the names chat's /lora selects. */
class ChatLoraNamesTest {
    @Test
    void namesComeFromNameEqualsOrTheFileName() {
        assertThat(AdapterSpec.parse("math=/a/b/math-lora.gguf:0.5")).isEqualTo(new AdapterSpec(Path.of("/a/b/math-lora.gguf"), 0.5f, "math"));
        assertThat(AdapterSpec.parse("/a/b/math-lora.gguf")).isEqualTo(new AdapterSpec(Path.of("/a/b/math-lora.gguf"), 1f, "math-lora"));
        assertThat(AdapterSpec.parse("/a/peft_dir:2")).isEqualTo(new AdapterSpec(Path.of("/a/peft_dir"), 2f, "peft_dir"));
        assertThat(AdapterSpec.parse("/a/x=y/dir").path()).isEqualTo(Path.of("/a/x=y/dir")); // '=' after a path separator is path
        LoraOptionsMixin m = new LoraOptionsMixin();
        m.lora = List.of("a=/x/one.gguf", "/y/two.gguf");
        assertThat(m.names()).containsExactly("a", "two");
        m.lora = List.of("/x/one.gguf", "/y/one.gguf");
        assertThatThrownBy(m::names).hasMessage("--lora: two adapters named 'one'; name them with NAME=PATH");
    }
}
