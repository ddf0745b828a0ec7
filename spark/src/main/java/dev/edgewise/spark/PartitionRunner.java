package dev.edgewise.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The executor side of a job: takes the rows of a partition {@code batchSize} at a time, hands each
 * batch to the model at once, and appends the outputs to each input row. The model comes from
 * {@link ExecutorModels} (loaded once per JVM) and is held until the task ends.
 */
final class PartitionRunner implements MapPartitionsFunction<Row, Row> {

    /** What to compute for a batch of rows: one array of output values per row, in row order. */
    interface BatchFunction extends Serializable {
        List<Object[]> apply(ExecutorModels.Lease model, List<Row> rows);
    }

    private final ModelSpec spec;
    private final int batchSize;
    private final BatchFunction function;

    PartitionRunner(ModelSpec spec, int batchSize, BatchFunction function) {
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        this.spec = spec;
        this.batchSize = batchSize;
        this.function = function;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new Iterator<>() {
            private final List<Row> pending = new ArrayList<>();
            private int next;
            private ExecutorModels.Lease lease;

            @Override
            public boolean hasNext() {
                if (next < pending.size()) return true;
                pending.clear();
                next = 0;
                if (!input.hasNext()) {
                    release();
                    return false;
                }
                List<Row> batch = new ArrayList<>(batchSize);
                while (batch.size() < batchSize && input.hasNext()) batch.add(input.next());
                List<Object[]> outputs = function.apply(lease(), batch);
                for (int i = 0; i < batch.size(); i++) pending.add(append(batch.get(i), outputs.get(i)));
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return pending.get(next++);
            }

            private ExecutorModels.Lease lease() {
                if (lease == null) {
                    try {
                        lease = ExecutorModels.acquire(spec);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    TaskContext task = TaskContext.get();
                    if (task != null) task.addTaskCompletionListener((TaskCompletionListener) ctx -> release()); // also when the task fails
                }
                return lease;
            }

            private void release() {
                if (lease != null) lease.close();
            }
        };
    }

    /**
     * Applies {@code f} to every item at once, one virtual thread each, results in item order: calls
     * into one model from many threads share its batched decode steps. The first failure is rethrown.
     */
    static <T, R> List<R> together(List<T> items, Function<T, R> f) {
        List<CompletableFuture<R>> futures = new ArrayList<>(items.size());
        for (T item : items) futures.add(CompletableFuture.supplyAsync(() -> f.apply(item), command -> Thread.ofVirtual().start(command)));
        List<R> results = new ArrayList<>(items.size());
        for (CompletableFuture<R> future : futures) {
            try {
                results.add(future.join());
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw e;
            }
        }
        return results;
    }

    private static Row append(Row row, Object[] outputs) {
        Object[] values = new Object[row.length() + outputs.length];
        for (int i = 0; i < row.length(); i++) values[i] = row.get(i);
        System.arraycopy(outputs, 0, values, row.length(), outputs.length);
        return RowFactory.create(values);
    }
}
