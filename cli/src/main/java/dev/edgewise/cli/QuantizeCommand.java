package dev.edgewise.cli;

import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFTensor;
import dev.edgewise.loader.GGUFValue;
import dev.edgewise.loader.GGUFWriter;
import dev.edgewise.quant.GGMLType;
import dev.edgewise.quant.QuantPreset;
import dev.edgewise.quant.ScratchFile;
import dev.edgewise.quant.TensorConversion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code edgewise quantize}: re-encodes a GGUF model with one of llama-quantize's presets, as
 * {@code llama-quantize IN OUT PRESET} does without an importance matrix: the same per-tensor
 * types, the same reference quantizers, the same tensor order and metadata. Quantized inputs are
 * dequantized first (llama-quantize's {@code --allow-requantize}); tensors whose type does not
 * change are copied unchanged.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Re-encode a GGUF model with a llama-quantize preset (no importance matrix).")
final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "input GGUF model")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "output GGUF file (replaced atomically)")
    Path out;

    @Parameters(index = "2", paramLabel = "PRESET", description = "one of: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K_M, Q5_K_M, Q6_K")
    String presetName;

    @Option(names = {"-q", "--quiet"}, description = "no progress display on the terminal")
    boolean quiet;

    @Option(names = "--threads", paramLabel = "N", description = "quantization threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    @Override
    public Integer call() throws Exception {
        final QuantPreset preset;
        try {
            preset = QuantPreset.parse(presetName);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (threads < 1) throw new ParameterException(spec.commandLine(), "--threads must be at least 1, not " + threads);
        if (Files.exists(out) && Files.exists(in) && Files.isSameFile(in, out)) {
            throw new ParameterException(spec.commandLine(), "IN and OUT are the same file: " + in);
        }
        final PrintWriter stdout = spec.commandLine().getOut();
        final Path outDir = out.toAbsolutePath().getParent();
        if (outDir == null || !Files.isDirectory(outDir)) throw new UsageException("output directory does not exist: " + outDir);

        try (GGUFFile src = GGUFFile.open(in); ScratchFile scratch = ScratchFile.create(outDir);
             ProgressBar progress = ProgressBar.start(spec.commandLine().getErr(), quiet)) {
            final String arch = src.getString("general.architecture", "");
            final int nLayers = src.getInt(arch + ".block_count", 0);
            final boolean tied = src.tensor("output.weight") == null;
            final GGUFWriter w = new GGUFWriter();
            // llama-quantize copies every key, then sets these two, which moves them to the end
            for (Map.Entry<String, GGUFValue> e : src.metadata().entrySet()) {
                if (!e.getKey().equals("general.quantization_version") && !e.getKey().equals("general.file_type")) {
                    w.put(e.getKey(), e.getValue());
                }
            }
            w.putUInt32("general.quantization_version", 2);
            w.putUInt32("general.file_type", preset.fileType);

            final Map<GGMLType, Integer> written = new EnumMap<>(GGMLType.class);
            long bytesIn = 0, bytesOut = 0;
            final List<GGUFTensor> order = inLlamaQuantizeOrder(src.tensors());
            for (GGUFTensor t : order) {
                progress.update("quantizing " + t.name(), written.values().stream().mapToInt(Integer::intValue).sum(), order.size());
                final GGMLType target = QuantPreset.quantizes(t.name(), t.ne())
                        ? preset.typeFor(t.name(), t.ne(), nLayers, tied) : t.type();
                final MemorySegment data = src.data(t);
                bytesIn += t.byteSize();
                if (target == t.type()) {
                    w.addTensor(t.name(), t.type(), t.ne(), data);
                    bytesOut += t.byteSize();
                } else {
                    if (!t.type().supported()) {
                        throw new IllegalArgumentException(in + ": tensor '" + t.name() + "' is " + t.type()
                                + ", which edgewise cannot dequantize");
                    }
                    final long rows = t.elements() / t.ne(0);
                    final MemorySegment converted = scratch.allocate(target.rowBytes(t.ne(0)) * rows);
                    TensorConversion.convert(t.type(), data, 0, target, converted, 0, rows, Math.toIntExact(t.ne(0)), threads);
                    w.addTensor(t.name(), target, t.ne(), converted);
                    bytesOut += converted.byteSize();
                }
                written.merge(target, 1, Integer::sum);
            }
            progress.update("writing " + out.getFileName(), order.size(), order.size());
            w.write(out);
            progress.close();
            stdout.printf(Locale.ROOT, "%s -> %s (%s): %d tensors, %.1f MB -> %.1f MB;", in, out, preset.name(),
                    src.tensors().size(), bytesIn / 1e6, bytesOut / 1e6);
            written.forEach((type, n) -> stdout.printf(Locale.ROOT, " %s %d", type, n));
            stdout.println();
        }
        return 0;
    }

    /**
     * llama-quantize's output order (llama.cpp's {@code weight_name_comparer}): tensors outside
     * any block first, then block by block in numeric order, by name within each.
     */
    static List<GGUFTensor> inLlamaQuantizeOrder(List<GGUFTensor> tensors) {
        final List<GGUFTensor> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingInt((GGUFTensor t) -> layerOf(t.name())).thenComparing(GGUFTensor::name));
        return sorted;
    }

    /** The N of {@code blk.N.} (as sscanf "blk.%d." reads it), or -1. */
    private static int layerOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        int i = 4;
        final boolean negative = i < name.length() && name.charAt(i) == '-';
        if (negative || (i < name.length() && name.charAt(i) == '+')) i++;
        final int start = i;
        long n = 0;
        while (i < name.length() && Character.isDigit(name.charAt(i)) && n <= Integer.MAX_VALUE) n = n * 10 + (name.charAt(i++) - '0');
        if (i == start || n > Integer.MAX_VALUE) return -1;
        return negative ? (int) -n : (int) n;
    }
}
