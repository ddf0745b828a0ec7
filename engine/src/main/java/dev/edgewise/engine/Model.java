package dev.edgewise.engine;

import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tokenizer.StreamingDecoder;
import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.loader.GGUFFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

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
    private final int contextSize;
    private final long loadNanos;

    private Model(GGUFFile gguf, ModelConfig config, Tokenizer tokenizer, WorkerPool pool, Qwen2Forward forward,
                  int contextSize, long loadNanos) {
        this.gguf = gguf;
        this.config = config;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.forward = forward;
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
            return new Model(gguf, config, tokenizer, pool, forward, ctx, System.nanoTime() - start);
        } catch (RuntimeException | Error e) {
            gguf.close();
            throw e;
        }
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

    /** Generates a continuation, streaming each token to {@code listener}. */
    public synchronized GenerationResult generate(GenerationRequest request, TokenListener listener) {
        long start = System.nanoTime();
        int[] prompt = promptTokens(request);
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty");
        int vocab = config.vocabSize();
        KvCache cache = new KvCache(config, contextSize);
        float[] logits = forward.forward(prompt, prompt.length, cache, false);
        long promptDone = System.nanoTime();

        Sampler sampler = new Sampler(request.sampling());
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        StopStringMatcher stops = new StopStringMatcher(request.stopStrings());
        int[] history = Arrays.copyOf(prompt, prompt.length + request.maxTokens());
        int historyLength = prompt.length;
        int[] generated = new int[request.maxTokens()];
        float[] logProbs = new float[request.maxTokens()];
        int[] next = new int[1];
        StringBuilder text = new StringBuilder();
        int count = 0;
        long firstToken = 0;
        FinishReason reason = FinishReason.MAX_TOKENS;
        while (count < request.maxTokens()) {
            int token = sampler.sample(logits, 0, vocab, history, historyLength);
            if (count == 0) firstToken = System.nanoTime();
            if (!request.ignoreEndOfGeneration() && tokenizer.isEndOfGeneration(token)) {
                reason = FinishReason.END_OF_GENERATION;
                break;
            }
            float logProb = Sampler.logProbability(logits, 0, vocab, token);
            generated[count] = token;
            logProbs[count] = logProb;
            history[historyLength++] = token;
            String piece = stops.accept(decoder.accept(token));
            text.append(piece);
            listener.onToken(new TokenEvent(count, token, piece, logProb));
            count++;
            if (stops.stopped()) {
                reason = FinishReason.STOP_STRING;
                break;
            }
            if (count == request.maxTokens()) break;
            if (cache.length() >= cache.maxPositions()) {
                reason = FinishReason.CONTEXT_FULL;
                break;
            }
            next[0] = token;
            logits = forward.forward(next, 1, cache, false);
        }
        String tail = stops.accept(decoder.flush()) + stops.flush();
        if (!tail.isEmpty()) {
            text.append(tail);
            listener.onToken(new TokenEvent(count, -1, tail, 0f));
        }
        long end = System.nanoTime();
        Timings timings = new Timings(prompt.length, promptDone - start, count == 0 ? end - start : firstToken - start,
                count, count == 0 ? 0 : end - firstToken);
        return new GenerationResult(text.toString(), Arrays.copyOf(generated, count), Arrays.copyOf(logProbs, count),
                prompt, reason, timings);
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
        KvCache cache = new KvCache(config, Math.max(contextSize, total));
        float[][] rows = new float[total][];
        float[] all = forward.forward(tokens, tokens.length, cache, true);
        for (int i = 0; i < tokens.length; i++) rows[i] = Arrays.copyOfRange(all, i * vocab, (i + 1) * vocab);
        int[] sequence = Arrays.copyOf(tokens, total);
        for (int g = 0; g < generate; g++) {
            int token = Sampler.argmax(rows[tokens.length + g - 1], 0, vocab);
            sequence[tokens.length + g] = token;
            float[] l = forward.forward(new int[]{token}, 1, cache, false);
            rows[tokens.length + g] = Arrays.copyOf(l, vocab);
        }
        return new LogitsTrace(sequence, tokens.length, rows);
    }

    @Override
    public void close() {
        pool.close();
        gguf.close();
    }
}
