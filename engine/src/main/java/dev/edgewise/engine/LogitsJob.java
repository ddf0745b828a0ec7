package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.sched.Job;
import dev.edgewise.engine.sched.LogitsSink;
import dev.edgewise.engine.sched.Scheduler;
import dev.edgewise.engine.sched.Step;

import java.util.Arrays;

/**
 * Teacher-forced logits on the scheduler: every token evaluated with its logits row kept (in
 * chunks, within each step's prefill budget), then a greedy extension one token per step. Never
 * starts on cached prefix blocks: every row's logits are wanted.
 */
final class LogitsJob extends Job<LogitsTrace> {
    private final int[] sequence;
    private final int promptLength, slot;
    private final float[][] rows;
    private KvSequence kv;
    private int vocab;
    /** Tokens added to steps so far. */
    private int fed;

    LogitsJob(int[] tokens, int generate, int slot) {
        this.promptLength = tokens.length;
        this.sequence = Arrays.copyOf(tokens, tokens.length + generate);
        this.rows = new float[sequence.length][];
        this.slot = slot;
    }

    @Override
    protected int sequences() {
        return 1;
    }

    @Override
    protected boolean cancelRequested() {
        return false;
    }

    @Override
    protected void start(Scheduler s) {
        vocab = s.vocab();
        kv = s.cache().create();
        s.cache().reserve(kv, sequence.length);
    }

    @Override
    protected void plan(Step step) {
        if (fed < promptLength) {
            int n = Math.min(promptLength - fed, Math.max(1, step.prefillBudget()));
            for (int i = 0; i < n; i++, fed++) step.add(this, sequence[fed], kv, slot, sink(fed), false);
        } else if (fed < sequence.length && rows[fed - 1] != null) {
            sequence[fed] = Sampler.argmax(rows[fed - 1], 0, vocab);
            step.add(this, sequence[fed], kv, slot, sink(fed), true);
            fed++;
        }
    }

    private LogitsSink sink(int row) {
        return (logits, offset) -> rows[row] = Arrays.copyOfRange(logits, offset, offset + vocab);
    }

    @Override
    protected void afterStep(Scheduler s) {
    }

    @Override
    protected boolean done() {
        return rows[rows.length - 1] != null;
    }

    @Override
    protected void cancel() {
    }

    @Override
    protected void releaseAll(Scheduler s) {
        if (kv != null && !kv.released()) s.cache().release(kv);
    }

    @Override
    protected LogitsTrace result() {
        return new LogitsTrace(sequence, promptLength, rows);
    }
}
