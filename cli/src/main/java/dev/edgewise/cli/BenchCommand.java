package dev.edgewise.cli;

import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.ReasoningMode;
import dev.edgewise.engine.ReasoningRequest;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.FusedPrecision;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.quant.QuantPreset;
import jdk.incubator.vector.FloatVector;
import dev.edgewise.loader.Progress;
import dev.edgewise.engine.constraint.JsonConstraint;
import dev.edgewise.engine.constraint.ResponseFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

/**
 * {@code edgewise bench}: prompt and decode speed in llama-bench's layout (median and spread over
 * repetitions), time-to-first-token, load time, peak RSS, and decode of several branches sharing
 * one prompt. Runs on a GGUF file or on a seeded synthetic model of a real Qwen2.5 shape.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prompt and decode speed (llama-bench layout; --json for machines).")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptionsMixin model;

    @Option(names = "--synthetic", paramLabel = "SHAPE", description = "bench a seeded random model of this shape: qwen2.5-0.5b, qwen2.5-1.5b, qwen2.5-7b, qwen3-0.6b, qwen3-1.7b, qwen3-4b")
    String synthetic;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "q4_0", description = "llama-quantize preset of --synthetic: q4_0, q4_k_m, q5_k_m, q6_k, q8_0, f16, ... (default: ${DEFAULT-VALUE})")
    String type;

    @Option(names = {"-p", "--prompt-tokens"}, paramLabel = "N", split = ",", defaultValue = "128,512", description = "prompt lengths to time (default: ${DEFAULT-VALUE})")
    int[] promptLengths;

    @Option(names = {"-n", "--gen-tokens"}, paramLabel = "N", defaultValue = "64", description = "tokens to decode (default: ${DEFAULT-VALUE})")
    int genTokens;

    @Option(names = {"-d", "--depth"}, paramLabel = "N", defaultValue = "0",
            description = "fill the KV cache to N positions (a prompt of N random tokens) before the timed decode, as llama-bench -d (default: ${DEFAULT-VALUE})")
    int depth;

    @Option(names = "--branches", paramLabel = "N", split = ",", defaultValue = "1",
            description = "also decode N branches from one shared prompt (e.g. 1,2,4,8,16) (default: ${DEFAULT-VALUE})")
    int[] branches;

    @Option(names = "--branch-prompt", paramLabel = "N", defaultValue = "128", description = "shared prompt length for --branches (default: ${DEFAULT-VALUE})")
    int branchPrompt;

    @Option(names = "--lora-ranks", paramLabel = "R", split = ",",
            description = "also decode with a synthetic LoRA adapter of each rank: dynamic vs fused vs none (e.g. 16,64,128); fusing loads the model a second time")
    int[] loraRanks = new int[0];

    @Option(names = "--lora-precision", paramLabel = "TYPE", defaultValue = "f16", description = "how --lora-ranks adapters are held: f32, f16, q8_0 (default: ${DEFAULT-VALUE})")
    String loraPrecision;

    @Option(names = "--ttft-adapter-rank", paramLabel = "R", defaultValue = "0",
            description = "compare time-to-first-token of the reasoning pipeline: shared base prefill vs --adapter-prefill, rank-R adapter, 512-token prompt")
    int ttftAdapterRank;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", defaultValue = "3", description = "repetitions per test (default: ${DEFAULT-VALUE})")
    int repetitions;

    @Option(names = "--no-warmup", description = "time each test from its first run (by default it runs once untimed first, as llama-bench does)")
    boolean noWarmup;

    @Option(names = "--prefix-cache-prompt", paramLabel = "N", defaultValue = "0",
            description = "time-to-first-token of a second request sharing an N-token system prompt (prefix cache) against the first (0: off)")
    int prefixCachePrompt;

    @Option(names = "--concurrent", paramLabel = "N", split = ",",
            description = "aggregate decode of N concurrent requests (pp128 each, -n tokens) on the shared scheduler, e.g. 1,8")
    int[] concurrent = new int[0];

    @Option(names = "--json", description = "print one JSON document instead of the table")
    boolean json;

    /** One measured test: samples of its figure (t/s or ms). */
    record Result(String test, String unit, int promptTokens, int genTokens, int branches, double[] samples, Map<String, Object> extra) {
        double median() {
            double[] s = samples.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }

        double min() {
            return Arrays.stream(samples).min().orElse(0);
        }

        double max() {
            return Arrays.stream(samples).max().orElse(0);
        }
    }

    @Option(names = "--json-schema", paramLabel = "FILE|JSON",
            description = "also measure constrained output: the mask's cost per token on the model's vocabulary for this JSON Schema (true: any JSON)")
    String jsonSchema;

    /** The display of the running measurements. */
    private Progress progress = Progress.NONE;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (repetitions < 1) throw new UsageException("--repetitions must be at least 1");
        if (genTokens < 2) throw new UsageException("--gen-tokens must be at least 2");
        for (int n : branches) if (n < 1) throw new UsageException("--branches values must be at least 1");
        for (int n : concurrent) if (n < 1) throw new UsageException("--concurrent values must be at least 1");
        if (prefixCachePrompt < 0) throw new UsageException("--prefix-cache-prompt must be >= 0");
        if (depth < 0) throw new UsageException("--depth must not be negative");
        Path file = modelFile(err);
        int maxBranches = Arrays.stream(branches).max().orElse(1);
        ModelOptions options = model.options();
        if (maxBranches > options.batchSize()) options = options.withBatchSize(maxBranches);
        int longest = Math.max(Math.max(Math.max(Arrays.stream(promptLengths).max().orElse(0), branchPrompt), prefixCachePrompt), depth + 1)
                + genTokens + 32;
        if (options.contextSize() != 0 && options.contextSize() < longest) options = options.withContextSize(longest);

        List<Result> results = new ArrayList<>();
        try (Model m = model.load(file, options, err); ProgressBar progress = ProgressBar.start(err, model.quiet)) {
            this.progress = progress;
            double loadMs = m.loadNanos() / 1e6;
            SplittableRandom random = new SplittableRandom(1234);
            // warm up the JIT on every code path first (and each test runs once untimed, in measure)
            m.generate(request(randomTokens(m, random, 32), 8, 1), TokenListener.NONE);
            for (int pp : promptLengths) {
                results.add(measure("pp" + pp, "t/s", pp, 0, 1, r -> r.timings().promptTokensPerSecond(),
                        () -> m.generate(request(randomTokens(m, random, pp), 1, 1), TokenListener.NONE)));
            }
            // at depth d the prompt is d tokens and the first of the genTokens comes from it, as in llama-bench -d
            int tgPrompt = Math.max(1, depth);
            results.add(measure("tg" + genTokens + (depth > 0 ? " @ d" + depth : ""), "t/s", tgPrompt, genTokens, 1, r -> r.timings().decodeTokensPerSecond(),
                    () -> m.generate(request(randomTokens(m, random, tgPrompt), genTokens, 1), TokenListener.NONE)));
            int ttftPrompt = Arrays.stream(promptLengths).max().orElse(128);
            results.add(measure("ttft pp" + ttftPrompt, "ms", ttftPrompt, 1, 1, r -> r.timings().timeToFirstTokenMillis(),
                    () -> m.generate(request(randomTokens(m, random, ttftPrompt), 1, 1), TokenListener.NONE)));
            for (int n : branches) {
                if (n == 1 && branches.length == 1) break;
                Map<String, Object> extra = new LinkedHashMap<>();
                results.add(measure("tg" + genTokens + " x" + n + " (pp" + branchPrompt + " shared)", "t/s", branchPrompt, genTokens, n, r -> {
                    extra.put("step_ms", r.timings().stepMillis());
                    extra.put("kv_peak_bytes", r.timings().kvPeakBytes());
                    extra.put("kv_positions", (long) branchPrompt + (long) n * genTokens);
                    extra.put("kv_bytes_per_position", m.kvCache().pool().bytesPerBlock() / m.kvCache().blockSize());
                    return r.timings().decodeTokensPerSecond();
                }, () -> m.generate(request(randomTokens(m, random, branchPrompt), genTokens, n, SamplingParams.defaults(7)), TokenListener.NONE), extra));
            }
            if (jsonSchema != null) results.add(constraintCost(m, ResponseFormatOptions.schema(jsonSchema), random));
            for (int rank : loraRanks) results.addAll(loraOverhead(m, file, options, random, rank));
            if (ttftAdapterRank > 0) results.addAll(ttftSharedVsAdapterPrefill(m, random));
            if (prefixCachePrompt > 0) results.addAll(SchedulerBench.prefixCacheTtft(m, random, prefixCachePrompt, repetitions));
            for (int clients : concurrent) results.add(SchedulerBench.concurrentDecode(m, random, clients, 128, genTokens, repetitions));
            OptionalDouble hugePages = HugePageHint.share(m), packedHugePages = m.packedHugePageShare();
            Map<String, Object> context = context(m, file, options, loadMs, hugePages, packedHugePages);
            progress.close(); // erase the display before the results
            if (json) out.print(JsonWriter.write(toJson(context, results)));
            else printTable(out, context, results);
            out.flush();
            HugePageHint.printIfLow(hugePages, m.file().path(), m.fileBytesReadPerToken(), err);
        }
        return 0;
    }

    /**
     * The JSON constraint's cost per token: each repetition generates up to --gen-tokens tokens
     * under the constraint (sampled, so strings, numbers and structure all occur), then replays
     * them through a fresh constraint, timing its mask and advance for every token (on the model's
     * full vocabulary). The first constraint for a tokenizer builds its vocabulary trie, timed apart.
     */
    private Result constraintCost(Model m, ResponseFormat format, SplittableRandom random) {
        long t0 = System.nanoTime();
        format.newConstraint(m.tokenizer());
        double trieMs = (System.nanoTime() - t0) / 1e6;
        float[] logits = new float[m.config().vocabSize()];
        double[] samples = new double[repetitions];
        double worst = 0, decode = 0;
        long tokens = 0;
        for (int i = -1; i < repetitions; i++) { // i = -1 warms up the JIT
            GenerationResult r = m.generate(GenerationRequest.tokens(randomTokens(m, random, 16)).maxTokens(genTokens)
                    .sampling(SamplingParams.defaults(100 + i).withTemperature(0.8f)).responseFormat(format).build(), TokenListener.NONE);
            JsonConstraint c = format.newConstraint(m.tokenizer());
            long total = 0;
            for (int t : r.tokens()) {
                long a = System.nanoTime();
                c.mask(logits, 0, logits.length);
                c.accept(t);
                long d = System.nanoTime() - a;
                total += d;
                if (i >= 0) worst = Math.max(worst, d / 1e6);
            }
            if (i < 0) continue;
            samples[i] = total / 1e6 / Math.max(1, r.tokens().length);
            tokens += r.tokens().length;
            decode += r.timings().decodeTokensPerSecond() / repetitions;
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("vocab", m.config().vocabSize());
        extra.put("tokens_per_run", tokens / (double) repetitions);
        extra.put("max_ms_per_token", worst);
        extra.put("trie_build_ms", trieMs);
        extra.put("constrained_decode_tokens_per_second", decode);
        return new Result("json-schema mask (" + m.config().vocabSize() + " tokens)", "ms/token", 16, genTokens, 1, samples, extra);
    }

    /**
     * Decode speed with a synthetic adapter of {@code rank} applied on the fly, against none; and the
     * cost model: streaming the adapter's bytes should cost at most their share of the weights' bytes.
     */
    private List<Result> loraOverhead(Model m, Path file, ModelOptions options, SplittableRandom random, int rank) throws IOException {
        AdapterPrecision precision = AdapterPrecision.valueOf(loraPrecision.trim().toUpperCase(Locale.ROOT));
        LoraAdapter adapter = m.addAdapter(LoraAdapter.synthetic(m.config(), rank, 2f * rank, 3, precision));
        try {
            List<ScaledAdapter> set = List.of(new ScaledAdapter(adapter, 1f));
            m.generate(GenerationRequest.tokens(randomTokens(m, random, 8)).maxTokens(8).ignoreEndOfGeneration(true).adapters(set).build(),
                    TokenListener.NONE); // warm up the adapter's code paths
            Map<String, Object> extra = new LinkedHashMap<>();
            long weightBytes = 0;
            for (var t : m.file().tensors()) if (t.name().startsWith("blk.")) weightBytes += t.byteSize();
            double share = adapter.bytes() / (double) weightBytes;
            extra.put("rank", rank);
            extra.put("adapter_bytes", adapter.bytes());
            extra.put("adapter_share_of_layer_weights", share);
            // alternate the two runs so drift in the machine's speed hits both alike
            double[] base = new double[repetitions], withAdapter = new double[repetitions];
            for (int i = 0; i < repetitions; i++) {
                base[i] = m.generate(request(randomTokens(m, random, 1), genTokens, 1), TokenListener.NONE).timings().decodeTokensPerSecond();
                withAdapter[i] = m.generate(GenerationRequest.tokens(randomTokens(m, random, 1)).maxTokens(genTokens).ignoreEndOfGeneration(true)
                        .adapters(set).build(), TokenListener.NONE).timings().decodeTokensPerSecond();
            }
            Result none = new Result("tg" + genTokens + " base (for r" + rank + ")", "t/s", 1, genTokens, 1, base, new LinkedHashMap<>());
            Result dynamic = new Result("tg" + genTokens + " + LoRA r" + rank + " dynamic (" + loraPrecision + ")", "t/s", 1, genTokens, 1,
                    withAdapter, extra);
            double extraTime = none.median() / dynamic.median() - 1;
            extra.put("extra_time_fraction", extraTime);
            extra.put("allowed_extra_time_fraction", 1.3 * share);
            return List.of(none, dynamic, fusedDecode(file, options, adapter, rank, random));
        } finally {
            m.unloadAdapter(adapter);
        }
    }

    /**
     * Decode speed with the same adapter fused (same type) into a second load of the model, since
     * fusing cannot be undone on the first; peak RSS then includes that second model.
     */
    private Result fusedDecode(Path file, ModelOptions options, LoraAdapter adapter, int rank, SplittableRandom random) throws IOException {
        try (Model f = Model.load(file, options)) {
            f.fuseAdapters(List.of(new ScaledAdapter(adapter, 1f)), FusedPrecision.SAME_TYPE);
            f.generate(request(randomTokens(f, random, 8), 8, 1), TokenListener.NONE); // warm up
            double[] tokensPerSecond = new double[repetitions];
            for (int i = 0; i < repetitions; i++) {
                tokensPerSecond[i] = f.generate(request(randomTokens(f, random, 1), genTokens, 1), TokenListener.NONE).timings().decodeTokensPerSecond();
            }
            return new Result("tg" + genTokens + " + LoRA r" + rank + " fused (same type)", "t/s", 1, genTokens, 1, tokensPerSecond, new LinkedHashMap<>());
        }
    }

    /** TTFT of the reasoning pipeline with the prompt's KV shared from the base prefill vs re-encoded with the adapter. */
    private List<Result> ttftSharedVsAdapterPrefill(Model m, SplittableRandom random) {
        LoraAdapter adapter = m.addAdapter(LoraAdapter.synthetic(m.config(), ttftAdapterRank, 2f * ttftAdapterRank, 3, AdapterPrecision.F16));
        try {
            String question = textOfTokens(m, random, 512);
            List<Result> out = new ArrayList<>();
            m.reason(ReasoningRequest.builder(List.of(new ChatTemplate.Message("user", "warm up"))).mode(ReasoningMode.ON)
                    .adapters(List.of(new ScaledAdapter(adapter, 1f))).maxTokens(2).adapterPrefill(true).build(), TokenListener.NONE);
            for (boolean adapterPrefill : new boolean[]{false, true}) {
                ReasoningRequest request = ReasoningRequest.builder(List.of(new ChatTemplate.Message("user", question)))
                        .mode(ReasoningMode.ON).adapters(List.of(new ScaledAdapter(adapter, 1f))).branches(1).maxTokens(1)
                        .sampling(SamplingParams.GREEDY).adapterPrefill(adapterPrefill).build();
                double[] samples = new double[repetitions];
                for (int i = 0; i < repetitions; i++) samples[i] = m.reason(request, TokenListener.NONE).timings().timeToFirstTokenNanos() / 1e6;
                out.add(new Result("ttft reason pp512 r" + ttftAdapterRank + (adapterPrefill ? " adapter-prefill" : " shared prefill"), "ms",
                        512, 1, 1, samples, new LinkedHashMap<>()));
            }
            out.get(0).extra().put("ratio_to_adapter_prefill", out.get(0).median() / out.get(1).median());
            return out;
        } finally {
            m.unloadAdapter(adapter);
        }
    }

    /** Text whose chat prompt is about {@code n} tokens: decoded random ordinary tokens. */
    private static String textOfTokens(Model m, SplittableRandom random, int n) {
        StringBuilder sb = new StringBuilder();
        while (m.tokenizer().encode(sb.toString(), false).length < n - 20) {
            int t = random.nextInt(Math.min(m.tokenizer().vocabulary().size(), m.config().vocabSize()));
            if (m.tokenizer().vocabulary().type(t) == 1) sb.append(m.tokenizer().decode(new int[]{t}));
        }
        return sb.toString();
    }

    private Result measure(String name, String unit, int pp, int tg, int n, ToDoubleFunction<GenerationResult> figure, Run run) {
        return measure(name, unit, pp, tg, n, figure, run, new LinkedHashMap<>());
    }

    private Result measure(String name, String unit, int pp, int tg, int n, ToDoubleFunction<GenerationResult> figure, Run run, Map<String, Object> extra) {
        double[] samples = new double[repetitions];
        for (int i = noWarmup ? 0 : -1; i < repetitions; i++) { // i = -1: the untimed warm-up run
            progress.update("bench " + name, Math.max(0, i), repetitions);
            GenerationResult r = run.run();
            if (i >= 0) samples[i] = figure.applyAsDouble(r);
        }
        return new Result(name, unit, pp, tg, n, samples, extra);
    }

    @FunctionalInterface
    private interface Run {
        GenerationResult run();
    }

    /** Plain speed tests decode greedily; branch tests sample (as branches do), whatever their count, to compare like with like. */
    private static GenerationRequest request(int[] prompt, int tokens, int branches) {
        return request(prompt, tokens, branches, SamplingParams.GREEDY);
    }

    private static GenerationRequest request(int[] prompt, int tokens, int branches, SamplingParams sampling) {
        return GenerationRequest.tokens(prompt).maxTokens(tokens).branches(branches).ignoreEndOfGeneration(true).sampling(sampling).build();
    }

    /** Random ordinary tokens (llama-bench also times random tokens). */
    static int[] randomTokens(Model m, SplittableRandom random, int n) {
        int vocab = Math.min(m.tokenizer().vocabulary().size(), m.config().vocabSize());
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = random.nextInt(vocab);
        return t;
    }

    private Path modelFile(PrintWriter err) throws IOException {
        if (synthetic == null) return model.modelPath(err);
        if (model.model != null) throw new UsageException("give either --model or --synthetic, not both");
        SyntheticShape shape;
        QuantPreset preset;
        try {
            shape = SyntheticShape.preset(synthetic);
            preset = QuantPreset.parse(type);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        err.println("edgewise: synthetic " + shape.name() + " " + preset + " (seeded random weights, llama-quantize's tensor types; written once to the cache)");
        try (ProgressBar progress = ProgressBar.start(err, model.quiet)) {
            return SyntheticModels.cached(shape, preset, 1, progress);
        }
    }

    private Map<String, Object> context(Model m, Path file, ModelOptions options, double loadMs, OptionalDouble hugePages,
                                        OptionalDouble packedHugePages) throws IOException {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model", file.getFileName().toString());
        c.put("model_path", file.toAbsolutePath().toString());
        c.put("model_name", m.config().name());
        c.put("size_bytes", Files.size(file));
        long params = 0;
        for (var t : m.file().tensors()) params += t.elements();
        c.put("params", params);
        c.put("weight_bytes_per_token", weightBytesPerToken(m));
        c.put("file_bytes_per_token", m.fileBytesReadPerToken());
        c.put("backend", "Java Vector API " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit");
        c.put("java", Runtime.version().toString());
        c.put("os_arch", System.getProperty("os.arch"));
        c.put("cores", Runtime.getRuntime().availableProcessors());
        c.put("threads", options.threads());
        c.put("warmup_runs", noWarmup ? 0 : 1); // untimed runs of each test before its repetitions
        c.put("kv_type", options.kvType().name().toLowerCase(Locale.ROOT));
        // keys and values of every layer for one position: F16 2 bytes a value, Q8_0 34 bytes per 32
        c.put("kv_bytes_per_position", m.kvCache().pool().bytesPerBlock() / m.kvCache().blockSize());
        c.put("load_ms", loadMs);
        c.put("peak_rss_bytes", peakRss());
        // Decode speed depends on it (see PageCache): -1 where the kernel does not say.
        c.put("weights_in_huge_pages", hugePages.orElse(-1));
        // the same for the matrices packed at load (-1: none, or not known)
        c.put("packed_in_huge_pages", packedHugePages.orElse(-1));
        return c;
    }

    /**
     * Bytes of weights one decode step reads: every tensor but the token embedding, of which a
     * step reads one row (unless it is tied to the output, which reads it whole). Decoding is
     * memory-bound at read bandwidth / this.
     */
    static long weightBytesPerToken(Model m) {
        long bytes = 0;
        boolean tied = true;
        for (var t : m.file().tensors()) if (t.name().equals("output.weight")) tied = false;
        for (var t : m.file().tensors()) {
            if (!tied && t.name().equals("token_embd.weight")) continue;
            bytes += t.byteSize();
        }
        return bytes;
    }

    /** The file mapping's share in 2 MiB pages, or that decoding reads none of it (every matrix packed in memory). */
    private static String hugePageFigure(double share, long fileBytesPerToken, double packedShare) {
        String packed = packedShare < 0 ? "" : String.format(Locale.ROOT, "%.0f%% of the packed weights", 100 * packedShare);
        if (fileBytesPerToken == 0) return packed.isEmpty() ? "packed in memory" : packed;
        String inFile = share < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%% of the file", 100 * share);
        return packed.isEmpty() ? inFile : inFile + ", " + packed;
    }

    /** Peak resident set size from /proc (Linux), or -1 where unavailable. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private void printTable(PrintWriter out, Map<String, Object> c, List<Result> results) {
        String model = c.get("model_name") + "";
        String size = String.format(Locale.ROOT, "%.2f MiB", ((Number) c.get("size_bytes")).longValue() / 1048576.0);
        String params = String.format(Locale.ROOT, "%.2f M", ((Number) c.get("params")).longValue() / 1e6);
        out.printf("| %-32s | %12s | %10s | %-26s | %7s | %-28s | %22s |%n", "model", "size", "params", "backend", "threads", "test", "median (min - max)");
        out.printf("| %-32s | %12s | %10s | %-26s | %7s | %-28s | %22s |%n", "-".repeat(32), "-".repeat(11) + ":", "-".repeat(9) + ":",
                "-".repeat(26), "-".repeat(6) + ":", "-".repeat(28), "-".repeat(21) + ":");
        for (Result r : results) {
            String figure = String.format(Locale.ROOT, "%.2f %s (%.2f - %.2f)", r.median(), r.unit(), r.min(), r.max());
            out.printf("| %-32s | %12s | %10s | %-26s | %7d | %-28s | %22s |%n", model, size, params, c.get("backend"), c.get("threads"), r.test(), figure);
        }
        out.println();
        double huge = (double) c.get("weights_in_huge_pages");
        out.printf(Locale.ROOT, "load: %.0f ms | peak RSS: %s | KV cache: %s, %d bytes per position | weights in 2 MiB pages: %s | weights read per token: %.1f MB | %s, %d cores, Java %s%n", c.get("load_ms"),
                ((Number) c.get("peak_rss_bytes")).longValue() < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", ((Number) c.get("peak_rss_bytes")).longValue() / 1048576.0),
                c.get("kv_type"), ((Number) c.get("kv_bytes_per_position")).longValue(), hugePageFigure(huge, ((Number) c.get("file_bytes_per_token")).longValue(), ((Number) c.get("packed_in_huge_pages")).doubleValue()),
                ((Number) c.get("weight_bytes_per_token")).longValue() / 1e6, c.get("os_arch"), c.get("cores"), c.get("java"));
        for (Result r : results) {
            if (r.extra().containsKey("extra_time_fraction")) {
                out.printf(Locale.ROOT, "LoRA r%d: %.1f MiB resident (%.1f%% of the layer weights); decode time +%.1f%% (cost model allows +%.1f%%)%n",
                        r.extra().get("rank"), ((Number) r.extra().get("adapter_bytes")).longValue() / 1048576.0,
                        100 * (double) r.extra().get("adapter_share_of_layer_weights"), 100 * (double) r.extra().get("extra_time_fraction"),
                        100 * (double) r.extra().get("allowed_extra_time_fraction"));
            }
            if (r.extra().containsKey("trie_build_ms")) {
                out.printf(Locale.ROOT, "JSON schema: mask %.3f ms/token (worst %.2f ms) over %d tokens of vocabulary, %.0f tokens per run; trie built in %.0f ms; constrained decode %.1f tok/s%n",
                        r.median(), (double) r.extra().get("max_ms_per_token"), r.extra().get("vocab"), (double) r.extra().get("tokens_per_run"),
                        (double) r.extra().get("trie_build_ms"), (double) r.extra().get("constrained_decode_tokens_per_second"));
            }
            if (r.extra().containsKey("ratio_to_adapter_prefill")) {
                out.printf(Locale.ROOT, "TTFT shared prefill = %.2f x adapter prefill%n", (double) r.extra().get("ratio_to_adapter_prefill"));
            }
            if (r.branches() > 1 || r.extra().containsKey("step_ms")) {
                long kv = ((Number) r.extra().get("kv_peak_bytes")).longValue();
                long positions = ((Number) r.extra().get("kv_positions")).longValue();
                long perPosition = ((Number) r.extra().get("kv_bytes_per_position")).longValue();
                out.printf(Locale.ROOT, "branches %2d: %.1f ms/step, KV peak %.1f MiB = %.3f x (prompt + branches x tokens) positions%n",
                        r.branches(), ((Number) r.extra().get("step_ms")).doubleValue(), kv / 1048576.0, kv / (double) (positions * perPosition));
            }
        }
    }

    private static Map<String, Object> toJson(Map<String, Object> context, List<Result> results) {
        Map<String, Object> j = new LinkedHashMap<>(context);
        List<Object> tests = new ArrayList<>();
        for (Result r : results) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("test", r.test());
            t.put("unit", r.unit());
            t.put("n_prompt", r.promptTokens());
            t.put("n_gen", r.genTokens());
            t.put("branches", r.branches());
            t.put("median", r.median());
            t.put("min", r.min());
            t.put("max", r.max());
            t.put("samples", Arrays.stream(r.samples()).boxed().toList());
            t.putAll(r.extra());
            tests.add(t);
        }
        j.put("tests", tests);
        return j;
    }
}
