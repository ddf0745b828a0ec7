package dev.edgewise.engine.sched;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.BudgetForcing;
import dev.edgewise.engine.Cancellation;
import dev.edgewise.engine.FinishReason;
import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.ReasoningMode;
import dev.edgewise.engine.ReasoningRequest;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.engine.tokenizer.ChatTemplate.Message;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One {@link Model} driven from 16 threads for a bounded time: plain requests, branches, reasoning
 * runs, a resident adapter, adapters added and removed while others decode, and cancellations at
 * random moments. Every request that ran to its end gives exactly the tokens it gives alone; a
 * cancelled one gives a prefix of them; afterwards no request runs and the KV pool holds only
 * cached prefix blocks, free to evict; closing unmaps the file and
 * releases its handle. {@code -Dstress.seconds=N} lengthens the run (default 12 s);
 * {@code perf/stress.sh} repeats it.
 */
class ConcurrencyStressTest {
    static final int THREADS = 16;
    static final SamplingParams SAMPLING = new SamplingParams(0.9f, 40, 0.95f, 0f, 1f, 64, 7);
    static Path file;

    @BeforeAll
    static void writeModel(@TempDir Path dir) throws IOException {
        file = dir.resolve("stress.gguf");
        SyntheticModels.write(SyntheticShape.DEFAULT, GGMLType.Q4_0, 21, file);
    }

    /** The kinds of work, each a pure function of its index: solo and concurrent runs are comparable. */
    enum Kind { PLAIN, BRANCHES, ADAPTER, REASON, CANCELLED }

    record Work(Kind kind, int index) {}

    static int[] prompt(int index) {
        int n = 6 + index % 23;
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = 3 + (index * 131 + i * 17 + (i < 4 ? 0 : index)) % 400;
        return t;
    }

    static GenerationRequest generation(Work w, ScaledAdapter adapter, Cancellation c) {
        GenerationRequest.Builder b = GenerationRequest.tokens(prompt(w.index())).maxTokens(6 + w.index() % 11)
                .ignoreEndOfGeneration(true).sampling(SAMPLING.withSeed(500 + w.index()));
        if (w.kind() == Kind.BRANCHES) b.branches(2 + w.index() % 3);
        if (adapter != null) b.adapters(List.of(adapter));
        if (c != null) b.cancellation(c);
        return b.build();
    }

    static ReasoningRequest reasoning(Work w, ScaledAdapter adapter, Heads heads) {
        return ReasoningRequest.builder(List.of(Message.user("question " + w.index())))
                .mode(ReasoningMode.ON).adapters(List.of(adapter)).heads(heads).branches(2).maxTokens(10)
                .budget(BudgetForcing.of(6)).sampling(SAMPLING.withSeed(900 + w.index())).build();
    }

    static int[][] tokens(List<BranchResult> branches) {
        return branches.stream().map(BranchResult::tokens).toArray(int[][]::new);
    }

    @Test
    void sixteenThreadsGetTheirSoloResultsAndLeaveNothingBehind() throws Exception {
        long seconds = Long.getLong("stress.seconds", 12);
        ModelOptions options = ModelOptions.defaults().withThreads(2).withContextSize(256).withBatchSize(64);
        Model m = Model.load(file, options);
        try {
            LoraAdapter resident = m.addAdapter(LoraAdapter.synthetic(m.config(), 4, 8f, 3, AdapterPrecision.F16));
            ScaledAdapter residentScaled = new ScaledAdapter(resident, 1f);
            Heads heads = Heads.synthetic(m.config().dim(), 5);

            // solo references, one request at a time, taken on the second pass: the first runs partly
            // interpreted, and the Vector API's interpreted reduceLanes adds in another order than C2's
            // (a last-bit difference that can flip a sampled token)
            int distinct = 24;
            int[][][] soloGen = new int[distinct][][];
            int[][][] soloAdapter = new int[distinct][][];
            int[][][] soloReason = new int[distinct][][];
            for (int pass = 0; pass < 2; pass++) for (int i = 0; i < distinct; i++) {
                soloGen[i] = tokens(m.generate(generation(new Work(i % 2 == 0 ? Kind.PLAIN : Kind.BRANCHES, i), null, null), TokenListener.NONE).branches());
                soloAdapter[i] = tokens(m.generate(generation(new Work(Kind.ADAPTER, i), residentScaled, null), TokenListener.NONE).branches());
                soloReason[i] = tokens(m.reason(reasoning(new Work(Kind.REASON, i), residentScaled, heads), TokenListener.NONE).branches());
            }

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            AtomicInteger completed = new AtomicInteger(), cancelled = new AtomicInteger(), swaps = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(threads.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(thread);
                    go.await();
                    while (System.nanoTime() < deadline) {
                        int i = rnd.nextInt(distinct);
                        switch (rnd.nextInt(6)) {
                            case 0, 1 -> {
                                Work w = new Work(i % 2 == 0 ? Kind.PLAIN : Kind.BRANCHES, i);
                                check(failures, w, soloGen[i], tokens(m.generate(generation(w, null, null), TokenListener.NONE).branches()));
                            }
                            case 2 -> {
                                Work w = new Work(Kind.ADAPTER, i);
                                check(failures, w, soloAdapter[i], tokens(m.generate(generation(w, residentScaled, null), TokenListener.NONE).branches()));
                            }
                            case 3 -> {
                                Work w = new Work(Kind.REASON, i);
                                ReasoningResult r = m.reason(reasoning(w, residentScaled, heads), TokenListener.NONE);
                                check(failures, w, soloReason[i], tokens(r.branches()));
                            }
                            case 4 -> {
                                // an adapter of this thread's own, added, used beside the others, removed
                                LoraAdapter mine = m.addAdapter(LoraAdapter.synthetic(m.config(), 2, 4f, 100 + thread, AdapterPrecision.F16));
                                try {
                                    m.generate(generation(new Work(Kind.ADAPTER, i), new ScaledAdapter(mine, 0.5f), null), TokenListener.NONE);
                                } finally {
                                    m.unloadAdapter(mine);
                                }
                                swaps.incrementAndGet();
                            }
                            default -> {
                                // cancelled after a random number of its own tokens: a prefix of the solo tokens
                                Work w = new Work(i % 2 == 0 ? Kind.PLAIN : Kind.BRANCHES, i);
                                Cancellation c = new Cancellation();
                                int after = rnd.nextInt(8);
                                AtomicInteger seen = new AtomicInteger();
                                GenerationResult r = m.generate(generation(w, null, c), e -> {
                                    if (seen.incrementAndGet() > after) c.cancel();
                                });
                                int[][] got = tokens(r.branches());
                                for (int b = 0; b < got.length; b++) {
                                    int[] solo = soloGen[i][b];
                                    if (got[b].length > solo.length || !Arrays.equals(got[b], Arrays.copyOf(solo, got[b].length))) {
                                        failures.add(w + " branch " + b + ": cancelled tokens " + Arrays.toString(got[b])
                                                + " are not a prefix of " + Arrays.toString(solo));
                                    }
                                }
                                if (r.branches().stream().anyMatch(b -> b.finishReason() == FinishReason.CANCELLED)) cancelled.incrementAndGet();
                            }
                        }
                        completed.incrementAndGet();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) f.get(seconds + 120, TimeUnit.SECONDS);
            threads.shutdown();

            assertThat(failures).as("requests whose tokens differ from their solo run").isEmpty();
            assertThat(completed.get()).as("requests completed").isGreaterThan(THREADS);
            assertThat(cancelled.get()).as("requests cancelled mid-way").isPositive();
            assertThat(swaps.get()).as("adapters added and removed while others ran").isPositive();
            assertThat(m.schedulerStats().runningRequests()).isZero();
            // cached prefix blocks no sequence holds sit in the pool's LRU: free, evictable, not used
            assertThat(m.kvCache().pool().usedBlocks()).as("blocks held by sequences after the run").isZero();
            assertThat(m.kvCache().pool().evictableBlocks()).isEqualTo(m.kvCache().pool().cachedBlocks());
            assertThat(m.adapters()).containsExactly(resident);
            System.out.printf("stress: %d requests in %d s from %d threads (%d cancelled, %d adapter swaps), %d cached blocks left%n",
                    completed.get(), seconds, THREADS, cancelled.get(), swaps.get(), m.kvCache().pool().cachedBlocks());
        } finally {
            m.close();
        }
        assertThat(mentions(Path.of("/proc/self/maps"))).as("mappings of the model file after close").isZero();
        assertThat(openHandles()).as("open file handles on the model after close").isZero();
    }

    static void check(ConcurrentLinkedQueue<String> failures, Work w, int[][] solo, int[][] got) {
        if (!Arrays.deepEquals(solo, got)) failures.add(w + ": " + Arrays.deepToString(got) + " != solo " + Arrays.deepToString(solo));
    }

    static long mentions(Path procFile) throws IOException {
        if (!Files.isReadable(procFile)) return 0;
        try (Stream<String> lines = Files.lines(procFile)) {
            return lines.filter(l -> l.contains(file.toString())).count();
        }
    }

    static long openHandles() throws IOException {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) return 0;
        long n = 0;
        try (Stream<Path> s = Files.list(fds)) {
            for (Path fd : (Iterable<Path>) s::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(file.toString())) n++;
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        return n;
    }
}
