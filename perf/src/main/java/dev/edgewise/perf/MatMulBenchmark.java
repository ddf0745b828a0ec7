package dev.edgewise.perf;

import dev.edgewise.kernels.MatMul;
import dev.edgewise.kernels.PackedBlocks;
import dev.edgewise.kernels.PackedQ4_0;
import dev.edgewise.kernels.SimdKernels;
import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.loader.PageCache;
import dev.edgewise.quant.GGMLType;
import dev.edgewise.quant.Quantize;
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
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Matrix × batch-of-vectors throughput per weight type, at the FFN shapes of Qwen2.5 0.5B/1.5B/7B
 * (gate/up: {@code ffn x dim}; down: {@code dim x ffn}). Besides ops/s, reports GB/s of weights
 * streamed and GFLOP/s as auxiliary counters; {@code rows*batch/s} is ops/s times rows times batch.
 *
 * <p>Types quant can quantize are filled from Gaussian rows; the K-quants get random bytes with
 * sane F16 scales (the speed of a kernel does not depend on the values). K-quants need columns that
 * are a multiple of 256: with the 0.5B/1.5B gate/up shapes (896 and 1536 columns) their trial fails
 * at set-up with a message saying so, and the run goes on (llama.cpp stores such matrices in other
 * types). The 0.5B output matrix is {@code -p shape=151936x896}.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar perf/target/benchmarks.jar MatMul -p type=Q4_0 -p batch=1,8</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatMulBenchmark {
    /** rows x cols: the FFN up/gate projection of each model (the largest per-layer matmul). */
    @Param({"4864x896", "896x4864", "8960x1536", "1536x8960", "18944x3584", "3584x18944"})
    public String shape;

    @Param({"Q4_0", "Q8_0", "Q5_0", "Q4_K", "Q5_K", "Q6_K", "F16", "BF16", "F32"})
    public String type;

    @Param({"1", "4", "8", "16"})
    public int batch;

    @Param({"0"})
    public int threads;

    /**
     * {@code float}: the float32-activation kernels; {@code int8}: Q4_0, Q8_0, Q5_0, Q4_K, Q5_K or
     * Q6_K packed at setup for the integer kernels on 8-bit activations (what the engine runs for the
     * types LoadTimePacking packs unless told to stay exact). Compare the two in one run: e.g.
     * {@code -p type=Q6_K -p shape=151936x896,896x4864,1536x8960 -p batch=1,16 -p kernel=float,int8}.
     */
    @Param({"float"})
    public String kernel;

    /**
     * Copies of the matrix, used in turn: enough of them to exceed the last-level cache make every
     * call stream its weights from memory, as decoding does (one copy of a small matrix stays cached).
     */
    @Param({"1"})
    public int copies;

    /**
     * Weights (and their packings) in 2 MiB pages, as the engine holds them (a file mapping advised
     * MADV_HUGEPAGE; LoadTimePacking's region from PageCache.hugePageMemory); {@code false}: ordinary
     * allocations, 4 KiB pages where transparent huge pages are in "madvise" mode. Streaming from
     * memory through 4 KiB pages costs the prefetchers and the TLB, so only the default measures
     * what decoding runs.
     */
    @Param({"true"})
    public boolean hugePages;

    private WeightMatrix[] ws;
    private int next;
    private float[] x, out;
    private WorkerPool pool;
    private Arena arena;

    @Setup(Level.Trial)
    public void setUp() {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]), cols = Integer.parseInt(rc[1]);
        GGMLType t = GGMLType.valueOf(type);
        arena = Arena.ofShared();
        if (cols % t.blockSize != 0) {
            throw new IllegalArgumentException(t + " needs columns in multiples of " + t.blockSize + "; shape " + shape + " has " + cols);
        }
        if (copies < 1) throw new IllegalArgumentException("copies must be at least 1, got " + copies);
        ws = new WeightMatrix[copies];
        for (int k = 0; k < copies; k++) ws[k] = matrix(t, rows, cols, k + 1);
        x = new float[batch * cols];
        SplittableRandom r = new SplittableRandom(0);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        out = new float[batch * rows];
        pool = new WorkerPool(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
    }

    private WeightMatrix matrix(GGMLType t, int rows, int cols, long seed) {
        MemorySegment data = memory(rows * t.rowBytes(cols));
        SplittableRandom r = new SplittableRandom(seed);
        int[] scaleFields = randomFillScaleFields(t);
        if (scaleFields != null) {
            for (long i = 0; i < data.byteSize(); i++) data.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
            for (long block = 0; block < data.byteSize(); block += t.typeSize) {
                for (int f : scaleFields) data.set(LE_SHORT, block + f, Float.floatToFloat16((float) (0.01 * (1 + r.nextDouble()))));
            }
        } else {
            float[] row = new float[cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) row[j] = (float) r.nextGaussian();
                Quantize.row(t, row, 0, data, i * t.rowBytes(cols), cols);
            }
        }
        WeightMatrix w = new WeightMatrix(t, data, rows, cols);
        if (kernel.equals("int8")) {
            int panel = SimdKernels.preferred().int8PanelRows();
            if (PackedQ4_0.canPack(w)) w = w.withPacked(PackedQ4_0.pack(w, panel, SegmentAllocator.slicingAllocator(memory(PackedQ4_0.bytes(w, panel) + 64))));
            else if (PackedBlocks.canPack(w)) w = w.withPacked(PackedBlocks.pack(w, panel, SegmentAllocator.slicingAllocator(memory(PackedBlocks.bytes(w, panel) + 64))));
            else throw new IllegalArgumentException("kernel=int8 runs packed Q4_0, Q8_0, Q5_0, Q4_K, Q5_K and Q6_K, not " + w);
        } else if (!kernel.equals("float")) {
            throw new IllegalArgumentException("kernel is float or int8, not " + kernel);
        }
        return w;
    }

    private MemorySegment memory(long bytes) {
        return hugePages ? PageCache.hugePageMemory(arena, bytes) : arena.allocate(bytes, 64);
    }

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Byte offsets of the F16 scale fields in a block of the types filled with random bytes (ggml-common.h), else null. */
    private static int[] randomFillScaleFields(GGMLType t) {
        return switch (t) {
            case Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            case Q3_K -> new int[] {108};
            case Q2_K -> new int[] {80, 82};
            default -> null;
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** Per-operation work, accumulated by JMH into rates. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Work {
        /** Bytes of weights streamed, in GB (a rate: GB/s). */
        public double weightGB;
        /** Floating-point operations, in GFLOP (a rate: GFLOP/s). */
        public double gflop;
    }

    @Benchmark
    public float[] matmul(Work work) {
        WeightMatrix w = ws[next];
        next = next + 1 == ws.length ? 0 : next + 1;
        MatMul.matmul(pool, w, x, out, batch);
        work.weightGB += w.rows() * w.rowBytes() / 1e9;
        work.gflop += 2.0 * w.rows() * w.cols() * batch / 1e9;
        return out;
    }
}
