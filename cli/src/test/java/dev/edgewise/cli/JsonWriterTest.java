package dev.edgewise.cli;

import dev.edgewise.loader.json.Json;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JsonWriterTest {
    @Test
    void floatsKeepSevenDigitsAndTheirExponent() {
        assertThat(JsonWriter.compact(2.5240620704636285E-10f)).isEqualTo("2.524062e-10");
        assertThat(JsonWriter.compact(1.5e20f)).isEqualTo("1.5e+20");
        assertThat(JsonWriter.compact(0.25f)).isEqualTo("0.25");
        assertThat(JsonWriter.compact(100f)).isEqualTo("100");
        for (float f : new float[] {3e-10f, 1e10f, 0.1f, 123456.7f, -2.5e-7f}) {
            assertThat(((Number) Json.parse(JsonWriter.compact(f))).floatValue()).isCloseTo(f, org.assertj.core.api.Assertions.withinPercentage(1e-4));
        }
    }

    @Test
    void compactIsOneLineAndParsesBack() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", "x,  y {  z");
        m.put("b", List.of(1, 2.5, Map.of("c", true)));
        String line = JsonWriter.compact(m);
        assertThat(line).doesNotContain("\n").isEqualTo("{\"a\": \"x,  y {  z\", \"b\": [1, 2.5, {\"c\": true}]}");
        assertThat(Json.parse(line)).isEqualTo(Map.of("a", "x,  y {  z", "b", List.of(1L, 2.5, Map.of("c", true))));
    }
}
