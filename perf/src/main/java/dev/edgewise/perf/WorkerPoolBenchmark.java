package dev.edgewise.perf;

import dev.edgewise.kernels.MatMul;
import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.quant.GGMLType;
import dev.edgewise.quant.Quantize;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The fixed cost of one parallel call: a decode step makes about 170 matmul calls plus attention
 * loops, so each microsecond of dispatch costs about 0.2 ms per token. {@code emptyLoop} is a
 * parallelFor whose chunks do nothing (pure publish/await cost); {@code smallMatmul} is the 0.5B
 * model's K projection (128 x 896 Q8_0, batch 1), small enough that dispatch dominates.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class WorkerPoolBenchmark {
    @Param({"1", "2"})
    public int threads;

    private WorkerPool pool;
    private Arena arena;
    private WeightMatrix k;
    private float[] x, out;
    private final int[] sink = new int[64];

    @Setup(Level.Trial)
    public void setUp() {
        pool = new WorkerPool(threads);
        arena = Arena.ofShared();
        int rows = 128, cols = 896;
        GGMLType t = GGMLType.Q8_0;
        MemorySegment data = arena.allocate(rows * t.rowBytes(cols), 64);
        SplittableRandom r = new SplittableRandom(2);
        float[] row = new float[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) row[j] = (float) r.nextGaussian();
            Quantize.row(t, row, 0, data, i * t.rowBytes(cols), cols);
        }
        k = new WeightMatrix(t, data, rows, cols);
        x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) r.nextGaussian();
        out = new float[rows];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public int[] emptyLoop() {
        pool.parallelFor(threads, (start, end) -> sink[start * 16]++);
        return sink;
    }

    @Benchmark
    public float[] smallMatmul() {
        MatMul.matmul(pool, k, x, out, 1);
        return out;
    }
}
