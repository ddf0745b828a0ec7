package dev.edgewise.cli;

import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFTensor;
import dev.edgewise.loader.GGUFValue;
import dev.edgewise.quant.GGMLType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code edgewise inspect}: a GGUF file's header, metadata and tensor table. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Print a GGUF file's metadata and tensor table.")
final class InspectCommand implements Callable<Integer> {
    private static final int ARRAY_PREVIEW = 8;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "GGUF file")
    Path file;

    @Option(names = "--no-tensors", description = "omit the tensor table")
    boolean noTensors;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (GGUFFile g = GGUFFile.open(file)) {
            out.printf(Locale.ROOT, "file: %s%nGGUF version %d, alignment %d, %d metadata keys, %d tensors, data at offset %d%n",
                    file, g.version(), g.alignment(), g.metadata().size(), g.tensors().size(), g.dataOffset());
            out.println();
            out.println("metadata:");
            for (Map.Entry<String, GGUFValue> e : g.metadata().entrySet()) {
                out.printf("  %-44s %s%n", e.getKey(), render(e.getValue()));
            }
            if (!noTensors && !g.tensors().isEmpty()) {
                out.println();
                out.printf("tensors:%n  %-32s %-7s %-22s %14s %14s%n", "name", "type", "shape (ggml ne)", "offset", "bytes");
                Map<GGMLType, long[]> byType = new EnumMap<>(GGMLType.class);
                long elements = 0;
                for (GGUFTensor t : g.tensors()) {
                    out.printf(Locale.ROOT, "  %-32s %-7s %-22s %14d %14d%n", t.name(), t.type(), Arrays.toString(t.ne()), t.offset(), t.byteSize());
                    long[] acc = byType.computeIfAbsent(t.type(), k -> new long[2]);
                    acc[0]++;
                    acc[1] += t.byteSize();
                    elements += t.elements();
                }
                out.println();
                out.printf(Locale.ROOT, "%,d parameters in %d tensors:", elements, g.tensors().size());
                byType.forEach((type, acc) -> out.printf(Locale.ROOT, " %s %d (%.1f MB)", type, acc[0], acc[1] / 1e6));
                out.println();
            }
        }
        return 0;
    }

    private static String render(GGUFValue v) {
        Object value = v.value();
        if (value == null || !value.getClass().isArray()) {
            return value instanceof String s ? '"' + abbreviate(s, 120) + '"' : String.valueOf(value);
        }
        int n = Array.getLength(value);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, ARRAY_PREVIEW); i++) {
            Object e = Array.get(value, i);
            sb.append(i == 0 ? "" : ", ").append(e instanceof String s ? '"' + abbreviate(s, 24) + '"' : e instanceof GGUFValue g ? render(g) : e);
        }
        if (n > ARRAY_PREVIEW) sb.append(", ...");
        return sb.append("] (").append(n).append(" x ").append(v.elementType()).append(')').toString();
    }

    private static String abbreviate(String s, int max) {
        String oneLine = s.replace("\n", "\\n");
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max) + "...";
    }
}
