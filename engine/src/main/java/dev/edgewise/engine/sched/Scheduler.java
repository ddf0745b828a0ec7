package dev.edgewise.engine.sched;

import dev.edgewise.engine.ForwardBatch;
import dev.edgewise.engine.TransformerForward;
import dev.edgewise.engine.SchedulerFullException;
import dev.edgewise.engine.SchedulerStats;
import dev.edgewise.engine.StepListener;
import dev.edgewise.engine.kv.KvCacheFullException;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.kv.PrefixCache;
import dev.edgewise.kernels.WorkerPool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one decode loop of a model (see the package documentation): a thread that admits waiting
 * jobs at step boundaries, runs one batched forward pass over the rows of every running job per
 * step, hands each row's logits to its owner and retires finished jobs, releasing their KV blocks
 * before their callers wake up.
 */
public final class Scheduler implements AutoCloseable {
    private final PagedKvCache cache;
    private final PrefixCache prefixes;
    private final WorkerPool pool;
    private final int vocab;
    private final int maxSequences, maxWaiting, prefillChunk;
    private volatile TransformerForward forward;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Object> waiting = new ArrayDeque<>(); // jobs and barriers (Runnable)
    private boolean closed;
    private Thread thread;

    // scheduler thread only
    private final List<Job<?>> running = new ArrayList<>();
    private final Step step = new Step();
    private int runningSequences;
    private int idleCycles;
    /** Open while jobs run, so the pool's threads spin between steps rather than park (WorkerPool#hold). */
    private WorkerPool.Hold awake;

    private final List<StepListener> stepListeners = new CopyOnWriteArrayList<>();
    private volatile SchedulerStats stats;
    private long promptTokens, cachedPromptTokens, generatedTokens, steps, finished;

    public Scheduler(TransformerForward forward, PagedKvCache cache, boolean prefixCaching, WorkerPool pool, int maxSequences, int maxWaiting,
                     int prefillChunk) {
        this.forward = forward;
        this.cache = cache;
        this.prefixes = prefixCaching ? new PrefixCache(cache) : null;
        this.pool = pool;
        this.vocab = forward.config().vocabSize();
        this.maxSequences = maxSequences;
        this.maxWaiting = maxWaiting;
        this.prefillChunk = prefillChunk;
        publishStats();
    }

    /**
     * Queues a job and waits for its result. Many threads may call this at once; their jobs share
     * the batch.
     *
     * @throws SchedulerFullException if {@code maxWaiting} jobs are already waiting
     */
    public <R> R run(Job<R> job) {
        lock.lock();
        try {
            checkCaller();
            if (waiting.size() >= maxWaiting) {
                throw new SchedulerFullException("too many requests waiting (" + waiting.size() + " of at most " + maxWaiting + ")");
            }
            if (job.sequences() > maxSequences) {
                throw new IllegalArgumentException(job.sequences() + " sequences exceed the scheduler's limit of " + maxSequences
                        + " (raise --max-sequences)");
            }
            enqueue(job);
        } finally {
            lock.unlock();
        }
        return await(job.future);
    }

    /**
     * Runs {@code action} on the scheduler thread once no job is running (jobs queued after it
     * wait): for changes of the weights or adapters that running sequences must not see.
     */
    public void exclusive(Runnable action) {
        Barrier barrier = new Barrier(action, new CompletableFuture<>());
        lock.lock();
        try {
            checkCaller();
            enqueue(barrier);
        } finally {
            lock.unlock();
        }
        await(barrier.done());
    }

    /** Work that needs the model to itself, run between jobs. */
    private record Barrier(Runnable action, CompletableFuture<Void> done) {
    }

    /** Under the lock: refuses calls after close and from the scheduler thread itself (a listener would wait for itself). */
    private void checkCaller() {
        if (closed) throw new IllegalStateException("the model is closed");
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("a listener cannot call into its model (it runs on the scheduler thread)");
        }
    }

    private void enqueue(Object work) {
        waiting.add(work);
        startThread();
        this.work.signal();
    }

    private static <R> R await(CompletableFuture<R> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
    }

    private void startThread() {
        if (thread != null) return;
        thread = Thread.ofPlatform().name("edgewise-scheduler").daemon(true).start(this::loop);
    }

    public PagedKvCache cache() {
        return cache;
    }

    /** The prefix cache, or null when prefix caching is off. */
    public PrefixCache prefixCache() {
        return prefixes;
    }

    public int vocab() {
        return vocab;
    }

    public WorkerPool pool() {
        return pool;
    }

    public TransformerForward forward() {
        return forward;
    }

    /** Swaps the forward pass (fused weights); call from {@link #exclusive}. Cached prefixes are dropped. */
    public void setForward(TransformerForward f) {
        this.forward = f;
        if (prefixes != null) prefixes.clear();
    }

    public void addStepListener(StepListener l) {
        stepListeners.add(l);
    }

    /** The counters published after the last step, with the current length of the waiting queue. */
    public SchedulerStats stats() {
        SchedulerStats s = stats;
        int waitingNow;
        lock.lock();
        try {
            waitingNow = waiting.size();
        } finally {
            lock.unlock();
        }
        return new SchedulerStats(s.runningRequests(), waitingNow, s.runningSequences(), s.kvBlocksUsed(), s.kvBlocksCached(),
                s.kvBlocksTotal(), s.promptTokens(), s.cachedPromptTokens(), s.generatedTokens(), s.steps(), s.requestsFinished());
    }

    private void loop() {
        try {
            while (true) {
                try {
                    if (!cycle()) return;
                } catch (RuntimeException | Error e) { // a scheduler bug: fail what runs rather than hang its callers
                    for (Job<?> job : List.copyOf(running)) retire(job, e);
                }
            }
        } finally {
            keepPoolAwake(false);
        }
    }

    private void keepPoolAwake(boolean on) {
        if (on && awake == null) awake = pool.hold();
        else if (!on && awake != null) {
            awake.close();
            awake = null;
        }
    }

    /** Admission, then one step; false once closed. */
    private boolean cycle() {
        {
            if (!admit()) return false;
            keepPoolAwake(!running.isEmpty());
            if (running.isEmpty()) return true;
            long t0 = System.nanoTime();
            step.reset(prefillChunk);
            for (Job<?> job : List.copyOf(running)) {
                if (job.cancelRequested()) guard(job, job::cancel);
                if (!job.done()) guard(job, () -> job.plan(step));
            }
            if (step.size() > 0) runStep();
            for (Job<?> job : List.copyOf(running)) {
                if (running.contains(job) && !job.done()) guard(job, () -> job.afterStep(this));
            }
            boolean progress = step.size() > 0;
            for (Job<?> job : List.copyOf(running)) {
                if (job.done()) {
                    retire(job, null);
                    progress = true;
                }
            }
            // a step without rows is normal while a job changes phase; several in a row are a bug
            idleCycles = progress ? 0 : idleCycles + 1;
            if (idleCycles > 3) {
                for (Job<?> job : List.copyOf(running)) retire(job, new IllegalStateException("the scheduler made no progress on a request"));
            }
            steps++;
            long nanos = System.nanoTime() - t0;
            for (StepListener l : stepListeners) l.onStep(step.decodeRows(), step.prefillRows(), nanos);
            publishStats();
        }
        return true;
    }

    /** One forward pass over the step's rows, then every row's logits to its sink. */
    private void runStep() {
        ForwardBatch batch = step.batch();
        float[] logits;
        try {
            logits = forward.forward(batch, cache);
        } catch (RuntimeException | Error e) {
            for (int r = 0; r < step.size(); r++) {
                Job<?> job = step.owner(r);
                if (running.contains(job)) retire(job, e);
            }
            return;
        }
        int n = 0;
        int[] rows = new int[step.size()];
        for (int r = 0; r < step.size(); r++) if (step.sink(r) != null) rows[n++] = r;
        int logitRows = n;
        Throwable[] failures = new Throwable[logitRows];
        WorkerPool.RangeTask prepare = (from, to) -> {
            for (int i = from; i < to; i++) {
                try {
                    step.sink(rows[i]).prepare(logits, i * vocab);
                } catch (RuntimeException | Error e) {
                    failures[i] = e;
                }
            }
        };
        if (logitRows < 2) prepare.run(0, logitRows);
        else pool.parallelFor(logitRows, prepare);
        for (int i = 0; i < logitRows; i++) {
            Job<?> job = step.owner(rows[i]);
            if (!running.contains(job)) continue;
            if (failures[i] != null) {
                retire(job, failures[i]);
                continue;
            }
            int row = i;
            guard(job, () -> step.sink(rows[row]).accept(logits, row * vocab));
        }
    }

    /** Runs a job's hook; if it throws, the job fails alone. */
    private void guard(Job<?> job, Runnable hook) {
        if (!running.contains(job)) return;
        try {
            hook.run();
        } catch (RuntimeException | Error e) {
            retire(job, e);
        }
    }

    /** Releases a job's blocks, then completes its caller's future (with {@code failure} if not null). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void retire(Job<?> job, Throwable failure) {
        if (!running.remove(job)) return;
        runningSequences -= job.sequences();
        try {
            job.releaseAll(this);
        } catch (RuntimeException | Error e) {
            if (failure == null) failure = e;
        }
        finished++;
        promptTokens += job.promptTokens();
        cachedPromptTokens += job.cachedPromptTokens();
        generatedTokens += job.generatedTokens();
        publishStats();
        if (failure != null) {
            job.future.completeExceptionally(failure);
            return;
        }
        try {
            ((Job) job).future.complete(job.result());
        } catch (RuntimeException | Error e) {
            job.future.completeExceptionally(e);
        }
    }

    /** Admits waiting jobs that fit; blocks while there is nothing to do. Returns false once closed. */
    private boolean admit() {
        lock.lock();
        try {
            while (running.isEmpty() && waiting.isEmpty() && !closed) {
                keepPoolAwake(false);
                work.awaitUninterruptibly();
            }
            if (closed) {
                shutDown();
                return false;
            }
            dropCancelledWaiting();
            while (!waiting.isEmpty()) {
                Object head = waiting.peek();
                if (head instanceof Barrier b) {
                    if (!running.isEmpty()) break;
                    waiting.poll();
                    try {
                        b.action().run();
                        b.done().complete(null);
                    } catch (RuntimeException | Error e) {
                        b.done().completeExceptionally(e);
                    }
                    continue;
                }
                Job<?> job = (Job<?>) head;
                if (!running.isEmpty() && runningSequences + job.sequences() > maxSequences) break;
                waiting.poll();
                running.add(job);
                runningSequences += job.sequences();
                try {
                    job.start(this);
                } catch (KvCacheFullException e) {
                    if (running.size() > 1) { // others hold blocks and will give them back: retry later
                        running.remove(job);
                        runningSequences -= job.sequences();
                        job.releaseAll(this);
                        waiting.addFirst(job);
                        break;
                    }
                    retire(job, e);
                } catch (RuntimeException | Error e) {
                    retire(job, e);
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Cancelled requests leave the queue at once (a disconnected client frees its place). */
    private void dropCancelledWaiting() {
        for (var it = waiting.iterator(); it.hasNext(); ) {
            if (it.next() instanceof Job<?> job && job.cancelRequested()) {
                it.remove();
                running.add(job);
                runningSequences += job.sequences();
                guard(job, job::cancel);
                retire(job, null);
            }
        }
    }

    private void shutDown() {
        IllegalStateException closedError = new IllegalStateException("the model was closed");
        for (Job<?> job : List.copyOf(running)) retire(job, closedError);
        for (Object o : waiting) {
            if (o instanceof Barrier b) b.done().completeExceptionally(closedError);
            else ((Job<?>) o).future.completeExceptionally(closedError);
        }
        waiting.clear();
        publishStats();
    }

    /** Publishes the scheduler thread's counters (called on that thread, or before it starts). */
    private void publishStats() {
        var p = cache.pool();
        stats = new SchedulerStats(running.size(), 0, runningSequences, p.usedBlocks(), p.cachedBlocks(), p.capacity(),
                promptTokens, cachedPromptTokens, generatedTokens, steps, finished);
    }

    /** Stops the thread after the current step; running and waiting jobs fail with "the model was closed". */
    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            closed = true;
            work.signalAll();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
