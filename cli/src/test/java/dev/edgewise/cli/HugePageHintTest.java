package dev.edgewise.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;

class HugePageHintTest {

    private static String hint(OptionalDouble share) {
        StringWriter text = new StringWriter();
        try (PrintWriter to = new PrintWriter(text)) {
            HugePageHint.printIfLow(share, Path.of("/models/qwen.gguf"), to);
        }
        return text.toString();
    }

    @Test
    void mostlySmallPagesGetOneNoteWithTheCommandThatFixesIt() {
        assertThat(hint(OptionalDouble.of(0.12)))
                .startsWith("note: 12% of the weights are mapped in 2 MiB pages")
                .contains("dd if=/models/qwen.gguf of=/dev/null iflag=nocache count=0")
                .hasLineCount(1);
    }

    @Test
    void mostlyHugePagesOrAnUnknownShareSayNothing() {
        assertThat(hint(OptionalDouble.of(0.5))).isEmpty();
        assertThat(hint(OptionalDouble.of(0.97))).isEmpty();
        assertThat(hint(OptionalDouble.empty())).isEmpty();
    }
}
