package dev.edgewise.engine;

import dev.edgewise.engine.heads.HiddenStatePooler;
import dev.edgewise.engine.heads.SwitcherHead;
import dev.edgewise.engine.heads.VerifierHead;
import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.engine.vote.Ballot;
import dev.edgewise.engine.vote.VoteResult;
import dev.edgewise.engine.vote.Voter;
import dev.edgewise.kernels.WorkerPool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One request through the reasoning pipeline (see {@link ReasoningRequest}). The prompt's KV blocks
 * are written once, by the base model, and shared: the switcher reads hidden states of that same
 * pass, the first response token comes from its last logits, and every branch continues from its
 * blocks with the adapter switched on for its own rows only.
 */
final class ReasoningRun {
    private final Qwen2Forward forward;
    private final PagedKvCache cache;
    private final Tokenizer tokenizer;
    private final ReasoningRequest request;
    private final int adapterSlot;
    private final TokenListener listener;
    private final WorkerPool pool;

    ReasoningRun(Qwen2Forward forward, PagedKvCache cache, Tokenizer tokenizer, ReasoningRequest request, int adapterSlot,
                 TokenListener listener, WorkerPool pool) {
        this.pool = pool;
        this.forward = forward;
        this.cache = cache;
        this.tokenizer = tokenizer;
        this.request = request;
        this.adapterSlot = adapterSlot;
        this.listener = listener;
    }

    ReasoningResult run() {
        long start = System.nanoTime();
        long tokensBefore = forward.tokensEvaluated();
        int vocab = forward.config().vocabSize();
        SwitcherHead switcher = request.heads() == null ? null : request.heads().switcher().orElse(null);
        VerifierHead verifier = request.heads() == null ? null : request.heads().verifier().orElse(null);
        int[] prompt = tokenizer.encode(ChatTemplate.render(messagesWithBudget(), true), true);

        List<KvSequence> held = new ArrayList<>();
        List<BranchState> branches = new ArrayList<>();
        try {
            // 1. one base-model prefill: KV for every later phase, switcher states, first-token logits
            KvSequence root = cache.create();
            held.add(root);
            ForwardBatch batch = new ForwardBatch(prompt.length);
            HiddenStatePooler pooler = switcher == null ? null : switcher.newPooler();
            if (pooler != null) batch.captureHidden(switcher.layer(), (row, h, off) -> pooler.accept(h, off));
            for (int i = 0; i < prompt.length; i++) {
                batch.add(prompt[i], root, i == prompt.length - 1, -1);
                if (pooler != null) batch.markHidden();
            }
            float[] firstLogits = Arrays.copyOf(forward.forward(batch, cache), vocab);

            // 2. the switch
            double probability = pooler == null ? Double.NaN : switcher.probability(pooler.pooled());
            boolean reason = switch (request.mode()) {
                case ON -> true;
                case OFF -> false;
                case AUTO -> pooler != null && switcher.reason(pooler.pooled());
            };
            String decidedBy = request.mode() != ReasoningMode.AUTO ? "forced " + request.mode().name().toLowerCase(java.util.Locale.ROOT)
                    : pooler == null ? "forced off (no switcher)" : "switcher";

            // optional comparison path: encode the prompt again with the adapter on
            KvSequence base = root;
            if (reason && request.adapterPrefill() && adapterSlot >= 0) {
                base = cache.create();
                held.add(base);
                batch.clear();
                for (int i = 0; i < prompt.length; i++) batch.add(prompt[i], base, i == prompt.length - 1, adapterSlot);
                firstLogits = Arrays.copyOf(forward.forward(batch, cache), vocab);
            }
            long prefillDone = System.nanoTime();

            // 3. branches fork the prompt's blocks and decode together (a forced response: fed, then the branch ends)
            int n = reason ? request.branches() : 1;
            String forcedText = request.forcedResponse();
            int maxTokens = forcedText == null ? request.maxTokens() : tokenizer.encode(forcedText, true).length;
            GenerationRequest decode = GenerationRequest.tokens(prompt).maxTokens(maxTokens).sampling(request.sampling())
                    .branches(n).budget(reason ? request.budget() : null).build();
            KvSequence[] sequences = cache.fork(base, n);
            boolean opensThinking = reason && request.budget() != null && BranchDecoder.opensThinking(tokenizer, prompt, request.budget());
            for (int i = 0; i < n; i++) {
                held.add(sequences[i]);
                BranchState b = new BranchState(i, sequences[i], new Sampler(request.sampling().withSeed(request.sampling().seed() + i)),
                        tokenizer, prompt, decode);
                b.adapter = reason ? adapterSlot : -1;
                b.thinking = opensThinking;
                branches.add(b);
            }
            BranchDecoder decoder = new BranchDecoder(forward, cache, tokenizer, decode, listener, pool);
            decoder.keepSequences = true;
            if (forcedText != null) {
                for (BranchState b : branches) decoder.inject(b, forcedText);
            } else if (reason && request.openThinking() && request.budget() != null) {
                for (BranchState b : branches) if (!b.thinking) decoder.inject(b, request.budget().thinkStart() + "\n");
            }
            long[] firstToken = new long[1];
            decoder.run(branches, firstLogits, firstToken);
            long decodeDone = System.nanoTime();

            // 4. verification on top of each branch's own KV, all branches in one batch
            long beforeVerification = forward.tokensEvaluated();
            List<float[]> verifierHidden = new ArrayList<>();
            double[] scores = verifier == null ? new double[0] : verify(branches, verifier, verifierHidden);
            int verificationTokens = (int) (forward.tokensEvaluated() - beforeVerification);
            long verifyDone = System.nanoTime();

            // 5. the vote
            List<Ballot> ballots = new ArrayList<>();
            List<BranchResult> results = new ArrayList<>();
            List<Double> scoreList = new ArrayList<>();
            int thinking = 0, response = 0, forced = 0;
            for (BranchState b : branches) {
                BranchResult r = b.result();
                results.add(r);
                double weight = scores.length > 0 ? scores[b.index] : Math.exp(r.meanLogProb());
                ballots.add(new Ballot(b.index, r.text(), weight));
                thinking += r.thinkingTokens();
                response += r.tokens().length;
                if (r.forcedAt() >= 0) forced++;
            }
            for (double s : scores) scoreList.add(s);
            VoteResult vote = new Voter(request.extractor(), request.vote()).vote(ballots);
            ReasoningResult.Timings timings = new ReasoningResult.Timings(prompt.length, forward.tokensEvaluated() - tokensBefore,
                    prefillDone - start, firstToken[0] - start, decodeDone - firstToken[0], verifyDone - decodeDone,
                    System.nanoTime() - start, thinking, response, verificationTokens, forced);
            ReasoningResult.Features features = !request.captureFeatures() ? null
                    : new ReasoningResult.Features(pooler == null ? null : pooler.pooled(), verifierHidden);
            return new ReasoningResult(reason, decidedBy, probability, results, scoreList, vote, timings, features);
        } finally {
            for (KvSequence s : held) if (!s.released()) cache.release(s);
        }
    }

    /**
     * Feeds each branch's unfed tokens plus the verification prompt; scores the hidden state at the last one
     * (and copies it into {@code hidden}, one per branch, when the request captures features).
     */
    private double[] verify(List<BranchState> branches, VerifierHead verifier, List<float[]> hidden) {
        int[] suffix = tokenizer.encode(request.verificationPrompt(), true);
        if (suffix.length == 0) throw new IllegalArgumentException("the verification prompt has no tokens");
        double[] scores = new double[branches.size()];
        int rows = 0;
        for (BranchState b : branches) rows += b.pendingInputs() + suffix.length;
        ForwardBatch batch = new ForwardBatch(rows);
        int[] branchOfRow = new int[rows];
        float[][] captured = new float[branches.size()][];
        batch.captureHidden(verifier.layer(), (row, h, off) -> {
            scores[branchOfRow[row]] = verifier.score(h, off);
            if (request.captureFeatures()) captured[branchOfRow[row]] = Arrays.copyOfRange(h, off, off + verifier.dim());
        });
        int slot = request.verifierUsesAdapter() ? adapterSlotOf(branches) : -1;
        for (BranchState b : branches) {
            for (int i = 0; i < b.pendingInputs(); i++) {
                branchOfRow[batch.size()] = b.index;
                batch.add(b.pendingInput(i), b.sequence, false, slot);
            }
            for (int i = 0; i < suffix.length; i++) {
                branchOfRow[batch.size()] = b.index;
                batch.add(suffix[i], b.sequence, false, slot);
            }
            batch.markHidden();
            b.inputsConsumed();
        }
        forward.forward(batch, cache);
        if (request.captureFeatures()) hidden.addAll(Arrays.asList(captured));
        return scores;
    }

    private static int adapterSlotOf(List<BranchState> branches) {
        return branches.isEmpty() ? -1 : branches.getFirst().adapter;
    }

    /** The messages with the budget sentence appended to the last user message. */
    private List<ChatTemplate.Message> messagesWithBudget() {
        List<ChatTemplate.Message> m = new ArrayList<>(request.messages());
        if (request.budgetSentence() == null || request.budget() == null || request.mode() == ReasoningMode.OFF) return m;
        String sentence = request.budgetSentence().replace("{budget}", Integer.toString(request.budget().maxResponseTokens()));
        for (int i = m.size() - 1; i >= 0; i--) {
            if (m.get(i).role().equals("user")) {
                m.set(i, new ChatTemplate.Message("user", m.get(i).content() + sentence));
                break;
            }
        }
        return m;
    }
}
