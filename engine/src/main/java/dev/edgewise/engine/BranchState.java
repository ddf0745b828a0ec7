package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.tokenizer.StreamingDecoder;
import dev.edgewise.engine.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * A live branch in the decode loop: its KV sequence, its own sampler (own seeded RNG), text
 * assembly and stop conditions. Everything that decides its tokens belongs to it alone, so a branch
 * produces the same tokens whether it runs alone or beside others.
 */
final class BranchState {
    final int index;
    final KvSequence sequence;
    final Sampler sampler;
    private final StreamingDecoder decoder;
    private final StopStringMatcher stops;
    private final int[] history;
    private int historyLength;
    private final int[] generated;
    private final float[] logProbs;
    private final StringBuilder text = new StringBuilder();
    int count;
    int lastToken = -1;
    FinishReason finish;

    BranchState(int index, KvSequence sequence, Sampler sampler, Tokenizer tokenizer, int[] prompt, GenerationRequest request) {
        this.index = index;
        this.sequence = sequence;
        this.sampler = sampler;
        this.decoder = tokenizer.streamingDecoder();
        this.stops = new StopStringMatcher(request.stopStrings());
        this.history = Arrays.copyOf(prompt, prompt.length + request.maxTokens());
        this.historyLength = prompt.length;
        this.generated = new int[request.maxTokens()];
        this.logProbs = new float[request.maxTokens()];
    }

    boolean live() {
        return finish == null;
    }

    int sample(float[] logits, int offset, int vocab) {
        return sampler.sample(logits, offset, vocab, history, historyLength);
    }

    /** Records an accepted token; returns the text it makes final. */
    String accept(int token, float logProb) {
        generated[count] = token;
        logProbs[count] = logProb;
        history[historyLength++] = token;
        count++;
        lastToken = token;
        String piece = stops.accept(decoder.accept(token));
        text.append(piece);
        if (stops.stopped()) finish = FinishReason.STOP_STRING;
        return piece;
    }

    /** Text still held back when the branch ends without a stop string. */
    String flush() {
        String tail = stops.accept(decoder.flush()) + stops.flush();
        text.append(tail);
        return tail;
    }

    BranchResult result() {
        return new BranchResult(index, text.toString(), Arrays.copyOf(generated, count), Arrays.copyOf(logProbs, count), finish);
    }
}
