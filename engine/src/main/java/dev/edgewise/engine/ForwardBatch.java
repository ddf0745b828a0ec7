package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvSequence;

/**
 * Rows to evaluate in one forward pass: each row is one token of one sequence at the sequence's next
 * free position. Rows of the same sequence must be added in order. A prompt is many rows of one
 * sequence; a decode step is one row from each live branch. Reused across steps: {@link #clear()}.
 */
public final class ForwardBatch {
    final int[] tokens;
    final KvSequence[] sequences;
    final int[] positions;
    final boolean[] wantLogits;
    final int[] adapters;
    final boolean[] wantHidden;
    int size;
    /** Where hidden states are taken (-1: after the final RMSNorm; k: the residual stream after block k). */
    int hiddenLayer = -1;
    /** Receives the hidden state of every row that asked for it, or null. */
    HiddenStateSink hiddenSink;

    public ForwardBatch(int capacity) {
        tokens = new int[capacity];
        sequences = new KvSequence[capacity];
        positions = new int[capacity];
        wantLogits = new boolean[capacity];
        adapters = new int[capacity];
        wantHidden = new boolean[capacity];
    }

    public int capacity() {
        return tokens.length;
    }

    public int size() {
        return size;
    }

    public void clear() {
        java.util.Arrays.fill(sequences, 0, size, null);
        java.util.Arrays.fill(wantHidden, 0, size, false);
        size = 0;
        hiddenSink = null;
    }

    /** Hidden states of rows marked with {@link #markHidden} go to {@code sink}, taken at {@code layer}. */
    public ForwardBatch captureHidden(int layer, HiddenStateSink sink) {
        this.hiddenLayer = layer;
        this.hiddenSink = sink;
        return this;
    }

    /** Asks for the hidden state of the most recently added row. */
    public ForwardBatch markHidden() {
        wantHidden[size - 1] = true;
        return this;
    }

    /**
     * Adds a token of {@code sequence}; its position is the sequence's length plus the rows of it
     * already in this batch. {@code adapter} selects a LoRA adapter set for the row (-1 for none).
     */
    public ForwardBatch add(int token, KvSequence sequence, boolean logits, int adapter) {
        if (size == tokens.length) throw new IllegalStateException("batch full (" + size + " rows)");
        int pos = sequence.length();
        for (int i = size - 1; i >= 0; i--) {
            if (sequences[i] == sequence) {
                pos = positions[i] + 1;
                break;
            }
        }
        tokens[size] = token;
        sequences[size] = sequence;
        positions[size] = pos;
        wantLogits[size] = logits;
        adapters[size] = adapter;
        size++;
        return this;
    }

    public ForwardBatch add(int token, KvSequence sequence, boolean logits) {
        return add(token, sequence, logits, -1);
    }

    /** Rows that asked for logits, in row order: the row index of each logits row. */
    public int logitRows() {
        int n = 0;
        for (int i = 0; i < size; i++) if (wantLogits[i]) n++;
        return n;
    }
}
