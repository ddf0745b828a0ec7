package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.tokenizer.StreamingDecoder;
import dev.edgewise.engine.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * A live branch in the scheduler: its KV sequence, its own sampler (own seeded RNG), optional
 * token constraint and budget controller, the tokens it still has to feed to the model, text
 * assembly and stop conditions. Everything that decides its tokens belongs to it alone, so a
 * branch produces the same tokens whether it runs alone or beside others.
 */
final class BranchState {
    final int index;
    final KvSequence sequence;
    final Sampler sampler;
    /** LoRA adapter slot of the prompt's rows and of the response's rows (-1: base model). */
    private final int promptSlot, responseSlot;
    /** Budget forcing of this branch, or null. */
    final BudgetController budget;
    /** Restricts the next token, or null. */
    private final TokenConstraint constraint;
    /** The token drawn by the last {@link #sampleRow} and its log-probability. */
    int sampled;
    float sampledLogProb;
    private final StreamingDecoder decoder;
    private final StopStringMatcher stops;
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

    private final int promptLength;

    BranchState(int index, KvSequence sequence, Sampler sampler, Tokenizer tokenizer, int[] prompt, GenerationRequest request,
                int promptSlot, int responseSlot, BudgetController budget) {
        this.index = index;
        this.sequence = sequence;
        this.sampler = sampler;
        this.promptSlot = promptSlot;
        this.responseSlot = responseSlot;
        this.budget = budget;
        this.constraint = request.constraint() == null ? null : request.constraint().get();
        this.promptLength = prompt.length;
        this.decoder = tokenizer.streamingDecoder();
        this.stops = new StopStringMatcher(request.stopStrings());
        int capacity = request.maxTokens() + 64;
        this.history = Arrays.copyOf(prompt, prompt.length + capacity);
        this.historyLength = prompt.length;
        this.generated = new int[capacity];
        this.logProbs = new float[capacity];
    }

    boolean live() {
        return finish == null;
    }

    /**
     * The adapter slot of the row at {@code position}: the prompt's below the prompt length, the
     * response's after it (the extension point for adapters that switch on by position).
     */
    int slotAt(int position) {
        return position < promptLength ? promptSlot : responseSlot;
    }

    /** Tokens of the sequence so far, prompt included (position p holds {@code tokens()[p]} once fed). */
    int[] tokens() {
        return history;
    }

    boolean constrained() {
        return constraint != null;
    }

    /** Draws the next token from a logits row (masked in place by the constraint first) into {@link #sampled}. */
    void sampleRow(float[] logits, int offset, int vocab) {
        if (constraint != null) constraint.mask(logits, offset, vocab);
        sampled = sampler.sample(logits, offset, vocab, history, historyLength);
        sampledLogProb = Sampler.logProbability(logits, offset, vocab, sampled);
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
        if (budget != null) budget.observe(token, raw);
        String piece = stops.accept(decoded);
        text.append(piece);
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
        return tail;
    }

    BranchResult result() {
        return new BranchResult(index, text.toString(), Arrays.copyOf(generated, count), Arrays.copyOf(logProbs, count), finish,
                budget == null ? 0 : budget.thinkingTokens(), budget == null ? -1 : budget.forcedAt(), budget == null ? 0 : budget.waits());
    }
}
