package dev.edgewise.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.edgewise.loader.SafeTensor;
import dev.edgewise.loader.SafeTensorsFile;

import java.nio.file.Path;

/** The safetensors reader: header JSON, dtypes, shapes and offsets checked against the file; every tensor sliced. */
class SafeTensorsFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void open(byte[] data) {
        Path file = Scratch.file("fuzz.safetensors", data);
        Invariants.refusesCleanly(() -> {
            try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
                for (SafeTensor t : f.tensors()) f.data(t);
            }
        });
    }
}
