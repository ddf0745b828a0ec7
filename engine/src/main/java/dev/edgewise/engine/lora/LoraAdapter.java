package dev.edgewise.engine.lora;

import dev.edgewise.engine.ModelConfig;
import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.loader.SafeTensorsFile;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A loaded LoRA adapter: for some (layer, projection) pairs, factors A {@code [r][in]} and
 * B {@code [out][r]} such that the adapted projection is {@code y = W x + s * B (A x)} with
 * {@code s = user_scale * alpha / r} ({@code alpha / sqrt(r)} for rsLoRA).
 *
 * <p>Loading copies the factors out of the file, converted to the requested {@link AdapterPrecision},
 * into off-heap memory the adapter owns, and closes the file. {@link #close()} frees that memory;
 * pairs must not be used afterwards (their matrices then throw {@link IllegalStateException}).
 * An adapter is immutable and may be read from any thread.
 *
 * <p>Loading checks the file on its own (names, shapes, ranks, config fields); {@link #validate}
 * checks it against a model's dimensions. Call it before using the adapter with a model.
 */
public final class LoraAdapter implements AutoCloseable {
    private static final int N_TARGETS = LoraTarget.values().length;
    private static final byte[] GGUF_MAGIC = "GGUF".getBytes(StandardCharsets.US_ASCII);

    private final String name;
    private final Path source;
    private final Path dataFile;
    private final String format;
    private final String architecture;
    private final float alpha;
    private final int rank;
    private final boolean rsLora;
    private final boolean alphaZeroMeansUnscaled;
    /** The aLoRA invocation sequence, or null for a plain LoRA. */
    private final int[] invocationTokens;
    private final List<LoraPair> pairs;
    /** Source tensor names of each pair, for messages: [i] = {A, B} of pairs.get(i). */
    private final List<SourceTensor[]> sources;
    /** pairs by layer * N_TARGETS + target; sized to the largest layer + 1. */
    private final LoraPair[] index;
    private final Arena arena;
    private final long bytes;

    private LoraAdapter(String name, Path source, Path dataFile, String format, String architecture, float alpha, boolean rsLora,
                        boolean alphaZeroMeansUnscaled, int[] invocationTokens, List<LoraPair> pairs, List<SourceTensor[]> sources,
                        Arena arena) {
        if (pairs.isEmpty()) throw new IllegalArgumentException("an adapter needs at least one pair");
        for (LoraPair p : pairs) {
            if (p.layer() > PairCollector.MAX_LAYER) throw new IllegalArgumentException("layer " + p.layer() + " > " + PairCollector.MAX_LAYER);
        }
        this.name = name;
        this.source = source;
        this.dataFile = dataFile;
        this.format = format;
        this.architecture = architecture;
        this.alpha = alpha;
        this.rsLora = rsLora;
        this.alphaZeroMeansUnscaled = alphaZeroMeansUnscaled;
        if (invocationTokens != null && invocationTokens.length == 0) throw new IllegalArgumentException("empty aLoRA invocation sequence");
        this.invocationTokens = invocationTokens == null ? null : invocationTokens.clone();
        this.pairs = Collections.unmodifiableList(new ArrayList<>(pairs));
        this.sources = sources;
        this.arena = arena;
        this.rank = pairs.getFirst().rank();
        int maxLayer = 0;
        long total = 0;
        for (LoraPair p : pairs) {
            if (p.rank() != rank) {
                throw new IllegalArgumentException("pair " + p.layer() + "/" + p.target() + " has rank " + p.rank() + ", others " + rank);
            }
            maxLayer = Math.max(maxLayer, p.layer());
            total += p.bytes();
        }
        this.bytes = total;
        this.index = new LoraPair[(maxLayer + 1) * N_TARGETS];
        for (LoraPair p : pairs) {
            int i = p.layer() * N_TARGETS + p.target().ordinal();
            if (index[i] != null) throw new IllegalArgumentException("two pairs for layer " + p.layer() + " " + p.target());
            index[i] = p;
        }
    }

    /**
     * Loads an adapter from
     * <ul>
     *   <li>a PEFT directory holding {@code adapter_config.json} and {@code adapter_model.safetensors},</li>
     *   <li>a {@code .safetensors} file with its {@code adapter_config.json} in the same directory, or</li>
     *   <li>a llama.cpp LoRA {@code .gguf} ({@code general.type = adapter}, {@code adapter.type = lora}),
     *       recognised by its magic bytes.</li>
     * </ul>
     *
     * @throws IOException          if a file cannot be read
     * @throws ModelFormatException if the files are not a LoRA adapter Edgewise can apply; the message
     *                              names the file and the field or tensor
     */
    public static LoraAdapter load(Path path, AdapterPrecision precision) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(precision, "precision");
        if (Files.isDirectory(path)) return loadPeft(path.resolve("adapter_config.json"), path.resolve("adapter_model.safetensors"), precision);
        if (!Files.isRegularFile(path)) throw new NoSuchFileException(path.toString(), null, "no LoRA adapter file or directory here");
        if (hasGgufMagic(path)) {
            try (GGUFFile gguf = GGUFFile.open(path)) {
                return convert(GgufAdapterReader.read(gguf), precision);
            }
        }
        String fileName = path.getFileName().toString();
        Path dir = path.toAbsolutePath().getParent();
        if (fileName.endsWith(".safetensors")) return loadPeft(dir.resolve("adapter_config.json"), path, precision);
        if (fileName.equals("adapter_config.json")) return loadPeft(path, dir.resolve("adapter_model.safetensors"), precision);
        throw new ModelFormatException(path + ": not a LoRA adapter (expected a PEFT directory, a .safetensors file "
                + "beside its adapter_config.json, or a llama.cpp LoRA .gguf)");
    }

    private static LoraAdapter loadPeft(Path configFile, Path weights, AdapterPrecision precision) throws IOException {
        Path dir = configFile.toAbsolutePath().getParent();
        if (!Files.isRegularFile(configFile)) {
            throw new ModelFormatException(configFile + ": missing; a PEFT adapter needs its adapter_config.json (for r and lora_alpha)");
        }
        if (!Files.isRegularFile(weights)) {
            boolean pickle = Files.isRegularFile(dir.resolve("adapter_model.bin"));
            throw new ModelFormatException(weights + ": missing" + (pickle
                    ? "; adapter_model.bin (PyTorch pickle) is not supported, save the adapter with safe_serialization=True" : ""));
        }
        PeftConfig config = PeftConfig.parse(configFile.toString(), Files.readString(configFile));
        String name = dir.getFileName() == null ? weights.getFileName().toString() : dir.getFileName().toString();
        try (SafeTensorsFile st = SafeTensorsFile.open(weights)) {
            return convert(PeftAdapterReader.read(name, configFile, config, st), precision);
        }
    }

    private static boolean hasGgufMagic(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return Arrays.equals(in.readNBytes(4), GGUF_MAGIC);
        }
    }

    private static LoraAdapter convert(SourceAdapter s, AdapterPrecision precision) {
        Arena arena = Arena.ofShared();
        try {
            String file = s.dataFile().toString();
            List<LoraPair> pairs = new ArrayList<>();
            List<SourceTensor[]> sources = new ArrayList<>();
            for (SourceAdapter.Pair p : s.pairs()) {
                WeightMatrix a = AdapterStorage.convert(p.a(), precision, arena, file);
                WeightMatrix b = AdapterStorage.convert(p.b(), precision, arena, file);
                pairs.add(new LoraPair(p.layer(), p.target(), a, b));
                sources.add(new SourceTensor[]{p.a().withoutData(), p.b().withoutData()});
            }
            return new LoraAdapter(s.name(), s.source(), s.dataFile(), s.format(), s.architecture(), s.alpha(), s.rsLora(),
                    s.alphaZeroMeansUnscaled(), s.invocationTokens(), pairs, sources, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * An adapter over factors already in memory (tests, adapters computed at run time). The caller
     * owns the matrices' memory: {@link #close()} does not free it. {@code alpha == 0} is taken
     * literally ({@code s = 0}), as PEFT would.
     */
    public static LoraAdapter of(String name, float alpha, boolean rsLora, List<LoraPair> pairs) {
        Objects.requireNonNull(name, "name");
        if (!Float.isFinite(alpha)) throw new IllegalArgumentException("alpha " + alpha + " is not finite");
        return new LoraAdapter(name, Path.of(name), Path.of(name), "memory", null, alpha, rsLora, false, null, pairs, sourcesOf(pairs), null);
    }

    /**
     * A seeded random adapter on every projection of every layer (demos and benchmarks; clearly not
     * a trained adapter): A ~ N(0, 1/in), B ~ N(0, 0.02^2), held as {@code precision}.
     */
    public static LoraAdapter synthetic(ModelConfig c, int rank, float alpha, long seed, AdapterPrecision precision) {
        return synthetic(c, rank, alpha, seed, precision, null);
    }

    /**
     * As {@link #synthetic(ModelConfig, int, float, long, AdapterPrecision)}, an activated LoRA when
     * {@code invocationTokens} is not null (see {@link AdapterActivation}).
     */
    public static LoraAdapter synthetic(ModelConfig c, int rank, float alpha, long seed, AdapterPrecision precision, int[] invocationTokens) {
        if (rank < 1) throw new IllegalArgumentException("rank must be >= 1, got " + rank);
        Arena arena = Arena.ofShared();
        try {
            java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
            List<LoraPair> pairs = new ArrayList<>();
            for (int layer = 0; layer < c.nLayers(); layer++) {
                for (LoraTarget t : LoraTarget.values()) {
                    int in = t.inDim(c), out = t.outDim(c);
                    float[] a = new float[rank * in], b = new float[out * rank];
                    double aStd = 1 / Math.sqrt(in);
                    for (int i = 0; i < a.length; i++) a[i] = (float) (random.nextGaussian() * aStd);
                    for (int i = 0; i < b.length; i++) b[i] = (float) (random.nextGaussian() * 0.02);
                    pairs.add(new LoraPair(layer, t, AdapterStorage.matrix(a, rank, in, precision.storageType(in), arena),
                            AdapterStorage.matrix(b, out, rank, precision.storageType(rank), arena)));
                }
            }
            String name = "synthetic-" + (invocationTokens == null ? "" : "alora-") + "r" + rank + " (random weights)";
            return new LoraAdapter(name, Path.of(name), Path.of(name), "memory", c.architecture().key(), alpha, false, false,
                    invocationTokens, pairs,
                    sourcesOf(pairs), arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static List<SourceTensor[]> sourcesOf(List<LoraPair> pairs) {
        List<SourceTensor[]> sources = new ArrayList<>();
        for (LoraPair p : pairs) {
            String base = "blk." + p.layer() + "." + p.target().ggufName() + ".weight.lora_";
            sources.add(new SourceTensor[]{
                    new SourceTensor(base + "a", p.a().type(), p.a().rows(), p.a().cols(), MemorySegment.NULL, true),
                    new SourceTensor(base + "b", p.b().type(), p.b().rows(), p.b().cols(), MemorySegment.NULL, true)});
        }
        return sources;
    }

    /** GGUF {@code general.name}, else the PEFT directory's or the file's name. */
    public String name() { return name; }

    /** The GGUF file or PEFT directory the adapter was loaded from. */
    public Path source() { return source; }

    /** {@code "gguf"}, {@code "peft"} or {@code "memory"}. */
    public String format() { return format; }

    public float alpha() { return alpha; }

    /** The rank r, the same for every pair (checked at load). */
    public int rank() { return rank; }

    /**
     * Whether {@code s = user_scale * alpha / sqrt(r)} (PEFT {@code use_rslora}). Always false for GGUF
     * adapters, which have no such flag: llama.cpp scales them by {@code alpha / r}.
     */
    public boolean rsLora() { return rsLora; }

    /**
     * The factor {@code s} of {@code W + s * B * A} at the user's strength {@code userScale}:
     * {@code userScale * alpha / r}, or {@code userScale * alpha / sqrt(r)} for rsLoRA. For a GGUF
     * adapter with {@code alpha == 0}, llama.cpp's convention applies: {@code s = userScale}.
     */
    public float scale(float userScale) {
        if (alpha == 0 && alphaZeroMeansUnscaled) return userScale;
        double denominator = rsLora ? Math.sqrt(rank) : rank;
        return (float) (userScale * (double) alpha / denominator);
    }

    /**
     * Whether this is an activated LoRA (PEFT {@code alora_invocation_tokens}, GGUF
     * {@code adapter.alora.invocation_tokens}): off before the last occurrence of its invocation
     * sequence in the prompt, on from there (see {@link AdapterActivation} for the exact rule).
     */
    public boolean activated() { return invocationTokens != null; }

    /** The aLoRA invocation sequence (a copy), or an empty array for a plain LoRA. */
    public int[] invocationTokens() { return invocationTokens == null ? new int[0] : invocationTokens.clone(); }

    /** The factors adapting {@code t} in {@code layer}, or null if this adapter does not touch it. */
    public LoraPair pair(int layer, LoraTarget t) {
        if (layer < 0 || layer >= index.length / N_TARGETS) return null;
        return index[layer * N_TARGETS + t.ordinal()];
    }

    /** All pairs, ordered by layer then target. */
    public List<LoraPair> pairs() { return pairs; }

    /**
     * Checks the adapter against a model: the declared architecture (GGUF adapters) must be the model's, every
     * layer must exist, and every A must have the projection's input width and every B its output width.
     *
     * @throws ModelFormatException naming the file, the tensor, and the expected and actual shapes
     */
    public void validate(ModelConfig c) {
        if (architecture != null && !c.architecture().key().equals(architecture)) {
            throw new ModelFormatException(source + ": adapter is for architecture '" + architecture + "', but the model is '"
                    + c.architecture().key() + "'");
        }
        if (invocationTokens != null) {
            for (int id : invocationTokens) {
                if (id >= c.vocabSize()) {
                    throw new ModelFormatException(source + ": aLoRA invocation token " + id + " is outside the vocabulary of model '"
                            + c.name() + "' (" + c.vocabSize() + " tokens); is the adapter for a different base model?");
                }
            }
        }
        for (int i = 0; i < pairs.size(); i++) {
            LoraPair p = pairs.get(i);
            SourceTensor a = sources.get(i)[0], b = sources.get(i)[1];
            if (p.layer() >= c.nLayers()) {
                throw new ModelFormatException(dataFile + ": tensor '" + a.name() + "' adapts layer " + p.layer() + ", but model '"
                        + c.name() + "' has only " + c.nLayers() + " layers");
            }
            int in = p.target().inDim(c), out = p.target().outDim(c);
            if (p.a().cols() != in) throw shapeError(c, p, a, SourceTensor.shape(rank, in, a.ggmlOrder()), "input width", in);
            if (p.b().rows() != out) throw shapeError(c, p, b, SourceTensor.shape(out, rank, b.ggmlOrder()), "output width", out);
        }
    }

    private ModelFormatException shapeError(ModelConfig c, LoraPair p, SourceTensor t, String expected, String what, int width) {
        return new ModelFormatException(dataFile + ": tensor '" + t.name() + "' has " + t.shape() + ", expected " + expected
                + " for model '" + c.name() + "' (blk." + p.layer() + "." + p.target().ggufName() + " has " + what + " " + width
                + "); is the adapter for a different base model?");
    }

    /** Resident bytes of all factors. */
    public long bytes() { return bytes; }

    /** Frees the factors' memory (for a loaded adapter). Idempotent; the pairs are unusable afterwards. */
    @Override
    public synchronized void close() {
        if (arena != null && arena.scope().isAlive()) arena.close();
    }

    @Override
    public String toString() {
        return "LoraAdapter[" + name + ", " + format + ", r=" + rank + ", alpha=" + alpha + (rsLora ? ", rsLoRA" : "")
                + (invocationTokens != null ? ", aLoRA invocation " + Arrays.toString(invocationTokens) : "") + ", " + pairs.size() + " pairs, " + bytes + " bytes]";
    }
}
