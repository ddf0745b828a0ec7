package dev.edgewise.cli;

import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** run --json and --json-schema on the real 151,936-token vocabulary (random weights): the output is the JSON, and it parses. */
class ConstrainedRunTest {
    @TempDir
    Path dir;

    @Test
    void jsonSchemaOutputParsesAndFollowsTheSchema() throws Exception {
        String model = Fixtures.path("models/tiny-real-q4_0.gguf").toString();
        Path schema = Files.writeString(dir.resolve("s.json"), """
                {"type": "object", "properties": {"ok": {"type": "boolean"}, "level": {"enum": ["low", "high"]},
                 "n": {"type": "integer"}}, "required": ["ok", "level"], "additionalProperties": false}""");
        for (int seed = 1; seed <= 3; seed++) {
            CliTest.Run r = CliTest.run("run", "--model", model, "--json-schema", schema.toString(), "-n", "200", "--threads", "1",
                    "--seed", String.valueOf(seed), "--temperature", "0.7");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.err()).contains("stop: end_of_generation");
            @SuppressWarnings("unchecked")
            Map<String, Object> value = (Map<String, Object>) Json.parse(r.out());
            assertThat(value).containsKeys("ok", "level");
            assertThat(value.get("ok")).isInstanceOf(Boolean.class);
            assertThat(value.get("level")).isIn("low", "high");
            assertThat(List.of("ok", "level", "n")).containsAll(value.keySet());
        }
    }

    @Test
    void jsonGivesOneValueAndSchemaErrorsNameTheKeyword() {
        String model = Fixtures.path("models/tiny-real-q4_0.gguf").toString();
        CliTest.Run inline = CliTest.run("run", "--model", model, "--json-schema", "{\"type\": \"array\", \"items\": {\"type\": \"integer\"}, \"maxItems\": 3}",
                "-n", "120", "--threads", "1", "--seed", "4");
        assertThat(inline.exit()).as(inline.err()).isZero();
        if (inline.err().contains("stop: end_of_generation")) {
            assertThat((List<?>) Json.parse(inline.out())).hasSizeLessThanOrEqualTo(3).allMatch(Long.class::isInstance);
        }
        CliTest.Run any = CliTest.run("run", "--model", model, "--json", "-n", "60", "--threads", "1", "--seed", "5", "--temperature", "0");
        assertThat(any.exit()).as(any.err()).isZero();
        if (any.err().contains("stop: end_of_generation")) Json.parse(any.out()); // a complete value parses
        CliTest.Run bad = CliTest.run("run", "--model", model, "--json-schema", "{\"type\": \"string\", \"format\": \"email\"}");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err().strip()).isEqualTo("edgewise: unsupported JSON Schema keyword 'format' at #");
        CliTest.Run both = CliTest.run("run", "--model", model, "--json", "--json-schema", "true");
        assertThat(both.err()).contains("either --json or --json-schema");
    }
}
