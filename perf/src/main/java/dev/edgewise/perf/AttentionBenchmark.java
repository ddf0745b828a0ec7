package dev.edgewise.perf;

import dev.edgewise.engine.ModelConfig;
import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.KvType;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.kernels.VectorOps;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One decode row's attention for one layer and one KV head of Qwen2.5-0.5B (7 query heads of 64
 * over one KV head) at a depth, through the paged cache as the forward pass reads it: scores of the
 * group against every key, softmax, values accumulated. F16 against Q8_0 keys and values (and F32):
 * a decode step at depth 4096 runs this 24 layers x 2 KV heads times per branch. {@code scoresOnly}
 * and {@code accumulateOnly} time its two halves (the softmax is the rest). On a shared machine run
 * {@code -bm sample} and compare the minima (p0.00) of variants in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {
    @Param({"f16", "q8_0", "f32"})
    public String kvType;

    @Param({"4096"})
    public int depth;

    /** Query heads over the KV head: one row's GQA group (7), or eight branches' groups scored together over shared blocks (56). */
    @Param({"7"})
    public int heads;

    private static final ModelConfig SHAPE = new ModelConfig("qwen2.5-0.5b", 1, 896, 14, 2, 64, 4864, 151936, 32768, 1e6f, 1e-6f, true);
    private static final int HEAD_DIM = 64, BLOCK = 16;

    private PagedKvCache cache;
    private KvSequence seq;
    private float[] q, scores, out, scratch;

    @Setup(Level.Trial)
    public void setUp() {
        KvType type = KvType.parse(kvType);
        cache = new PagedKvCache(SHAPE, type, BLOCK, 1L << 30, depth);
        seq = cache.create();
        cache.reserve(seq, depth);
        SplittableRandom r = new SplittableRandom(3);
        float[] k = new float[SHAPE.kvDim()], v = new float[SHAPE.kvDim()];
        for (int p = 0; p < depth; p++) {
            for (int i = 0; i < k.length; i++) {
                k[i] = (float) r.nextGaussian();
                v[i] = (float) r.nextGaussian();
            }
            cache.store(seq, p, 0, k, 0, v, 0);
        }
        cache.advance(seq, depth);
        q = new float[heads * HEAD_DIM];
        for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
        scores = new float[heads * depth];
        out = new float[heads * HEAD_DIM];
        scratch = new float[BLOCK * HEAD_DIM];
    }

    @Benchmark
    public float[] groupAttention() {
        int len = depth;
        for (int blk = 0; blk * BLOCK < len; blk++) {
            cache.scores(seq, blk, 0, 1, Math.min(BLOCK, len - blk * BLOCK), q, 0, heads, 0.125f, scores, blk * BLOCK, len, scratch);
        }
        VectorOps.softmaxRows(scores, 0, heads, len, null, 0, null, 0);
        Arrays.fill(out, 0f);
        for (int blk = 0; blk * BLOCK < len; blk++) {
            cache.accumulate(seq, blk, 0, 1, Math.min(BLOCK, len - blk * BLOCK), scores, blk * BLOCK, len, heads, out, 0, scratch);
        }
        return out;
    }

    /** The group's scores against every key (no softmax, no values). */
    @Benchmark
    public float[] scoresOnly() {
        int len = depth;
        for (int blk = 0; blk * BLOCK < len; blk++) {
            cache.scores(seq, blk, 0, 1, Math.min(BLOCK, len - blk * BLOCK), q, 0, heads, 0.125f, scores, blk * BLOCK, len, scratch);
        }
        return scores;
    }

    /** The group's value sums over every position, weighted by whatever the scores array holds. */
    @Benchmark
    public float[] accumulateOnly() {
        int len = depth;
        Arrays.fill(out, 0f);
        for (int blk = 0; blk * BLOCK < len; blk++) {
            cache.accumulate(seq, blk, 0, 1, Math.min(BLOCK, len - blk * BLOCK), scores, blk * BLOCK, len, heads, out, 0, scratch);
        }
        return out;
    }
}
