package dev.edgewise.spark;

import org.apache.spark.SparkFiles;

import java.io.FileNotFoundException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds a model, adapter or heads file on an executor: a path every executor sees (shared or
 * replicated file system), or a file shipped with {@code SparkContext.addFile} / {@code --files},
 * which executors find by its name with {@link SparkFiles#get}.
 */
final class ModelFiles {
    private ModelFiles() {}

    static Path resolve(String name) throws FileNotFoundException {
        Path direct = Path.of(name);
        if (Files.exists(direct)) return direct;
        Path fileName = direct.getFileName();
        if (fileName != null) {
            try {
                Path shipped = Path.of(SparkFiles.get(fileName.toString()));
                if (Files.exists(shipped)) return shipped;
            } catch (RuntimeException e) {
                // no active SparkContext in this JVM: nothing was shipped here
            }
        }
        throw new FileNotFoundException(name + ": no such file on executor " + host()
                + " (give a path every executor sees, or ship the file with SparkContext.addFile / --files and name it by its file name)");
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "(unknown host)";
        }
    }
}
