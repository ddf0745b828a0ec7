package dev.edgewise.quant;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Whole-tensor conversions, row by row and spread over threads: quantizing float rows, and
 * re-encoding a tensor of one type as another through float ({@link Dequantize#row} then
 * {@link Quantize#row}). Rows are independent in every ggml format, so the bytes do not depend
 * on the thread count.
 */
public final class TensorConversion {
    private TensorConversion() {}

    /** Converts the rows {@code [from, to)} of a tensor. */
    @FunctionalInterface
    private interface RowRange {
        void convert(int from, int to);
    }

    /**
     * Quantizes {@code rows} rows of {@code cols} floats ({@code src[0 .. rows*cols)}) into
     * {@code type} at byte {@code dstOffset} of {@code dst}, using up to {@code threads} threads.
     */
    public static void quantizeRows(GGMLType type, float[] src, int rows, int cols, MemorySegment dst, long dstOffset,
                                    int threads) {
        Objects.requireNonNull(src, "src");
        final long rowBytes = type.rowBytes(cols);
        if ((long) rows * cols > src.length) {
            throw new IndexOutOfBoundsException(rows + " rows of " + cols + " do not fit in " + src.length + " floats");
        }
        parallel(rows, threads, (from, to) -> {
            for (int r = from; r < to; r++) Quantize.row(type, src, r * cols, dst, dstOffset + r * rowBytes, cols);
        });
    }

    /**
     * Re-encodes {@code rows} rows of {@code cols} elements of type {@code from} (at byte
     * {@code srcOffset} of {@code src}) as type {@code to} at byte {@code dstOffset} of {@code dst}.
     * Same-type conversions copy the bytes.
     */
    public static void convert(GGMLType from, MemorySegment src, long srcOffset, GGMLType to, MemorySegment dst,
                               long dstOffset, long rows, int cols, int threads) {
        if (rows > Integer.MAX_VALUE) throw new IllegalArgumentException(rows + " rows are too many");
        final long srcRowBytes = from.rowBytes(cols);
        final long dstRowBytes = to.rowBytes(cols);
        if (from == to) {
            MemorySegment.copy(src, srcOffset, dst, dstOffset, srcRowBytes * rows);
            return;
        }
        if (!Quantize.canQuantize(to)) throw new UnsupportedOperationException("no quantizer for ggml type " + to);
        parallel((int) rows, threads, (first, end) -> {
            final float[] row = new float[cols];
            for (int r = first; r < end; r++) {
                Dequantize.row(from, src, srcOffset + r * srcRowBytes, row, 0, cols);
                Quantize.row(to, row, 0, dst, dstOffset + r * dstRowBytes, cols);
            }
        });
    }

    /** Runs {@code work} over {@code [0, rows)} in up to {@code threads} contiguous ranges; rethrows the first failure. */
    private static void parallel(int rows, int threads, RowRange work) {
        final int n = Math.max(1, Math.min(threads, rows / 16)); // a thread per at least 16 rows
        if (n == 1) {
            work.convert(0, rows);
            return;
        }
        final List<Thread> workers = new ArrayList<>(n);
        final Throwable[] failure = new Throwable[1];
        for (int t = 0; t < n; t++) {
            final int from = (int) ((long) rows * t / n);
            final int to = (int) ((long) rows * (t + 1) / n);
            final Thread worker = Thread.ofPlatform().name("edgewise-quantize-" + t).unstarted(() -> work.convert(from, to));
            worker.setUncaughtExceptionHandler((th, e) -> {
                synchronized (failure) {
                    if (failure[0] == null) failure[0] = e;
                }
            });
            workers.add(worker);
            worker.start();
        }
        boolean interrupted = false;
        for (Thread worker : workers) {
            while (true) {
                try {
                    worker.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        synchronized (failure) {
            if (failure[0] instanceof RuntimeException re) throw re;
            if (failure[0] instanceof Error err) throw err;
            if (failure[0] != null) throw new IllegalStateException(failure[0]);
        }
    }
}
