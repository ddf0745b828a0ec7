package dev.edgewise.engine;

import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.kv.KvBlockPool;
import dev.edgewise.engine.sched.Scheduler;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.lora.AdapterActivation;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.DynamicLora;
import dev.edgewise.engine.lora.FusedPrecision;
import dev.edgewise.engine.lora.FusedWeights;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.LoraFuser;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.PageCache;
import dev.edgewise.loader.Progress;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A loaded model (any {@link Architecture}: Qwen2, Qwen2.5, DeepSeek-R1-Distill-Qwen, Qwen3): the library's entry point.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("qwen2.5-0.5b-instruct-q4_0.gguf"), ModelOptions.defaults())) {
 *     GenerationResult r = model.generate(
 *             GenerationRequest.chat(List.of(new ChatTemplate.Message("user", "Hi!"))).maxTokens(64).build(),
 *             event -> System.out.print(event.text()));
 * }
 * }</pre>
 *
 * The weights stay memory-mapped. Every request runs on the model's one scheduler
 * ({@link dev.edgewise.engine.sched}): {@link #generate}, {@link #reason} and {@link #logits} may
 * be called from many threads at once, and their sequences share batched forward passes.
 */
public final class Model implements AutoCloseable {
    private final GGUFFile gguf;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final WorkerPool pool;
    /** Holds Q4_0 matrices repacked for the integer kernel (see {@link ModelOptions#int8Activations}). */
    private final Arena packing;
    private volatile TransformerForward forward;
    private final PagedKvCache cache;
    private final DynamicLora lora;
    private final List<LoraAdapter> adapters = new ArrayList<>();
    private final List<FusedWeights> fused = new ArrayList<>();
    private final Scheduler scheduler;
    private final int contextSize;
    private final long loadNanos;
    private volatile ChatTemplate chatTemplate;
    /** Whether Q4_0 runs on the integer kernel: fused Q4_0 matrices are then packed too. */
    private final boolean int8Activations;

    private Model(GGUFFile gguf, ModelConfig config, Tokenizer tokenizer, WorkerPool pool, Arena packing, TransformerForward forward,
                  PagedKvCache cache, int contextSize, long loadNanos, boolean int8Activations, ModelOptions options) {
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
        this.scheduler = new Scheduler(forward, cache, options.prefixCache(), pool, options.maxSequences(), options.maxWaiting(),
                options.prefillChunk());
    }

    public static Model load(Path path) throws IOException {
        return load(path, ModelOptions.defaults());
    }

    /**
     * Maps a GGUF file and checks every tensor the model needs.
     *
     * @throws IOException                               if the file cannot be read
     * @throws dev.edgewise.loader.ModelFormatException  if it is not a valid GGUF model of an architecture Edgewise runs
     */
    public static Model load(Path path, ModelOptions options) throws IOException {
        return load(path, options, Progress.NONE);
    }

    /** {@link #load(Path, ModelOptions)}, reporting the slow stages (tokenizer, Q4_0 packing) to {@code progress}. */
    public static Model load(Path path, ModelOptions options, Progress progress) throws IOException {
        long start = System.nanoTime();
        GGUFFile gguf = GGUFFile.open(path);
        WorkerPool pool = null;
        Arena packing = null;
        try {
            ModelConfig config = ModelConfig.from(gguf);
            ModelWeights weights = ModelWeights.from(gguf, config);
            progress.update("reading the tokenizer", 0, 1);
            Tokenizer tokenizer = Tokenizer.fromGGUF(gguf);
            progress.update("reading the tokenizer", 1, 1);
            if (tokenizer.vocabulary().size() > config.vocabSize()) {
                throw new dev.edgewise.loader.ModelFormatException(path.getFileName() + ": tokenizer has "
                        + tokenizer.vocabulary().size() + " tokens but token_embd.weight only " + config.vocabSize() + " rows");
            }
            int ctx = options.contextSize() == 0 ? config.contextLength() : Math.min(options.contextSize(), config.contextLength());
            pool = new WorkerPool(options.threads());
            packing = Arena.ofShared();
            if (options.int8Activations()) weights = LoadTimePacking.pack(weights, pool, packing, gguf.segment(), progress);
            TransformerForward forward = new TransformerForward(config, weights, pool, options.batchSize());
            PagedKvCache cache = new PagedKvCache(config, options.kvType(), options.kvBlockSize(), kvBudget(config, options, ctx), ctx);
            return new Model(gguf, config, tokenizer, pool, packing, forward, cache, ctx, System.nanoTime() - start, options.int8Activations(), options);
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

    /**
     * Bytes of weights a decode step reads from the model file's mapping (the matrices not packed
     * into memory at load): what the file's page size can slow down. See
     * {@link ModelWeights#bytesReadPerTokenFrom}.
     */
    public long fileBytesReadPerToken() {
        return scheduler.forward().weights().bytesReadPerTokenFrom(gguf.segment());
    }

    /**
     * The share of the memory holding the matrices packed at load (one region, advised to be backed
     * by 2 MiB pages) that the kernel maps in 2 MiB pages; empty when nothing is packed or the OS does
     * not say. {@code bench} reports it; decode speed did not measurably depend on it on the 2-core
     * test machine (README, Huge pages).
     */
    public OptionalDouble packedHugePageShare() {
        for (WeightMatrix m : scheduler.forward().weights().matrices()) {
            if (m.isPacked()) return PageCache.hugePageShare(m.packedData());
        }
        return OptionalDouble.empty();
    }

    public int contextSize() {
        return contextSize;
    }

    public long loadNanos() {
        return loadNanos;
    }

    /** Tokens evaluated by the transformer since load (prompt and generated). */
    public long tokensEvaluated() {
        return scheduler.forward().tokensEvaluated();
    }

    /**
     * The model's chat template: the file's {@code tokenizer.chat_template}, or the built-in Qwen2.5 ChatML
     * when the file has none ({@link ChatTemplate#isBuiltin()}); {@code bos_token}/{@code eos_token} are
     * the vocabulary's.
     *
     * @throws dev.edgewise.engine.template.TemplateException if the file's template does not parse
     */
    public ChatTemplate chatTemplate() {
        ChatTemplate t = chatTemplate;
        if (t == null) {
            synchronized (tokenizer) {
                if (chatTemplate == null) {
                    String source = gguf.has(ChatTemplate.GGUF_KEY) ? gguf.getString(ChatTemplate.GGUF_KEY) : null;
                    chatTemplate = ChatTemplate.forVocabulary(source, tokenizer.vocabulary());
                }
                t = chatTemplate;
            }
        }
        return t;
    }

    /** The template a chat request renders with: its override (with this model's bos/eos), else the model's. */
    public ChatTemplate chatTemplate(ChatOptions chat) {
        if (chat.template() == null) return chatTemplate();
        ChatTemplate own = chatTemplate();
        return ChatTemplate.of(chat.templateName(), chat.template()).withSpecialTokens(own.bosToken(), own.eosToken());
    }

    /**
     * The prompt text of a chat: the messages rendered by the request's template with the generation
     * prompt added, as {@link #promptTokens} tokenizes it (for {@code --verbose-prompt} and servers).
     */
    public String renderPrompt(List<ChatTemplate.Message> messages, ChatOptions chat) {
        return chatTemplate(chat).apply(messages, chat.tools(), true, chat.kwargs());
    }

    /** The prompt text of a request: its plain prompt, its rendered messages, or its tokens decoded. */
    public String renderPrompt(GenerationRequest request) {
        if (request.messages() != null) return renderPrompt(request.messages(), request.chat());
        if (request.prompt() != null) return request.prompt();
        return tokenizer.decode(request.promptTokens(), true);
    }

    /**
     * The prompt of a request as token ids. Chat messages are rendered ({@link #renderPrompt}) and tokenized
     * with special-token parsing: every CONTROL and USER_DEFINED token of the vocabulary written in the
     * rendered text ({@code <|im_start|>}, {@code <think>}, DeepSeek's {@code <｜User｜>}) becomes its id; no
     * BOS is added (templates write {@code bos_token} themselves).
     */
    public int[] promptTokens(GenerationRequest request) {
        if (request.promptTokens() != null) return request.promptTokens().clone();
        if (request.messages() != null) return chatPromptTokens(request.messages(), request.chat());
        return tokenizer.encode(request.prompt(), request.parseSpecial());
    }

    /** A conversation rendered for generation (the assistant turn opened) with default chat options, as token ids. */
    public int[] chatPromptTokens(List<ChatTemplate.Message> messages) {
        return chatPromptTokens(messages, ChatOptions.DEFAULT);
    }

    /** A conversation rendered for generation ({@link #renderPrompt}) and tokenized with special-token parsing: the one place chat prompts become tokens. */
    public int[] chatPromptTokens(List<ChatTemplate.Message> messages, ChatOptions chat) {
        return tokenizer.encode(renderPrompt(messages, chat), true);
    }

    /**
     * Generates a continuation, streaming each token to {@code listener}. With
     * {@code request.branches() > 1} the prompt is evaluated once, its KV blocks are shared by every
     * branch (copy-on-write), and all branches advance together, one batched forward pass per step.
     *
     * <p>Thread-safe: concurrent calls share the model's scheduler, which decodes their branches in
     * the same batched steps; a request's tokens do not depend on what runs beside it. The listener
     * is called on the scheduler thread and should return quickly. A prompt that starts like an
     * earlier one starts on that one's cached KV blocks ({@link Timings#cachedPromptTokens()}).
     *
     * @throws SchedulerFullException   if {@link ModelOptions#maxWaiting} requests are already waiting
     * @throws ContextOverflowException if the prompt does not fit the context
     * @throws dev.edgewise.engine.kv.KvCacheFullException if the prompt alone does not fit the KV pool
     */
    public GenerationResult generate(GenerationRequest request, TokenListener listener) {
        int[] prompt = promptTokens(request);
        checkPrompt(prompt);
        int n = request.branches();
        if (n > forward.maxBatch()) {
            throw new IllegalArgumentException(n + " branches exceed the batch size " + forward.maxBatch() + " (raise --batch-size)");
        }
        return scheduler.run(new GenerationJob(request, prompt, lora.activation(request.adapters(), prompt), tokenizer, listener));
    }

    /**
     * Generates every request, decoded together in the model's shared batch (branches of all of
     * them step in the same forward passes); results in request order. Safe to call from many
     * threads, like {@link #generate}.
     */
    public List<GenerationResult> generateAll(List<GenerationRequest> requests) {
        List<java.util.concurrent.CompletableFuture<GenerationResult>> futures = new ArrayList<>(requests.size());
        for (GenerationRequest r : requests) {
            futures.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> generate(r, TokenListener.NONE),
                    command -> Thread.ofVirtual().start(command)));
        }
        List<GenerationResult> results = new ArrayList<>(requests.size());
        for (var f : futures) {
            try {
                results.add(f.join());
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw e;
            }
        }
        return results;
    }

    /** A snapshot of the scheduler: running and waiting requests, KV blocks, token counters. */
    public SchedulerStats schedulerStats() {
        return scheduler.stats();
    }

    /** Adds an observer of every batched step (timings for metrics); called on the scheduler thread. */
    public void addStepListener(StepListener l) {
        scheduler.addStepListener(l);
    }

    private void checkPrompt(int[] prompt) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty");
        int vocab = config.vocabSize();
        for (int t : prompt) {
            if (t < 0 || t >= vocab) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary [0, " + vocab + ")");
        }
        if (prompt.length > contextSize) {
            throw new ContextOverflowException("context full: the prompt's " + prompt.length + " tokens exceed the limit of "
                    + contextSize + " (raise --ctx-size)");
        }
    }

    /**
     * Runs the reasoning pipeline: one base-model prefill shared by the switcher, plain chat and
     * every reasoning branch; the adapter on for response positions; budget forcing; verification;
     * a vote. Events of every branch stream to {@code listener}. Thread-safe like {@link #generate}.
     */
    public ReasoningResult reason(ReasoningRequest request, TokenListener listener) {
        if (request.heads() != null) request.heads().validate(config.dim(), config.nLayers());
        int need = Math.max(request.branches(), 1);
        if (need > forward.maxBatch()) {
            throw new IllegalArgumentException(need + " branches exceed the batch size " + forward.maxBatch() + " (raise --batch-size)");
        }
        List<ChatTemplate.Message> messages = ReasoningRun.messagesWithBudget(request);
        ChatOptions chat = request.chat();
        int[] prompt, direct = null;
        if (!switchesThinking(chat)) {
            prompt = chatPromptTokens(messages, chat);
        } else {
            // the template's own switch (Qwen3, DeepSeek-R1-Distill as llama.cpp ships it): the mode sets it, and in
            // auto mode the switcher chooses between the thinking prompt (prefilled) and the answer-only one
            int[] on = chatPromptTokens(messages, chat.withKwarg(THINKING_VARIABLE, true));
            int[] off = chatPromptTokens(messages, chat.withKwarg(THINKING_VARIABLE, false));
            prompt = request.mode() == ReasoningMode.OFF ? off : on;
            if (request.mode() == ReasoningMode.AUTO) direct = off;
        }
        checkPrompt(prompt);
        if (direct != null) checkPrompt(direct);
        return scheduler.run(new ReasoningRun(tokenizer, request, prompt, direct, lora.activation(request.adapters(), prompt), listener));
    }

    /** The template variable with which Qwen3-style chat templates switch thinking on and off. */
    public static final String THINKING_VARIABLE = "enable_thinking";

    /** Whether the reasoning mode drives {@link #THINKING_VARIABLE}: the template reads it and the request does not set it. */
    private boolean switchesThinking(ChatOptions chat) {
        String source = chatTemplate(chat).source(); // null: the built-in ChatML, which has no switch
        return source != null && source.contains(THINKING_VARIABLE) && !chat.kwargs().containsKey(THINKING_VARIABLE);
    }

    /**
     * Teacher-forced logits: evaluates {@code tokens}, then extends them greedily by
     * {@code generate} tokens. Row i of the result holds the logits after token i of the final
     * sequence (the row that predicts token i+1), as the reference dumps lay them out.
     */
    public LogitsTrace logits(int[] tokens, int generate) {
        return logits(tokens, generate, List.of());
    }

    /**
     * {@link #logits(int[], int)} with LoRA adapters applied on the fly; an activated LoRA applies
     * from the last occurrence of its invocation sequence in {@code tokens} on (see {@link AdapterActivation}).
     */
    public LogitsTrace logits(int[] tokens, int generate, List<ScaledAdapter> withAdapters) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens given");
        if (generate < 0) throw new IllegalArgumentException("generate must be >= 0, got " + generate);
        checkPrompt(tokens);
        if ((long) tokens.length + generate > contextSize) {
            throw new ContextOverflowException("context full: " + tokens.length + " + " + generate + " positions exceed the limit of "
                    + contextSize + " (raise --ctx-size)");
        }
        return scheduler.run(new LogitsJob(tokens, generate, lora.activation(withAdapters, tokens)));
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

    /** Unloads an adapter once no running request uses the model (requests queued meanwhile wait). */
    public synchronized void unloadAdapter(LoraAdapter a) {
        if (!adapters.contains(a)) throw new IllegalArgumentException("adapter " + a.name() + " is not loaded in this model");
        scheduler.exclusive(() -> {
            adapters.remove(a);
            lora.remove(a);
            a.close();
        });
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
        scheduler.exclusive(() -> {
            FusedWeights f = LoraFuser.fuse(forward.weights(), config, set, precision, pool, int8Activations);
            fused.add(f);
            forward = new TransformerForward(config, f.weights(), pool, forward.maxBatch(), forward.tokensEvaluated());
            forward.setDeltas(lora);
            scheduler.setForward(forward); // drops cached prefixes: their keys and values came from the old weights
        });
    }

    /**
     * The paged KV cache (block accounting is visible for benchmarks and tests). The scheduler
     * thread changes it: read it while no request runs, or use {@link #schedulerStats()}.
     */
    public PagedKvCache kvCache() {
        return cache;
    }

    /** Stops the scheduler (requests still running or waiting fail), then frees adapters, weights and threads. */
    @Override
    public synchronized void close() {
        scheduler.close();
        for (LoraAdapter a : adapters) a.close();
        for (FusedWeights f : fused) f.close();
        pool.close();
        packing.close();
        gguf.close();
    }
}
