package dev.edgewise.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;

class HugePageHintTest {

    private static final long MODEL_BYTES = 350L << 20;

    private static String hint(OptionalDouble share) {
        return hint(share, MODEL_BYTES);
    }

    private static String hint(OptionalDouble share, long bytes) {
        StringWriter text = new StringWriter();
        try (PrintWriter to = new PrintWriter(text)) {
            HugePageHint.printIfLow(share, Path.of("/models/qwen.gguf"), bytes, to);
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

    @Test
    void smallFilesGetNoNote() {
        assertThat(hint(OptionalDouble.of(0.0), 3L << 20)).isEmpty();
    }
}
