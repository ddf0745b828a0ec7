package dev.edgewise.engine;

import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.kv.KvBlockPool;
import dev.edgewise.engine.kv.KvCacheFullException;
import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.loader.GGUFFile;

import java.io.IOException;
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
    private final Qwen2Forward forward;
    private final PagedKvCache cache;
    private final int contextSize;
    private final long loadNanos;

    private Model(GGUFFile gguf, ModelConfig config, Tokenizer tokenizer, WorkerPool pool, Qwen2Forward forward,
                  PagedKvCache cache, int contextSize, long loadNanos) {
        this.gguf = gguf;
        this.config = config;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.forward = forward;
        this.cache = cache;
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
        try {
            ModelConfig config = ModelConfig.from(gguf);
            ModelWeights weights = ModelWeights.from(gguf, config);
            Tokenizer tokenizer = Tokenizer.fromGGUF(gguf);
            if (tokenizer.vocabulary().size() > config.vocabSize()) {
                throw new dev.edgewise.loader.ModelFormatException(path.getFileName() + ": tokenizer has "
                        + tokenizer.vocabulary().size() + " tokens but token_embd.weight only " + config.vocabSize() + " rows");
            }
            int ctx = options.contextSize() == 0 ? config.contextLength() : Math.min(options.contextSize(), config.contextLength());
            WorkerPool pool = new WorkerPool(options.threads());
            Qwen2Forward forward = new Qwen2Forward(config, weights, pool, options.batchSize());
            PagedKvCache cache = new PagedKvCache(config, options.kvType(), options.kvBlockSize(), kvBudget(config, options, ctx), ctx);
            return new Model(gguf, config, tokenizer, pool, forward, cache, ctx, System.nanoTime() - start);
        } catch (RuntimeException | Error e) {
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
        KvSequence root = cache.create();
        List<BranchState> branches = new ArrayList<>(n);
        try {
            ForwardBatch batch = new ForwardBatch(prompt.length);
            for (int i = 0; i < prompt.length; i++) batch.add(prompt[i], root, i == prompt.length - 1);
            float[] promptLogits = Arrays.copyOf(forward.forward(batch, cache), vocab);
            long promptDone = System.nanoTime();
            long kvPeak = cache.pool().bytesInUse();

            KvSequence[] sequences = n == 1 ? new KvSequence[]{root} : cache.fork(root, n);
            if (n > 1) cache.release(root);
            for (int i = 0; i < n; i++) {
                Sampler sampler = new Sampler(request.sampling().withSeed(request.sampling().seed() + i));
                branches.add(new BranchState(i, sequences[i], sampler, tokenizer, prompt, request));
            }
            for (BranchState b : branches) step(b, promptLogits, 0, request, listener);
            long firstToken = System.nanoTime();

            ForwardBatch step = new ForwardBatch(n);
            int steps = 0, decoded = 0;
            while (true) {
                step.clear();
                for (BranchState b : branches) {
                    if (!b.live()) continue;
                    if (b.sequence.length() >= cache.maxPositions()) {
                        finish(b, FinishReason.CONTEXT_FULL, listener);
                        continue;
                    }
                    try {
                        cache.reserve(b.sequence, 1);
                    } catch (KvCacheFullException e) {
                        finish(b, FinishReason.CACHE_FULL, listener);
                        continue;
                    }
                    step.add(b.lastToken, b.sequence, true);
                }
                if (step.size() == 0) break;
                float[] logits = forward.forward(step, cache);
                kvPeak = Math.max(kvPeak, cache.pool().bytesInUse());
                steps++;
                int row = 0;
                for (BranchState b : branches) {
                    if (b.live() && row < step.size() && step.sequences[row] == b.sequence) {
                        step(b, logits, row++ * vocab, request, listener);
                        decoded++;
                    }
                }
            }
            long end = System.nanoTime();
            int generated = 0;
            List<BranchResult> results = new ArrayList<>(n);
            for (BranchState b : branches) {
                generated += b.count;
                results.add(b.result());
            }
            Timings timings = new Timings(prompt.length, promptDone - start, firstToken - start, generated, decoded, steps, end - firstToken, kvPeak);
            return new GenerationResult(results, prompt, timings);
        } finally {
            if (!root.released()) cache.release(root);
            for (BranchState b : branches) if (!b.sequence.released()) cache.release(b.sequence);
        }
    }

    /** Samples a branch's next token from its logits row and applies its stop conditions. */
    private void step(BranchState b, float[] logits, int offset, GenerationRequest request, TokenListener listener) {
        if (b.count == request.maxTokens()) {
            finish(b, FinishReason.MAX_TOKENS, listener);
            return;
        }
        int vocab = config.vocabSize();
        int token = b.sample(logits, offset, vocab);
        if (!request.ignoreEndOfGeneration() && tokenizer.isEndOfGeneration(token)) {
            finish(b, FinishReason.END_OF_GENERATION, listener);
            return;
        }
        float logProb = Sampler.logProbability(logits, offset, vocab, token);
        String piece = b.accept(token, logProb);
        listener.onToken(new TokenEvent(b.index, b.count - 1, token, piece, logProb));
        if (b.finish != null) {
            finish(b, b.finish, listener);
        } else if (b.count == request.maxTokens()) {
            finish(b, FinishReason.MAX_TOKENS, listener);
        }
    }

    /** Ends a branch: flushes held-back text and returns its KV blocks to the pool at once. */
    private void finish(BranchState b, FinishReason reason, TokenListener listener) {
        b.finish = reason;
        String tail = b.flush();
        if (!tail.isEmpty()) listener.onToken(new TokenEvent(b.index, b.count, -1, tail, 0f));
        cache.release(b.sequence);
    }

    /**
     * Teacher-forced logits: evaluates {@code tokens}, then extends them greedily by
     * {@code generate} tokens. Row i of the result holds the logits after token i of the final
     * sequence (the row that predicts token i+1), as the reference dumps lay them out.
     */
    public synchronized LogitsTrace logits(int[] tokens, int generate) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens given");
        int vocab = config.vocabSize();
        int total = tokens.length + generate;
        float[][] rows = new float[total][];
        int[] sequence = Arrays.copyOf(tokens, total);
        KvSequence seq = cache.create();
        try {
            ForwardBatch batch = new ForwardBatch(tokens.length);
            for (int t : tokens) batch.add(t, seq, true);
            float[] all = forward.forward(batch, cache);
            for (int i = 0; i < tokens.length; i++) rows[i] = Arrays.copyOfRange(all, i * vocab, (i + 1) * vocab);
            ForwardBatch one = new ForwardBatch(1);
            for (int g = 0; g < generate; g++) {
                int token = Sampler.argmax(rows[tokens.length + g - 1], 0, vocab);
                sequence[tokens.length + g] = token;
                one.clear();
                one.add(token, seq, true);
                rows[tokens.length + g] = Arrays.copyOf(forward.forward(one, cache), vocab);
            }
        } finally {
            cache.release(seq);
        }
        return new LogitsTrace(sequence, tokens.length, rows);
    }

    /** The paged KV cache (block accounting is visible for benchmarks and tests). */
    public PagedKvCache kvCache() {
        return cache;
    }

    @Override
    public void close() {
        pool.close();
        gguf.close();
    }
}
