package dev.edgewise.engine.constraint;

import dev.edgewise.engine.FinishReason;
import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Constrained generation on fixture models with random weights: whatever the weights pick, every
 * output that ends parses (loader's JSON parser) and validates (an independent validator).
 */
class ConstrainedGenerationTest {
    private static Model nano;

    @BeforeAll
    static void load() throws IOException {
        nano = Model.load(Fixtures.path("models/nano-q8_0.gguf"), ModelOptions.defaults().withThreads(1).withContextSize(512));
    }

    @AfterAll
    static void close() {
        if (nano != null) nano.close();
    }

    @Test
    void twoHundredRandomSchemasEveryOutputParsesAndValidates() {
        RandomSchemas schemas = new RandomSchemas(2026);
        int complete = 0, outputs = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Map<String, Object> schema = schemas.schema(2);
            ResponseFormat format = i % 2 == 0 ? ResponseFormat.jsonSchema(schema)
                    : ResponseFormat.jsonSchema(SchemaCompiler.write(new StringBuilder(), schema).toString());
            GenerationResult r = nano.generate(GenerationRequest.prompt("JSON: ").maxTokens(160).branches(1 + i % 3)
                    .sampling(SamplingParams.defaults(i).withTemperature(0.8f)).responseFormat(format).build(), TokenListener.NONE);
            for (BranchResult b : r.branches()) {
                outputs++;
                if (b.finishReason() != FinishReason.END_OF_GENERATION) continue;
                complete++;
                Object value;
                try {
                    value = Json.parse(b.text());
                } catch (RuntimeException e) {
                    failures.add("schema " + schema + " output " + b.text() + ": " + e.getMessage());
                    continue;
                }
                String error = SchemaValidator.check(value, schema, "#");
                if (error != null) failures.add("schema " + schema + " output " + b.text() + ": " + error);
            }
        }
        System.out.printf("constrained outputs: %d of %d complete within 160 tokens%n", complete, outputs);
        assertThat(failures).isEmpty();
        assertThat(complete).isGreaterThan(outputs * 3 / 4);
    }
}
