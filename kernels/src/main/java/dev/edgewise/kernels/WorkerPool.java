package dev.edgewise.kernels;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of persistent daemon threads for data-parallel loops. A transformer forward pass
 * issues hundreds of short parallel loops per token, so dispatch must be cheap: a loop is
 * published by bumping a volatile generation counter (no queue, no allocation), idle workers spin
 * briefly on that counter before parking, and the calling thread works on the first chunk itself.
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
     * How long an idle thread spins before parking. Long enough to bridge the gap between two
     * consecutive loops of one forward pass (a norm or an add in between), short enough not to
     * burn a core while the engine waits for input.
     */
    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean closed;

    // The current loop. Written by the driver before the volatile write of `generation`, read by
    // workers after they observe the new generation, so plain fields suffice.
    private RangeTask task;
    private int n;
    private int chunks;
    private volatile long generation;

    /** Workers that have not yet finished the current generation (all workers take part in each). */
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile Thread driver;
    private volatile boolean driverParked;

    /** @param threads total threads that run a loop, including the caller; at least 1 */
    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("a worker pool needs at least 1 thread, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    /** Threads that run a loop, the caller included. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into at most {@link #threads()} contiguous chunks
     * of near-equal size, one on each worker and one on the calling thread, and returns once all
     * are done. If any chunk throws, the first exception is rethrown here after every chunk has
     * finished (others are attached as suppressed).
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

    private void runParallel(int n, RangeTask task) {
        int chunks = Math.min(threads, n);
        this.task = task;
        this.n = n;
        this.chunks = chunks;
        failure.set(null);
        driver = Thread.currentThread();
        pending.set(workers.length);
        generation++; // single writer: the driver holds `running`; the volatile write publishes the fields above
        for (Worker w : workers) {
            if (w.parked) LockSupport.unpark(w.thread);
        }

        Throwable own = null;
        try {
            task.run(0, chunkEnd(n, chunks, 0));
        } catch (Throwable t) {
            own = t;
        }
        awaitWorkers();

        Throwable workerFailure = failure.get();
        if (own == null) own = workerFailure;
        else if (workerFailure != null) own.addSuppressed(workerFailure);
        if (own != null) throw rethrowable(own);
    }

    private static RuntimeException rethrowable(Throwable t) {
        if (t instanceof RuntimeException re) return re;
        if (t instanceof Error e) throw e;
        return new RuntimeException("worker pool task failed", t);
    }

    private void awaitWorkers() {
        boolean interrupted = false;
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (pending.get() != 0) {
            if (System.nanoTime() - spinUntil < 0) {
                Thread.onSpinWait();
                continue;
            }
            driverParked = true;
            if (pending.get() != 0) LockSupport.park(this);
            driverParked = false;
            if (Thread.interrupted()) interrupted = true; // keep waiting: workers are still using the caller's arrays
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static int chunkEnd(int n, int chunks, int chunk) {
        return (int) ((long) n * (chunk + 1) / chunks);
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
                int chunks = WorkerPool.this.chunks;
                if (index < chunks) {
                    int n = WorkerPool.this.n;
                    try {
                        task.run(chunkEnd(n, chunks, index - 1), chunkEnd(n, chunks, index));
                    } catch (Throwable t) {
                        if (!failure.compareAndSet(null, t)) failure.get().addSuppressed(t);
                    }
                }
                if (pending.decrementAndGet() == 0 && driverParked) LockSupport.unpark(driver);
            }
        }

        private long awaitGeneration(long seen) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (true) {
                long g = generation;
                if (g != seen) return g;
                if (System.nanoTime() - spinUntil < 0) {
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
