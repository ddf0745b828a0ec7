package dev.edgewise.engine.lora;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Which rows of one request an adapter set applies to: the one place that decides it, for
 * generation, teacher-forced logits and the reasoning pipeline alike.
 *
 * <p><b>Plain LoRA</b>: every prompt row and every generated row.
 *
 * <p><b>Activated LoRA</b> (aLoRA, an adapter with invocation tokens; {@link LoraAdapter#activated}),
 * exactly as PEFT defines it (huggingface/peft {@code tuners/lora/variants.py},
 * {@code calculate_alora_offsets} and {@code ALoraLinearVariant}; PEFT 0.18 to 0.20): with prompt
 * ids {@code p[0..n)} and invocation ids {@code c[0..L)}, let
 * {@code s = max{ i : p[i..i+L) == c }}, the start of the <em>last</em> occurrence of the whole
 * sequence (an exact match at every start index, so overlapping and partial earlier matches do not
 * hide it). Positions {@code 0..s-1} use the base weights, positions {@code s..n-1} (the
 * invocation tokens themselves included) and every generated position use the adapter. Attention
 * is causal, so the KV cache of positions before {@code s} is the base model's and can be shared
 * with base-model work on the same prompt. <b>If the sequence does not occur, the adapter is off
 * for the whole request</b> (PEFT's documented behaviour, and llama-server's): the request runs on
 * the base model, and {@link #invocationMissing()} says so, so callers can warn.
 *
 * <p>(llama-server differs in two ways, both deliberately not copied: it also adapts position
 * {@code s-1}, and its backward scan misses an occurrence right after a failed partial match, e.g.
 * {@code [A, B]} in {@code ..., A, B, B}.)
 *
 * <p>An aLoRA cannot share a request with other adapters, plain or activated: each has its own
 * boundary, and no boundary is right for their sum (llama-server likewise refuses more than one
 * aLoRA).
 *
 * @param slot  the adapter set's slot in {@link DynamicLora} (-1 for no adapters)
 * @param state how the set applies
 * @param start the first adapted prompt position: 0 for a plain LoRA, {@code s} for an aLoRA whose
 *              invocation occurs; -1 when no position is adapted
 */
public record AdapterActivation(int slot, State state, int start) {

    /** No adapters: every row runs the base model. */
    public static final AdapterActivation NONE = new AdapterActivation(-1, State.NO_ADAPTER, -1);

    /** How an adapter set applies to a request. */
    public enum State {
        /** The request has no adapters. */
        NO_ADAPTER,
        /** Plain LoRA: every row adapted. */
        ALWAYS,
        /** aLoRA whose invocation sequence occurs in the prompt: adapted from {@link #start()} on. */
        FROM_INVOCATION,
        /** aLoRA whose invocation sequence is absent: the adapter is off for the whole request. */
        INVOCATION_ABSENT
    }

    /**
     * The activation of {@code set} on {@code prompt}; {@code slotOf} registers the set for the
     * forward pass (e.g. {@link DynamicLora#slot}) and is called only for a valid set.
     *
     * @throws IllegalArgumentException if an aLoRA is combined with any other adapter
     */
    public static AdapterActivation of(List<ScaledAdapter> set, int[] prompt, ToIntFunction<List<ScaledAdapter>> slotOf) {
        if (set == null || set.isEmpty()) return NONE;
        LoraAdapter alora = null;
        for (ScaledAdapter a : set) if (a.adapter().activated()) alora = a.adapter();
        if (alora != null && set.size() > 1) {
            throw new IllegalArgumentException("the activated LoRA '" + alora.name() + "' cannot be combined with other adapters in one "
                    + "request (" + set.size() + " given); use it alone");
        }
        int slot = slotOf.applyAsInt(set);
        if (alora == null) return new AdapterActivation(slot, State.ALWAYS, 0);
        int s = invocationStart(prompt, alora.invocationTokens());
        return s < 0 ? new AdapterActivation(slot, State.INVOCATION_ABSENT, -1) : new AdapterActivation(slot, State.FROM_INVOCATION, s);
    }

    /** The start of the last occurrence of {@code invocation} in {@code prompt}, or -1 if it does not occur (PEFT's rule). */
    public static int invocationStart(int[] prompt, int[] invocation) {
        int l = invocation.length;
        if (l == 0) throw new IllegalArgumentException("empty invocation sequence");
        for (int i = prompt.length - l; i >= 0; i--) {
            if (Arrays.equals(prompt, i, i + l, invocation, 0, l)) return i;
        }
        return -1;
    }

    /** The adapter slot of prompt row {@code position} (-1: base weights). */
    public int slotAt(int position) {
        return start >= 0 && position >= start ? slot : -1;
    }

    /** The adapter slot of every generated row (-1: base weights). */
    public int generatedSlot() {
        return start >= 0 ? slot : -1;
    }

    /** The warning to show when {@link #invocationMissing()}: one line, for command lines and logs. */
    public static final String INVOCATION_MISSING_WARNING =
            "the activated LoRA's invocation sequence does not occur in the prompt, so the adapter was off for this request";

    /** Whether an aLoRA was requested but its invocation sequence is not in the prompt, so it stays off. */
    public boolean invocationMissing() {
        return state == State.INVOCATION_ABSENT;
    }

    /** Whether the set is an aLoRA whose invocation occurs: prompt rows before {@link #start()} are the base model's. */
    public boolean fromInvocation() {
        return state == State.FROM_INVOCATION;
    }
}
