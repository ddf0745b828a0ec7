package dev.edgewise.engine;

import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.kv.KvBlockPool;
import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.DynamicLora;
import dev.edgewise.engine.lora.FusedPrecision;
import dev.edgewise.engine.lora.FusedWeights;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.LoraFuser;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.loader.GGUFFile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A loaded Qwen2 model: the library's entry point.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("qwen2.5-0.5b-instruct-q4_0.gguf"), ModelOptions.defaults())) {
 *     GenerationResult r = model.generate(
 *             GenerationRequest.chat(List.of(new ChatTemplate.Message("user", "Hi!"))).maxTokens(64).build(),
 *             event -> System.out.print(event.text()));
 * }
 * }</pre>
 *
 * The weights stay memory-mapped. One generation runs at a time per model (calls are serialised).
 */
public final class Model implements AutoCloseable {
    private final GGUFFile gguf;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final WorkerPool pool;
    /** Holds Q4_0 matrices repacked for the integer kernel (see {@link ModelOptions#int8Activations}). */
    private final Arena packing;
    private Qwen2Forward forward;
    private final PagedKvCache cache;
    private final DynamicLora lora;
    private final List<LoraAdapter> adapters = new ArrayList<>();
    private final List<FusedWeights> fused = new ArrayList<>();
    private final int contextSize;
    private final long loadNanos;
    /** Whether Q4_0 runs on the integer kernel: fused Q4_0 matrices are then packed too. */
    private final boolean int8Activations;

    private Model(GGUFFile gguf, ModelConfig config, Tokenizer tokenizer, WorkerPool pool, Arena packing, Qwen2Forward forward,
                  PagedKvCache cache, int contextSize, long loadNanos, boolean int8Activations) {
        this.packing = packing;
        this.int8Activations = int8Activations;
        this.gguf = gguf;
        this.config = config;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.forward = forward;
        this.cache = cache;
        this.lora = new DynamicLora(pool, config);
        forward.setDeltas(lora);
        this.contextSize = contextSize;
        this.loadNanos = loadNanos;
    }

    public static Model load(Path path) throws IOException {
        return load(path, ModelOptions.defaults());
    }

    /**
     * Maps a GGUF file and checks every tensor the model needs.
     *
     * @throws IOException                               if the file cannot be read
     * @throws dev.edgewise.loader.ModelFormatException  if it is not a valid Qwen2 GGUF model
     */
    public static Model load(Path path, ModelOptions options) throws IOException {
        long start = System.nanoTime();
        GGUFFile gguf = GGUFFile.open(path);
        WorkerPool pool = null;
        Arena packing = null;
        try {
            ModelConfig config = ModelConfig.from(gguf);
            ModelWeights weights = ModelWeights.from(gguf, config);
            Tokenizer tokenizer = Tokenizer.fromGGUF(gguf);
            if (tokenizer.vocabulary().size() > config.vocabSize()) {
                throw new dev.edgewise.loader.ModelFormatException(path.getFileName() + ": tokenizer has "
                        + tokenizer.vocabulary().size() + " tokens but token_embd.weight only " + config.vocabSize() + " rows");
            }
            int ctx = options.contextSize() == 0 ? config.contextLength() : Math.min(options.contextSize(), config.contextLength());
            pool = new WorkerPool(options.threads());
            packing = Arena.ofShared();
            if (options.int8Activations()) weights = LoadTimePacking.pack(weights, pool, packing, gguf.segment());
            Qwen2Forward forward = new Qwen2Forward(config, weights, pool, options.batchSize());
            PagedKvCache cache = new PagedKvCache(config, options.kvType(), options.kvBlockSize(), kvBudget(config, options, ctx), ctx);
            return new Model(gguf, config, tokenizer, pool, packing, forward, cache, ctx, System.nanoTime() - start, options.int8Activations());
        } catch (RuntimeException | Error e) {
            if (pool != null) pool.close();
            if (packing != null) packing.close();
            gguf.close();
            throw e;
        }
    }

    /** The KV pool budget: as configured, or room for 8 full-context sequences capped at half the heap. */
    private static long kvBudget(ModelConfig c, ModelOptions o, int ctx) {
        if (o.kvBudgetBytes() > 0) return o.kvBudgetBytes();
        long perSequence = KvBlockPool.bytesPerBlock(c, o.kvType(), o.kvBlockSize()) * ((ctx + o.kvBlockSize() - 1) / o.kvBlockSize());
        return Math.min(Runtime.getRuntime().maxMemory() / 2, 8 * perSequence);
    }

    public ModelConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public GGUFFile file() {
        return gguf;
    }

    public int contextSize() {
        return contextSize;
    }

    public long loadNanos() {
        return loadNanos;
    }

    /** Tokens evaluated by the transformer since load (prompt and generated). */
    public synchronized long tokensEvaluated() {
        return forward.tokensEvaluated();
    }

    /** The prompt of a request as token ids. */
    public int[] promptTokens(GenerationRequest request) {
        if (request.promptTokens() != null) return request.promptTokens().clone();
        if (request.messages() != null) return tokenizer.encode(ChatTemplate.render(request.messages(), true), true);
        return tokenizer.encode(request.prompt(), request.parseSpecial());
    }

    /**
     * Generates a continuation, streaming each token to {@code listener}. With
     * {@code request.branches() > 1} the prompt is evaluated once, its KV blocks are shared by every
     * branch (copy-on-write), and all branches advance together, one batched forward pass per step.
     */
    public synchronized GenerationResult generate(GenerationRequest request, TokenListener listener) {
        long start = System.nanoTime();
        int[] prompt = promptTokens(request);
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty");
        int n = request.branches();
        if (n > forward.maxBatch()) {
            throw new IllegalArgumentException(n + " branches exceed the batch size " + forward.maxBatch() + " (raise --batch-size)");
        }
        int vocab = config.vocabSize();
        int slot = lora.slot(request.adapters());
        KvSequence root = cache.create();
        List<BranchState> branches = new ArrayList<>(n);
        try {
            ForwardBatch batch = new ForwardBatch(prompt.length);
            for (int i = 0; i < prompt.length; i++) batch.add(prompt[i], root, i == prompt.length - 1, slot);
            float[] promptLogits = Arrays.copyOf(forward.forward(batch, cache), vocab);
            long promptDone = System.nanoTime();
            long kvPeak = cache.pool().bytesInUse();

            KvSequence[] sequences = n == 1 ? new KvSequence[]{root} : cache.fork(root, n);
            if (n > 1) cache.release(root);
            boolean promptOpensThinking = request.budget() != null && BranchDecoder.opensThinking(tokenizer, prompt, request.budget());
            for (int i = 0; i < n; i++) {
                Sampler sampler = new Sampler(request.sampling().withSeed(request.sampling().seed() + i));
                BranchState b = new BranchState(i, sequences[i], sampler, tokenizer, prompt, request);
                b.thinking = promptOpensThinking;
                b.adapter = slot;
                branches.add(b);
            }
            BranchDecoder decoder = new BranchDecoder(forward, cache, tokenizer, request, listener, pool);
            long[] firstToken = new long[1];
            decoder.run(branches, promptLogits, firstToken);
            long end = System.nanoTime();
            int generated = 0;
            List<BranchResult> results = new ArrayList<>(n);
            for (BranchState b : branches) {
                generated += b.count;
                results.add(b.result());
            }
            Timings timings = new Timings(prompt.length, promptDone - start, firstToken[0] - start, generated, decoder.decoded,
                    decoder.steps, end - firstToken[0], Math.max(kvPeak, decoder.kvPeakBytes));
            return new GenerationResult(results, prompt, timings);
        } finally {
            if (!root.released()) cache.release(root);
            for (BranchState b : branches) if (!b.sequence.released()) cache.release(b.sequence);
        }
    }

    /**
     * Runs the reasoning pipeline: one base-model prefill shared by the switcher, plain chat and
     * every reasoning branch; the adapter on for response positions; budget forcing; verification;
     * a vote. Events of every branch stream to {@code listener}.
     */
    public synchronized ReasoningResult reason(ReasoningRequest request, TokenListener listener) {
        if (request.heads() != null) request.heads().validate(config.dim(), config.nLayers());
        int need = Math.max(request.branches(), 1);
        if (need > forward.maxBatch()) {
            throw new IllegalArgumentException(need + " branches exceed the batch size " + forward.maxBatch() + " (raise --batch-size)");
        }
        return new ReasoningRun(forward, cache, tokenizer, request, lora.slot(request.adapters()), listener, pool).run();
    }

    /**
     * Teacher-forced logits: evaluates {@code tokens}, then extends them greedily by
     * {@code generate} tokens. Row i of the result holds the logits after token i of the final
     * sequence (the row that predicts token i+1), as the reference dumps lay them out.
     */
    public synchronized LogitsTrace logits(int[] tokens, int generate) {
        return logits(tokens, generate, List.of());
    }

    /** {@link #logits(int[], int)} with LoRA adapters applied on the fly. */
    public synchronized LogitsTrace logits(int[] tokens, int generate, List<ScaledAdapter> withAdapters) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens given");
        int slot = lora.slot(withAdapters);
        int vocab = config.vocabSize();
        int total = tokens.length + generate;
        float[][] rows = new float[total][];
        int[] sequence = Arrays.copyOf(tokens, total);
        KvSequence seq = cache.create();
        try {
            ForwardBatch batch = new ForwardBatch(tokens.length);
            for (int t : tokens) batch.add(t, seq, true, slot);
            float[] all = forward.forward(batch, cache);
            for (int i = 0; i < tokens.length; i++) rows[i] = Arrays.copyOfRange(all, i * vocab, (i + 1) * vocab);
            ForwardBatch one = new ForwardBatch(1);
            for (int g = 0; g < generate; g++) {
                int token = Sampler.argmax(rows[tokens.length + g - 1], 0, vocab);
                sequence[tokens.length + g] = token;
                one.clear();
                one.add(token, seq, true, slot);
                rows[tokens.length + g] = Arrays.copyOf(forward.forward(one, cache), vocab);
            }
        } finally {
            cache.release(seq);
        }
        return new LogitsTrace(sequence, tokens.length, rows);
    }

    /**
     * Loads a LoRA adapter (PEFT directory or llama.cpp GGUF adapter) and checks it fits this model.
     * It stays resident until {@link #unloadAdapter} or {@link #close}; requests select it with
     * {@code GenerationRequest.Builder.adapters}, and may combine several, each with a scale.
     */
    public synchronized LoraAdapter loadAdapter(Path path, AdapterPrecision precision) throws IOException {
        LoraAdapter a = LoraAdapter.load(path, precision);
        try {
            a.validate(config);
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
        adapters.add(a);
        return a;
    }

    /** Makes an adapter built in memory (e.g. {@link LoraAdapter#synthetic}) resident; the model closes it. */
    public synchronized LoraAdapter addAdapter(LoraAdapter a) {
        a.validate(config);
        adapters.add(a);
        return a;
    }

    public synchronized void unloadAdapter(LoraAdapter a) {
        if (!adapters.remove(a)) throw new IllegalArgumentException("adapter " + a.name() + " is not loaded in this model");
        lora.remove(a);
        a.close();
    }

    /** Adapters currently resident. */
    public synchronized List<LoraAdapter> adapters() {
        return List.copyOf(adapters);
    }

    /**
     * Adds adapters into the weights themselves (W' = W + s·B·A): no per-token cost afterwards, but
     * they cannot be switched off without reloading. {@code precision} decides how fused matrices
     * are stored (see {@link FusedPrecision} for the extra error of requantizing); fused Q4_0 matrices
     * run on the integer kernel like the file's, unless the model was loaded with exact activations.
     */
    public synchronized void fuseAdapters(List<ScaledAdapter> set, FusedPrecision precision) {
        FusedWeights f = LoraFuser.fuse(forward.weights(), config, set, precision, pool, int8Activations);
        fused.add(f);
        forward = new Qwen2Forward(config, f.weights(), pool, forward.maxBatch(), forward.tokensEvaluated());
        forward.setDeltas(lora);
    }

    /** The paged KV cache (block accounting is visible for benchmarks and tests). */
    public PagedKvCache kvCache() {
        return cache;
    }

    @Override
    public synchronized void close() {
        for (LoraAdapter a : adapters) a.close();
        for (FusedWeights f : fused) f.close();
        pool.close();
        packing.close();
        gguf.close();
    }
}
