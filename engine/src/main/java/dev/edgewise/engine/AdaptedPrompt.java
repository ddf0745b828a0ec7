package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.lora.AdapterActivation;

import java.util.Arrays;

/**
 * The prompt rows an adapter must see again after a base-model prefill, for the reasoning
 * pipeline: with an activated LoRA, only the rows from its invocation sequence on, on a sequence
 * that shares the base prefill's KV blocks before it (they are the base model's by the aLoRA rule);
 * with {@code adapterPrefill} and a plain LoRA, the whole prompt on a fresh sequence. A plain LoRA
 * without {@code adapterPrefill} (masked LoRA: adapter on for the response only) needs nothing.
 */
final class AdaptedPrompt {
    private AdaptedPrompt() {}

    /** The sequence holding the adapted prompt, and the logits of its last row (the first response token's). */
    record Encoded(KvSequence sequence, float[] logits) {}

    /**
     * Encodes what {@code adapters} needs on top of {@code base} (which holds the whole prompt,
     * encoded by the base model), or returns null when the branches can continue {@code base} itself.
     * The caller owns (releases) the returned sequence.
     */
    static Encoded encode(TransformerForward forward, PagedKvCache cache, int[] prompt, KvSequence base, AdapterActivation adapters,
                          boolean adapterPrefill) {
        boolean alora = adapters.fromInvocation();
        if (adapters.generatedSlot() < 0 || !(alora || adapterPrefill)) return null;
        int from = alora ? adapters.start() : 0;
        KvSequence seq;
        if (from == 0) {
            seq = cache.create();
        } else {
            seq = cache.fork(base, 1)[0];
            cache.truncate(seq, from);
        }
        try {
            ForwardBatch batch = new ForwardBatch(prompt.length - from);
            for (int i = from; i < prompt.length; i++) batch.add(prompt[i], seq, i == prompt.length - 1, adapters.slot());
            float[] logits = Arrays.copyOf(forward.forward(batch, cache), forward.config().vocabSize());
            return new Encoded(seq, logits);
        } catch (RuntimeException | Error e) {
            cache.release(seq);
            throw e;
        }
    }
}
