package dev.edgewise.engine.sched;

import dev.edgewise.engine.ForwardBatch;
import dev.edgewise.engine.HiddenStateSink;
import dev.edgewise.engine.kv.KvSequence;

import java.util.Arrays;

/**
 * The rows of one scheduler step, collected from every running job: decode rows first, then
 * prompt rows within the step's prefill budget. All of them run in one batched forward pass.
 * Hidden states can be taken at one layer per step: a job needing another layer waits a step.
 */
public final class Step {
    private ForwardBatch batch = new ForwardBatch(64);
    private int size;
    private int[] tokens = new int[64];
    private int[] adapters = new int[64];
    private KvSequence[] sequences = new KvSequence[64];
    private LogitsSink[] sinks = new LogitsSink[64];
    private Job<?>[] owners = new Job<?>[64];
    private HiddenStateSink[] hidden = new HiddenStateSink[64];
    private int hiddenLayer = Integer.MIN_VALUE;
    private int prefillBudget;
    private int decodeRows, prefillRows;

    void reset(int prefillBudget) {
        Arrays.fill(sequences, 0, size, null);
        Arrays.fill(sinks, 0, size, null);
        Arrays.fill(owners, 0, size, null);
        Arrays.fill(hidden, 0, size, null);
        size = 0;
        hiddenLayer = Integer.MIN_VALUE;
        this.prefillBudget = prefillBudget;
        decodeRows = prefillRows = 0;
    }

    /**
     * Adds a row: {@code token} of {@code sequence} at its next position, run with adapter slot
     * {@code adapter}; {@code sink} receives its logits (null: none wanted). Prompt rows
     * ({@code decode} false) use up the prefill budget.
     */
    public void add(Job<?> owner, int token, KvSequence sequence, int adapter, LogitsSink sink, boolean decode) {
        if (size == tokens.length) grow();
        tokens[size] = token;
        adapters[size] = adapter;
        sequences[size] = sequence;
        sinks[size] = sink;
        owners[size] = owner;
        size++;
        owner.forwardRows++;
        if (decode) decodeRows++;
        else {
            prefillRows++;
            prefillBudget--;
        }
    }

    /** Prompt rows this step can still take. */
    public int prefillBudget() {
        return prefillBudget;
    }

    /** Claims hidden-state capture at {@code layer} (-1: after the final norm); false if the step captures another layer. */
    public boolean captureLayer(int layer) {
        if (hiddenLayer != Integer.MIN_VALUE && hiddenLayer != layer) return false;
        hiddenLayer = layer;
        return true;
    }

    /** Sends the hidden state of the row added last to {@code sink} (after {@link #captureLayer}). */
    public void captureLast(HiddenStateSink sink) {
        hidden[size - 1] = sink;
    }

    private void grow() {
        int n = 2 * tokens.length;
        tokens = Arrays.copyOf(tokens, n);
        adapters = Arrays.copyOf(adapters, n);
        sequences = Arrays.copyOf(sequences, n);
        sinks = Arrays.copyOf(sinks, n);
        owners = Arrays.copyOf(owners, n);
        hidden = Arrays.copyOf(hidden, n);
    }

    /** The rows as a forward batch (reused between steps). */
    ForwardBatch batch() {
        if (batch.capacity() < size) batch = new ForwardBatch(Math.max(size, 2 * batch.capacity()));
        batch.clear();
        for (int i = 0; i < size; i++) {
            batch.add(tokens[i], sequences[i], sinks[i] != null, adapters[i]);
            if (hidden[i] != null) batch.markHidden();
        }
        if (hiddenLayer != Integer.MIN_VALUE) batch.captureHidden(hiddenLayer, (row, h, off) -> hidden[row].accept(row, h, off));
        return batch;
    }

    int size() {
        return size;
    }

    LogitsSink sink(int row) {
        return sinks[row];
    }

    Job<?> owner(int row) {
        return owners[row];
    }

    int decodeRows() {
        return decodeRows;
    }

    int prefillRows() {
        return prefillRows;
    }
}
