package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.tokenizer.StreamingDecoder;
import dev.edgewise.engine.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * A live branch in the decode loop: its KV sequence, its own sampler (own seeded RNG), the tokens
 * it still has to feed to the model, text assembly, stop conditions and budget-forcing state.
 * Everything that decides its tokens belongs to it alone, so a branch produces the same tokens
 * whether it runs alone or beside others.
 */
final class BranchState {
    final int index;
    final KvSequence sequence;
    final Sampler sampler;
    /** LoRA adapter slot of this branch's rows (-1: base model). */
    int adapter = -1;
    private final StreamingDecoder decoder;
    private final StopStringMatcher stops;
    /** The request's output constraint for this branch (JSON, JSON schema), or null. */
    private final TokenConstraint constraint;
    private final StringBuilder raw = new StringBuilder();
    private int[] history;
    private int historyLength;
    private int[] generated;
    private float[] logProbs;
    private final StringBuilder text = new StringBuilder();
    /** Accepted tokens not yet run through the model (normally the last sampled one). */
    private int[] inputs = new int[8];
    private int inputCount;
    int count;
    FinishReason finish;

    // budget forcing
    boolean thinking;
    int thinkingTokens;
    int forcedAt = -1;
    int forcedLimit;
    int waits;

    /** Separates thinking from answer in {@code text}; {@link #lastSplit} is what the last accept/flush made final. */
    private final ThinkingSplitter splitter;
    ThinkingSplitter.Chunk lastSplit = ThinkingSplitter.Chunk.EMPTY;

    BranchState(int index, KvSequence sequence, Sampler sampler, Tokenizer tokenizer, int[] prompt, GenerationRequest request) {
        this.index = index;
        this.sequence = sequence;
        this.sampler = sampler;
        this.decoder = tokenizer.streamingDecoder();
        this.stops = new StopStringMatcher(request.stopStrings());
        this.constraint = request.responseFormat() == null ? null : request.responseFormat().newConstraint(tokenizer);
        int capacity = request.maxTokens() + 64;
        this.history = Arrays.copyOf(prompt, prompt.length + capacity);
        this.historyLength = prompt.length;
        this.generated = new int[capacity];
        this.logProbs = new float[capacity];
        String open = request.budget() != null ? request.budget().thinkStart() : "<think>";
        String close = request.budget() != null ? request.budget().thinkEnd() : "</think>";
        String promptTail = tokenizer.decode(Arrays.copyOfRange(prompt, Math.max(0, prompt.length - 16), prompt.length), true);
        this.splitter = new ThinkingSplitter(open, close, ThinkingSplitter.opensThinking(promptTail, open, close));
    }

    /** Whether the output constraint is satisfied and allows nothing more: the branch must end. */
    boolean constraintComplete() {
        return constraint != null && constraint.complete();
    }

    boolean live() {
        return finish == null;
    }

    int sample(float[] logits, int offset, int vocab) {
        if (constraint != null) constraint.mask(logits, offset);
        return sampler.sample(logits, offset, vocab, history, historyLength);
    }

    /** Records a token of the response (sampled, or injected with NaN log-prob); returns the text it makes final. */
    String accept(int token, float logProb) {
        if (count == generated.length) {
            generated = Arrays.copyOf(generated, 2 * count);
            logProbs = Arrays.copyOf(logProbs, 2 * count);
            history = Arrays.copyOf(history, history.length + count);
        }
        generated[count] = token;
        logProbs[count] = logProb;
        history[historyLength++] = token;
        count++;
        if (inputCount == inputs.length) inputs = Arrays.copyOf(inputs, 2 * inputCount);
        inputs[inputCount++] = token;
        if (constraint != null) constraint.accept(token);
        String decoded = decoder.accept(token);
        raw.append(decoded);
        String piece = stops.accept(decoded);
        text.append(piece);
        lastSplit = splitter.accept(piece);
        if (stops.stopped()) finish = FinishReason.STOP_STRING;
        return piece;
    }

    /** Everything the branch has produced so far, before stop-string trimming. */
    CharSequence rawText() {
        return raw;
    }

    int pendingInputs() {
        return inputCount;
    }

    int pendingInput(int i) {
        return inputs[i];
    }

    void inputsConsumed() {
        inputCount = 0;
    }

    /** Text still held back when the branch ends without a stop string. */
    String flush() {
        String decoded = decoder.flush();
        raw.append(decoded);
        String tail = stops.accept(decoded) + stops.flush();
        text.append(tail);
        ThinkingSplitter.Chunk a = splitter.accept(tail), b = splitter.flush();
        lastSplit = a == ThinkingSplitter.Chunk.EMPTY && b == ThinkingSplitter.Chunk.EMPTY ? ThinkingSplitter.Chunk.EMPTY
                : new ThinkingSplitter.Chunk(a.thinking() + b.thinking(), a.content() + b.content());
        return tail;
    }

    BranchResult result() {
        return new BranchResult(index, text.toString(), Arrays.copyOf(generated, count), Arrays.copyOf(logProbs, count), finish,
                thinkingTokens, forcedAt, waits, splitter.thinking(), splitter.content());
    }
}
