package dev.edgewise.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.edgewise.loader.json.Json;

import java.nio.charset.StandardCharsets;

/** Json.parse: any text parses or is refused with a JsonParseException naming the position; depth is bounded. */
class JsonFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parse(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        Invariants.refusesCleanly(() -> Json.parse(text));
    }
}
