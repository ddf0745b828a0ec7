package dev.edgewise.cli;

import dev.edgewise.engine.Model;
import dev.edgewise.loader.PageCache;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.OptionalDouble;

/** Tells the user when the model's weights are mapped in small pages, which slows decoding (see PageCache). */
final class HugePageHint {
    private HugePageHint() {}

    /** Below this share of the mapping in 2 MiB pages, the hint is printed. */
    private static final double LOW_SHARE = 0.5;

    /**
     * Fewer bytes read from the file per token are not worth a note: a model whose matrices are
     * packed at load reads its weights from the packings (in 2 MiB pages of their own), whatever the
     * file's pages; and a file of a few MiB has few whole huge pages to map.
     */
    private static final long MIN_BYTES = 64L << 20;

    /** The share of the model file's resident bytes mapped in 2 MiB pages, where the OS says. */
    static OptionalDouble share(Model m) {
        return PageCache.hugePageShare(m.file().segment());
    }

    /**
     * Prints one note to {@code to} if the file's mapping sits mostly in 4 KiB pages and decoding
     * reads {@code bytesPerToken} from it (Model.fileBytesReadPerToken); nothing otherwise.
     */
    static void printIfLow(OptionalDouble share, Path file, long bytesPerToken, PrintWriter to) {
        if (bytesPerToken >= MIN_BYTES && share.isPresent() && share.getAsDouble() < LOW_SHARE) {
            to.printf("note: %.0f%% of the weights are mapped in 2 MiB pages (the page cache holds the file in the small pieces it was"
                    + " written or read in), which slows decoding by up to ~25%%; drop the file from the page cache once and the next run"
                    + " reads it back in huge pages: dd if=%s of=/dev/null iflag=nocache count=0%n",
                    100 * share.getAsDouble(), file);
        }
    }
}
