package dev.edgewise.loader.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the shared conformance fixtures ({@code ../shared/fixtures} beside the repository).
 * Without them, fixture tests are skipped with a message, unless {@code -Dfixtures.required=true}
 * (as CI runs) makes their absence a failure.
 */
public final class Fixtures {
    private Fixtures() {}

    /** The fixtures root; skips (or fails, when required) the calling test if it is absent. */
    public static Path root() {
        String configured = System.getProperty("edgewise.fixtures", "../shared/fixtures");
        Path root = Path.of(configured).toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("README.md"))) {
            String message = "shared fixtures not found at " + root
                    + " (set -Dedgewise.fixtures=DIR, or clone the repository beside shared/)";
            if (Boolean.getBoolean("fixtures.required")) {
                throw new AssertionError(message + "; -Dfixtures.required=true makes this a failure");
            }
            Assumptions.abort(message);
        }
        return root;
    }

    /** A file below the fixtures root, e.g. {@code path("models/nano-f32.gguf")}. */
    public static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) throw new AssertionError("fixture file missing: " + p);
        return p;
    }
}
