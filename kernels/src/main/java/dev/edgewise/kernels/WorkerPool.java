package dev.edgewise.kernels;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of persistent daemon threads for data-parallel loops. A transformer forward pass
 * issues hundreds of short parallel loops per token, so dispatch must be cheap: a loop is
 * published by bumping a volatile generation counter (no queue, no allocation), idle workers spin
 * briefly on that counter before parking, and the calling thread takes part in the loop itself.
 *
 * <p>A loop is split into many more chunks than threads ({@link #CHUNKS_PER_THREAD} per thread),
 * claimed one at a time with atomic counters, as ggml's thread pool does. Each thread owns a
 * contiguous share of the chunks and claims its own from the front, so it reads one unbroken
 * stream of weights (the hardware prefetchers keep running across its chunks; chunks dealt out
 * alternately from one counter had decoded 6-13% slower), then takes what is left of the others'
 * shares from their back. On a machine shared with other processes a thread is sometimes
 * descheduled mid-loop; with one fixed chunk per thread the whole step would then wait for that
 * thread's half, while here the others take over its unclaimed chunks and the step waits for at
 * most one chunk. The caller returns when every chunk is done, not when every worker has seen the
 * loop: a worker that wakes too late finds nothing left to claim.
 *
 * <p>{@code threads} counts the caller: a pool of {@code n} threads owns {@code n - 1} workers.
 * One thread drives the pool at a time; a call made while a loop is already running (a nested call
 * from inside a task, or a second driver thread) runs its whole range inline on the calling thread,
 * which is correct, merely not parallel.
 */
public final class WorkerPool implements AutoCloseable {

    /** A loop body over the half-open index range {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /**
     * Chunks per thread of a loop of at least that many indices. More chunks let the threads even
     * out a descheduled or slower core; each costs one compare-and-set and a call of the task.
     */
    public static final int CHUNKS_PER_THREAD = 8;

    /**
     * How long an idle thread spins before parking. Long enough to bridge the gap between two
     * consecutive loops of one forward pass (a norm or an add in between), short enough not to
     * burn a core while the engine waits for input.
     */
    private static final long SPIN_NANOS = 50_000;

    /**
     * How long an idle thread spins while the pool is {@linkplain #hold() held}: long enough to
     * span any gap between two steps of a generation (sampling, a JSON-constraint mask, streaming a
     * token), so that no thread parks while one runs; a cap, so that a forgotten hold costs at most
     * this much of a core after each loop.
     */
    private static final long HELD_SPIN_NANOS = 250_000_000;

    /** A share's claim word: generation in the high 32 bits, then the share's end and next chunk, 16 bits each. */
    private static final int CHUNK_BITS = 16;
    private static final int MAX_CHUNKS = (1 << CHUNK_BITS) - 1;
    /** Longs from one share's claim word to the next: a cache line, so that claims in different shares do not contend. */
    private static final int SHARE_STRIDE = 8;

    private final int threads;
    private final Worker[] workers;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean closed;

    // The current loop. Written by the driver before the volatile writes of `shares`, read by a
    // thread only after a successful claim of this generation's chunk (which proves the loop is
    // not finished, so these still hold its values), so plain fields suffice.
    private RangeTask task;
    private int n, chunks;
    private volatile long generation;

    /**
     * Per thread, the claim word of its share of the current loop's chunks (generation, end, next
     * unclaimed; see CHUNK_BITS), at index {@code thread * SHARE_STRIDE}.
     */
    private final AtomicLongArray shares;
    /** Chunks of the current loop not yet finished. */
    private final AtomicInteger unfinished = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile Thread driver;
    private volatile boolean driverParked;
    /** Open {@link Hold}s: while any is open, idle threads spin instead of parking. */
    private final AtomicInteger holds = new AtomicInteger();

    /** @param threads total threads that run a loop, including the caller; at least 1 */
    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("a worker pool needs at least 1 thread, got " + threads);
        this.threads = threads;
        this.shares = new AtomicLongArray(threads * SHARE_STRIDE);
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    /**
     * Keeps the pool's threads awake until the returned hold is closed: between loops they spin
     * (up to a quarter of a second) instead of parking after {@code 50 µs}. For a caller about to
     * issue loops back to back with gaps of its own in between, such as a scheduler while
     * requests run. A parked thread must be woken, and on a core shared with another process
     * (a browser, a build, a {@code nice -n 19} busy loop) the kernel lets the other process finish
     * its time slice first, up to milliseconds per wake-up; a spinning thread never gives up its
     * core. Holds nest; closing one twice is harmless.
     */
    public Hold hold() {
        holds.incrementAndGet();
        return new Hold();
    }

    /** An open request to keep the pool's threads awake; see {@link #hold()}. */
    public final class Hold implements AutoCloseable {
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Hold() {}

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) holds.decrementAndGet();
        }
    }

    /** Whether some {@link Hold} is open. */
    public boolean held() {
        return holds.get() > 0;
    }

    /** Workers parked right now (for tests). */
    int parkedWorkers() {
        int n = 0;
        for (Worker w : workers) if (w.parked) n++;
        return n;
    }

    private long spinNanos() {
        return holds.get() > 0 ? HELD_SPIN_NANOS : SPIN_NANOS;
    }

    /** Threads that run a loop, the caller included. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into contiguous chunks of near-equal size
     * ({@link #CHUNKS_PER_THREAD} per thread, at most {@code n}), claimed dynamically by the
     * workers and the calling thread, and returns once all are done. If any chunk throws, the
     * others still run and the first exception is rethrown here (later ones attached as suppressed).
     */
    public void parallelFor(int n, RangeTask task) {
        Objects.requireNonNull(task, "task");
        if (n < 0) throw new IllegalArgumentException("negative loop range " + n);
        if (closed) throw new IllegalStateException("worker pool is closed");
        if (n == 0) return;
        if (threads == 1 || n == 1 || !running.compareAndSet(false, true)) {
            task.run(0, n);
            return;
        }
        try {
            runParallel(n, task);
        } finally {
            this.task = null; // do not keep the last loop's arrays reachable
            running.set(false);
        }
    }

    /** Chunks a loop over {@code n} indices is split into on {@code threads} threads. */
    static int chunks(int n, int threads) {
        return (int) Math.min(n, Math.min((long) threads * CHUNKS_PER_THREAD, MAX_CHUNKS));
    }

    private void runParallel(int n, RangeTask task) {
        int chunks = chunks(n, threads);
        this.task = task;
        this.n = n;
        this.chunks = chunks;
        failure.set(null);
        driver = Thread.currentThread();
        unfinished.set(chunks);
        long g = generation + 1; // single writer: the driver holds `running`
        for (int t = 0; t < threads; t++) {
            long start = (long) chunks * t / threads, end = (long) chunks * (t + 1) / threads;
            shares.set(t * SHARE_STRIDE, (g << 32) | (end << CHUNK_BITS) | start);
        }
        generation = g; // volatile: wakes the spinning workers
        for (Worker w : workers) {
            if (w.parked) LockSupport.unpark(w.thread);
        }
        runChunks(g, 0);
        awaitChunks();

        Throwable t = failure.get();
        if (t != null) throw rethrowable(t);
    }

    /**
     * Runs chunks of generation {@code g} until none is left: those of thread {@code self}'s own
     * share from its front, then the others' from their back. A claim succeeds only while the
     * share's word still carries {@code g}, so a thread late for a loop never takes a chunk of the
     * next one.
     */
    private void runChunks(long g, int self) {
        while (claim(g, self, true)) {
            // own share, front to back: one contiguous stream through memory
        }
        for (int k = 1; k < threads; k++) {
            int other = (self + k) % threads;
            while (claim(g, other, false)) {
                // from the back, leaving the owner's stream contiguous
            }
        }
    }

    /** Claims one chunk of {@code share} (its next, or its last) and runs it; false when the share is used up. */
    private boolean claim(long g, int share, boolean front) {
        int word = share * SHARE_STRIDE;
        while (true) {
            long c = shares.get(word);
            if ((c >>> 32) != (g & 0xFFFF_FFFFL)) return false;
            int end = (int) (c >>> CHUNK_BITS) & 0xFFFF, next = (int) c & 0xFFFF;
            if (next >= end) return false;
            int chunk = front ? next : end - 1;
            if (!shares.compareAndSet(word, c, front ? c + 1 : c - (1L << CHUNK_BITS))) continue;
            int n = this.n, chunks = this.chunks;
            try {
                task.run(chunkStart(n, chunks, chunk), chunkStart(n, chunks, chunk + 1));
            } catch (Throwable t) {
                if (!failure.compareAndSet(null, t)) failure.get().addSuppressed(t);
            }
            if (unfinished.decrementAndGet() == 0 && driverParked && Thread.currentThread() != driver) LockSupport.unpark(driver);
            return true;
        }
    }

    private static RuntimeException rethrowable(Throwable t) {
        if (t instanceof RuntimeException re) return re;
        if (t instanceof Error e) throw e;
        return new RuntimeException("worker pool task failed", t);
    }

    private void awaitChunks() {
        boolean interrupted = false;
        long spinUntil = System.nanoTime() + spinNanos();
        while (unfinished.get() != 0) {
            if (System.nanoTime() - spinUntil < 0) {
                Thread.onSpinWait();
                continue;
            }
            driverParked = true;
            if (unfinished.get() != 0) LockSupport.park(this);
            driverParked = false;
            if (Thread.interrupted()) interrupted = true; // keep waiting: workers are still using the caller's arrays
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static int chunkStart(int n, int chunks, int chunk) {
        return (int) ((long) n * chunk / chunks);
    }

    /** Stops the workers. Idempotent; later {@link #parallelFor} calls throw. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        generation++;
        for (Worker w : workers) LockSupport.unpark(w.thread);
        for (Worker w : workers) {
            if (w.thread == Thread.currentThread()) continue;
            try {
                w.thread.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class Worker implements Runnable {
        final int index;
        final Thread thread;
        volatile boolean parked;

        Worker(int index) {
            this.index = index;
            this.thread = new Thread(this, "edgewise-worker-" + index);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                seen = awaitGeneration(seen);
                if (closed) return;
                runChunks(seen, index);
            }
        }

        private long awaitGeneration(long seen) {
            long start = System.nanoTime();
            while (true) {
                long g = generation;
                if (g != seen) return g;
                if (System.nanoTime() - start < spinNanos()) {
                    Thread.onSpinWait();
                    continue;
                }
                // Dekker-style handshake with the driver: it writes `generation` then reads `parked`;
                // we write `parked` then re-read `generation`, so at least one side sees the other.
                parked = true;
                if (generation == seen) LockSupport.park(this);
                parked = false;
                Thread.interrupted(); // an interrupt must not turn park into a busy loop
            }
        }
    }
}
