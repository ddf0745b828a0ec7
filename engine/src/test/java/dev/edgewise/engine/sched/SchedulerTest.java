package dev.edgewise.engine.sched;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.Cancellation;
import dev.edgewise.engine.FinishReason;
import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.SchedulerFullException;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shared scheduler seen through the library: concurrency, prefix caching, cancellation, limits. */
class SchedulerTest {
    static final SamplingParams SAMPLING = new SamplingParams(0.9f, 40, 0.95f, 0f, 1f, 64, 7);
    static Path file;

    @BeforeAll
    static void writeModel(@TempDir Path dir) throws Exception {
        file = dir.resolve("m.gguf");
        SyntheticModels.write(SyntheticShape.DEFAULT, GGMLType.Q8_0, 13, file);
    }

    static int[] tokens(int n, int seed) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = 3 + (seed * 97 + i * 31) % 400;
        return t;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static GenerationRequest request(int i) {
        return GenerationRequest.tokens(concat(tokens(20, 100), tokens(5 + i, i))).maxTokens(12 + i).ignoreEndOfGeneration(true)
                .branches(1 + i % 3).sampling(SAMPLING.withSeed(1000 + i)).build();
    }

    @Test
    void eightThreadsGenerateExactlyTheTokensEachGetsAlone() throws Exception {
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2))) {
            List<GenerationResult> solo = new ArrayList<>();
            for (int i = 0; i < 8; i++) solo.add(m.generate(request(i), TokenListener.NONE));
            AtomicInteger widest = new AtomicInteger();
            m.addStepListener((decode, prefill, nanos) -> widest.accumulateAndGet(decode, Math::max));
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<GenerationResult>> together = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int k = i;
                together.add(pool.submit(() -> {
                    go.await();
                    return m.generate(request(k), TokenListener.NONE);
                }));
            }
            go.countDown();
            for (int i = 0; i < 8; i++) {
                GenerationResult r = together.get(i).get();
                for (int b = 0; b < r.branches().size(); b++) {
                    assertThat(r.branches().get(b).tokens()).as("request %d branch %d", i, b).isEqualTo(solo.get(i).branches().get(b).tokens());
                    assertThat(r.branches().get(b).text()).isEqualTo(solo.get(i).branches().get(b).text());
                }
            }
            pool.shutdown();
            assertThat(widest.get()).as("requests shared decode steps").isGreaterThan(3);
            assertThat(m.kvCache().pool().usedBlocks()).isZero();
            assertThat(m.schedulerStats().runningRequests()).isZero();
        }
    }

    @Test
    void generateAllDecodesTogetherAndMatchesSoloRuns() throws Exception {
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2))) {
            List<GenerationRequest> requests = List.of(request(1), request(2), request(3));
            List<GenerationResult> all = m.generateAll(requests);
            for (int i = 0; i < requests.size(); i++) {
                assertThat(all.get(i).tokens()).isEqualTo(m.generate(requests.get(i), TokenListener.NONE).tokens());
            }
        }
    }

    @Test
    void aCachedPrefixSkipsItsEvaluationAndGivesTheSameTokensAsAnUncachedRun() throws Exception {
        int[] system = tokens(64, 5);
        GenerationRequest first = GenerationRequest.tokens(concat(system, tokens(9, 1))).maxTokens(16).ignoreEndOfGeneration(true)
                .sampling(SAMPLING).build();
        GenerationRequest second = GenerationRequest.tokens(concat(system, tokens(11, 2))).maxTokens(16).ignoreEndOfGeneration(true)
                .sampling(SAMPLING).branches(2).build();
        GenerationResult uncached;
        try (Model plain = Model.load(file, ModelOptions.defaults().withThreads(2).withPrefixCache(false))) {
            plain.generate(first, TokenListener.NONE);
            uncached = plain.generate(second, TokenListener.NONE);
            assertThat(uncached.timings().cachedPromptTokens()).isZero();
        }
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2))) {
            GenerationResult a = m.generate(first, TokenListener.NONE);
            assertThat(a.timings().cachedPromptTokens()).isZero();
            long before = m.tokensEvaluated();
            GenerationResult b = m.generate(second, TokenListener.NONE);
            assertThat(b.timings().cachedPromptTokens()).isEqualTo(64);
            assertThat(m.tokensEvaluated() - before).as("only the uncached suffix is evaluated")
                    .isEqualTo(75 - 64 + b.timings().decodedTokens());
            for (int i = 0; i < 2; i++) assertThat(b.branches().get(i).tokens()).isEqualTo(uncached.branches().get(i).tokens());
            // the whole prompt again: every full block but the one holding the last token is served
            GenerationResult c = m.generate(second, TokenListener.NONE);
            assertThat(c.timings().cachedPromptTokens()).isEqualTo(64);
            assertThat(c.branches().get(1).tokens()).isEqualTo(uncached.branches().get(1).tokens());
            // a finished branch's blocks are cached too: a next turn that continues it starts on them
            int[] turn = concat(b.promptTokens(), b.branches().getFirst().tokens());
            GenerationResult d = m.generate(GenerationRequest.tokens(concat(turn, tokens(3, 3))).maxTokens(2).build(), TokenListener.NONE);
            // branch 0 fed 75 + 15 positions: 5 full blocks, the fifth holding prompt and response tokens
            assertThat(d.timings().cachedPromptTokens()).isEqualTo(80);
            assertThat(m.kvCache().pool().usedBlocks()).isZero();
            assertThat(m.schedulerStats().kvBlocksCached()).isGreaterThan(4);
            assertThat(m.schedulerStats().cachedPromptTokens()).isEqualTo(64 + 64 + d.timings().cachedPromptTokens());
        }
    }

    @Test
    void blocksWrittenWithAnAdapterServeOnlyRequestsWithTheSameAdapterAndScale() throws Exception {
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2))) {
            var adapter = m.addAdapter(dev.edgewise.engine.lora.LoraAdapter.synthetic(m.config(), 8, 16, 5,
                    dev.edgewise.engine.lora.AdapterPrecision.F32));
            int[] prompt = tokens(40, 8);
            GenerationRequest.Builder base = GenerationRequest.tokens(prompt).maxTokens(4).ignoreEndOfGeneration(true);
            var full = List.of(new dev.edgewise.engine.lora.ScaledAdapter(adapter, 1f));
            var half = List.of(new dev.edgewise.engine.lora.ScaledAdapter(adapter, 0.5f));
            assertThat(m.generate(base.build(), TokenListener.NONE).timings().cachedPromptTokens()).isZero();
            GenerationResult first = m.generate(base.adapters(full).build(), TokenListener.NONE);
            assertThat(first.timings().cachedPromptTokens()).as("base blocks do not serve the adapter").isZero();
            assertThat(m.generate(base.adapters(half).build(), TokenListener.NONE).timings().cachedPromptTokens()).as("nor another scale").isZero();
            GenerationResult again = m.generate(base.adapters(full).build(), TokenListener.NONE);
            assertThat(again.timings().cachedPromptTokens()).isEqualTo(32);
            assertThat(again.tokens()).isEqualTo(first.tokens());
        }
    }

    @Test
    void aCancelledRequestStopsAtTheNextStepAndReleasesItsBlocks() throws Exception {
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2))) {
            Cancellation cancel = new Cancellation();
            GenerationResult r = m.generate(GenerationRequest.tokens(tokens(30, 1)).maxTokens(10_000).ignoreEndOfGeneration(true)
                    .branches(3).sampling(SAMPLING).cancellation(cancel).build(), e -> {
                if (e.branch() == 2 && e.index() == 4) cancel.cancel();
            });
            for (BranchResult b : r.branches()) {
                assertThat(b.finishReason()).isEqualTo(FinishReason.CANCELLED);
                assertThat(b.tokens()).hasSize(5);
            }
            assertThat(m.kvCache().pool().usedBlocks()).isZero();

            Cancellation early = new Cancellation();
            early.cancel();
            GenerationResult never = m.generate(GenerationRequest.tokens(tokens(30, 1)).cancellation(early).build(), TokenListener.NONE);
            assertThat(never.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(never.tokens()).isEmpty();
        }
    }

    @Test
    void aFullWaitingQueueRefusesRequestsAndAFailingListenerFailsOnlyItsRequest() throws Exception {
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2).withMaxSequences(1).withMaxWaiting(1))) {
            Cancellation stopA = new Cancellation();
            CountDownLatch aRuns = new CountDownLatch(1);
            CompletableFuture<GenerationResult> a = CompletableFuture.supplyAsync(() -> m.generate(GenerationRequest.tokens(tokens(10, 1))
                    .maxTokens(100_000).ignoreEndOfGeneration(true).cancellation(stopA).build(), e -> aRuns.countDown()));
            aRuns.await();
            CompletableFuture<GenerationResult> b = CompletableFuture.supplyAsync(() -> m.generate(
                    GenerationRequest.tokens(tokens(10, 2)).maxTokens(8).build(), e -> {
                        if (e.index() == 3) throw new IllegalStateException("listener broke");
                    }));
            while (m.schedulerStats().waitingRequests() < 1) Thread.sleep(5);
            assertThatThrownBy(() -> m.generate(GenerationRequest.tokens(tokens(10, 3)).build(), TokenListener.NONE))
                    .isInstanceOf(SchedulerFullException.class).hasMessageContaining("waiting");
            stopA.cancel();
            assertThat(a.get().finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThatThrownBy(b::join).hasRootCauseMessage("listener broke");
            assertThat(m.generate(GenerationRequest.tokens(tokens(10, 2)).maxTokens(8).build(), TokenListener.NONE).tokens()).hasSize(8);
            assertThat(m.kvCache().pool().usedBlocks()).isZero();
        }
    }

    @Test
    void aCancelledWaitingRequestLeavesTheQueueWhileOthersRun() throws Exception {
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2).withMaxSequences(1))) {
            Cancellation stopA = new Cancellation(), stopB = new Cancellation();
            CountDownLatch aRuns = new CountDownLatch(1);
            CompletableFuture<GenerationResult> a = CompletableFuture.supplyAsync(() -> m.generate(GenerationRequest.tokens(tokens(10, 1))
                    .maxTokens(100_000).ignoreEndOfGeneration(true).cancellation(stopA).build(), e -> aRuns.countDown()));
            aRuns.await();
            CompletableFuture<GenerationResult> b = CompletableFuture.supplyAsync(() -> m.generate(
                    GenerationRequest.tokens(tokens(10, 2)).maxTokens(8).cancellation(stopB).build(), TokenListener.NONE));
            while (m.schedulerStats().waitingRequests() < 1) Thread.sleep(5);
            stopB.cancel();
            assertThat(b.get().finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(b.get().tokens()).isEmpty();
            assertThat(a).as("the running request goes on").isNotDone();
            assertThat(m.schedulerStats().waitingRequests()).isZero();
            stopA.cancel();
            assertThat(a.get().finishReason()).isEqualTo(FinishReason.CANCELLED);
        }
    }

    @Test
    void longPromptsArePrefilledInChunksBetweenDecodeSteps() throws Exception {
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2).withPrefillChunk(32).withPrefixCache(false))) {
            GenerationRequest longPrompt = GenerationRequest.tokens(tokens(200, 9)).maxTokens(4).sampling(SAMPLING).build();
            int[] solo = m.generate(longPrompt, TokenListener.NONE).tokens();
            List<int[]> steps = new CopyOnWriteArrayList<>();
            m.addStepListener((decode, prefill, nanos) -> steps.add(new int[]{decode, prefill}));
            Cancellation stop = new Cancellation();
            CountDownLatch decoding = new CountDownLatch(1);
            CompletableFuture<GenerationResult> background = CompletableFuture.supplyAsync(() -> m.generate(
                    GenerationRequest.tokens(tokens(8, 4)).maxTokens(100_000).ignoreEndOfGeneration(true).cancellation(stop).build(),
                    e -> decoding.countDown()));
            decoding.await();
            int[] together = m.generate(longPrompt, TokenListener.NONE).tokens();
            stop.cancel();
            background.get();
            assertThat(together).isEqualTo(solo);
            assertThat(steps).allSatisfy(s -> assertThat(s[1]).isLessThanOrEqualTo(32));
            assertThat(steps.stream().filter(s -> s[0] > 0 && s[1] == 32).count()).as("prompt chunks beside decode rows")
                    .isGreaterThanOrEqualTo(200 / 32 - 1);
        }
    }

    @Test
    void aReasoningRunGivesTheSameResultBesideOtherRequests() throws Exception {
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2))) {
            var adapter = m.addAdapter(dev.edgewise.engine.lora.LoraAdapter.synthetic(m.config(), 8, 16, 5,
                    dev.edgewise.engine.lora.AdapterPrecision.F16));
            var request = dev.edgewise.engine.ReasoningRequest.builder(List.of(new dev.edgewise.engine.tokenizer.ChatTemplate.Message(
                            "user", "What is two plus three? ".repeat(6))))
                    .mode(dev.edgewise.engine.ReasoningMode.AUTO).heads(dev.edgewise.engine.heads.Heads.synthetic(m.config().dim(), 3))
                    .adapters(List.of(new dev.edgewise.engine.lora.ScaledAdapter(adapter, 1f))).branches(3).sampling(SAMPLING).maxTokens(20)
                    .budget(dev.edgewise.engine.BudgetForcing.of(10).withAnswerAllowance(3)).build();
            var solo = m.reason(request, TokenListener.NONE);
            Cancellation stop = new Cancellation();
            CountDownLatch busy = new CountDownLatch(2);
            List<CompletableFuture<GenerationResult>> others = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int k = i;
                others.add(CompletableFuture.supplyAsync(() -> m.generate(GenerationRequest.tokens(tokens(40, k)).maxTokens(100_000)
                        .ignoreEndOfGeneration(true).cancellation(stop).build(), e -> {
                    if (e.index() == 0) busy.countDown();
                })));
            }
            busy.await();
            var together = m.reason(request, TokenListener.NONE);
            stop.cancel();
            for (var f : others) f.get();
            assertThat(together.reasoned()).isEqualTo(solo.reasoned());
            assertThat(together.switchProbability()).isCloseTo(solo.switchProbability(), org.assertj.core.data.Offset.offset(1e-4));
            assertThat(together.branches()).hasSameSizeAs(solo.branches());
            for (int i = 0; i < solo.branches().size(); i++) {
                assertThat(together.branches().get(i).tokens()).isEqualTo(solo.branches().get(i).tokens());
                assertThat(together.verifierScores().get(i)).isCloseTo(solo.verifierScores().get(i), org.assertj.core.data.Offset.offset(1e-3));
            }
            assertThat(together.timings().forwardTokens()).as("counts only its own rows").isEqualTo(solo.timings().forwardTokens());
            assertThat(together.vote().display()).isEqualTo(solo.vote().display());
            assertThat(m.kvCache().pool().usedBlocks()).isZero();
        }
    }

    @Test
    void aReasoningRunWhoseBranchesEndAtTheirFirstTokenStillVerifies() throws Exception {
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2))) {
            var r = m.reason(dev.edgewise.engine.ReasoningRequest.builder(List.of(new dev.edgewise.engine.tokenizer.ChatTemplate.Message(
                            "user", "Two plus three?"))).mode(dev.edgewise.engine.ReasoningMode.ON)
                    .heads(dev.edgewise.engine.heads.Heads.synthetic(m.config().dim(), 3)).branches(3).sampling(SAMPLING).maxTokens(1)
                    .build(), TokenListener.NONE);
            assertThat(r.branches()).hasSize(3).allSatisfy(b -> assertThat(b.tokens()).hasSize(1));
            assertThat(r.verifierScores()).hasSize(3).allSatisfy(v -> assertThat(v).isBetween(0.0, 1.0));
            assertThat(m.kvCache().pool().usedBlocks()).isZero();
        }
    }

    /** Random traffic (shared prefixes, branches, cancellations, a tight KV pool) from 4 threads. */
    @Test
    void thePoolHoldsOnlyCachedBlocksAfterRandomTraffic() throws Exception {
        ModelOptions options = ModelOptions.defaults().withThreads(2).withKvBudgetBytes(40L * 2 * 4 * 16 * 128 * 2);
        try (Model m = Model.load(file, options)) {
            int total = m.kvCache().pool().capacity();
            ExecutorService threads = Executors.newFixedThreadPool(4);
            List<Future<?>> done = new ArrayList<>();
            AtomicInteger cancelled = new AtomicInteger(), completed = new AtomicInteger();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                done.add(threads.submit(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int i = 0; i < 12; i++) {
                        int[] prompt = concat(tokens(16 * r.nextInt(4), r.nextInt(2)), tokens(1 + r.nextInt(20), r.nextInt(1000)));
                        Cancellation c = new Cancellation();
                        int cancelAt = r.nextInt(3) == 0 ? r.nextInt(10) : -1;
                        GenerationResult res;
                        try {
                            res = m.generate(GenerationRequest.tokens(prompt).maxTokens(1 + r.nextInt(24)).branches(1 + r.nextInt(3))
                                    .ignoreEndOfGeneration(true).sampling(SAMPLING.withSeed(r.nextLong())).cancellation(c).build(), e -> {
                                if (e.index() == cancelAt) c.cancel();
                            });
                        } catch (dev.edgewise.engine.kv.KvCacheFullException e) {
                            continue;
                        }
                        if (res.finishReason() == FinishReason.CANCELLED) cancelled.incrementAndGet();
                        else completed.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
            threads.shutdown();
            assertThat(cancelled.get()).isPositive();
            assertThat(completed.get()).isPositive();
            var stats = m.schedulerStats();
            assertThat(m.kvCache().pool().usedBlocks()).as("only cached blocks remain").isZero();
            assertThat(stats.kvBlocksUsed()).isZero();
            assertThat(stats.kvBlocksTotal()).isEqualTo(total);
            assertThat(stats.kvBlocksCached()).isEqualTo(m.kvCache().pool().evictableBlocks()).isPositive();
            assertThat(stats.cachedPromptTokens()).isPositive();
            assertThat(stats.runningRequests() + stats.waitingRequests() + stats.runningSequences()).isZero();
        }
    }
}
