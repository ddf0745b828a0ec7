package dev.edgewise.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.edgewise.engine.heads.Heads;

import java.nio.file.Path;

/** The heads file (switcher MLP and verifier head in safetensors), then the check against a model shape. */
class HeadsFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void load(byte[] data) {
        Path file = Scratch.file("heads.safetensors", data);
        Invariants.refusesCleanly(() -> Heads.load(file).validate(64, 2));
    }
}
