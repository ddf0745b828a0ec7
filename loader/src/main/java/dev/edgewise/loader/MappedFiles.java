package dev.edgewise.loader;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Memory-maps whole files read-only, for the GGUF and safetensors readers. */
final class MappedFiles {
    private MappedFiles() {}

    /**
     * Maps {@code path} into {@code arena}. Files over 2 GiB are fine. A directory or an empty file
     * is a {@link ModelFormatException} saying it is not a {@code kind} file.
     */
    static MemorySegment map(Path path, String kind, Arena arena) throws IOException {
        if (Files.isDirectory(path)) throw new ModelFormatException(path + " is a directory, not a " + kind + " file");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) throw new ModelFormatException(path + ": file is empty, not a " + kind + " file");
            MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            PageCache.adviseHugePages(mapping);
            return mapping;
        }
    }
}
