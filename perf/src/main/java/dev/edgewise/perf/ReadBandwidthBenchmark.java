package dev.edgewise.perf;

import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.loader.PageCache;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.AuxCounters;
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
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * Read bandwidth from memory, the bound of decoding: a step streams every weight once, so decode
 * cannot beat {@code bandwidth / weight bytes per token} (what {@code edgewise bench} prints as
 * "weights read per token"; perf/side-by-side.sh takes the figure as {@code --bandwidth}). A
 * STREAM-like sum over a buffer far larger than the caches, read with the engine's own thread pool
 * and chunking, in 2 MiB pages ({@code hugePages=true}, as the engine maps weights) or 4 KiB ones.
 * The {@code read:GBps} line is the figure (GB read per second); {@code read} counts passes over
 * the buffer per second.
 *
 * <pre>java -jar perf/target/benchmarks.jar ReadBandwidth -p threads=2</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ReadBandwidthBenchmark {
    private static final VectorSpecies<Long> S = LongVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Bytes per pool index: the unit the pool's chunks are made of, like a group of matrix rows. */
    private static final int BLOCK = 64 << 10;

    @Param({"1024"})
    public int megabytes;

    @Param({"1", "2"})
    public int threads;

    @Param({"true"})
    public boolean hugePages;

    private Arena arena;
    private MemorySegment buffer;
    private WorkerPool pool;
    private long[] partial;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        long bytes = (long) megabytes << 20;
        buffer = hugePages ? PageCache.hugePageMemory(arena, bytes) : arena.allocate(bytes, 64);
        for (long i = 0; i < bytes; i += 8) buffer.set(LE_LONG, i, i * 0x9E3779B97F4A7C15L);
        pool = new WorkerPool(threads);
        partial = new long[(int) (bytes / BLOCK)];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** Bytes read, in GB: JMH reports it as a rate, GB/s. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public double GBps;
    }

    @Benchmark
    public long read(Counters c) {
        MemorySegment b = buffer;
        long[] sums = partial;
        pool.parallelFor(sums.length, (from, to) -> {
            for (int i = from; i < to; i++) sums[i] = sum(b, (long) i * BLOCK);
        });
        c.GBps += buffer.byteSize() / 1e9;
        long total = 0;
        for (long s : sums) total += s;
        return total;
    }

    /** Sum of one block as longs, four independent vector accumulators. */
    private static long sum(MemorySegment seg, long offset) {
        LongVector a0 = LongVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int step = S.vectorByteSize();
        for (long o = offset, end = offset + BLOCK; o < end; o += 4L * step) {
            a0 = a0.add(LongVector.fromMemorySegment(S, seg, o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(LongVector.fromMemorySegment(S, seg, o + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(LongVector.fromMemorySegment(S, seg, o + 2L * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(LongVector.fromMemorySegment(S, seg, o + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
}
