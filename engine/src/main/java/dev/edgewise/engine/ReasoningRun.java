package dev.edgewise.engine;

import dev.edgewise.engine.heads.HiddenStatePooler;
import dev.edgewise.engine.heads.SwitcherHead;
import dev.edgewise.engine.heads.VerifierHead;
import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.lora.AdapterActivation;
import dev.edgewise.engine.sched.Job;
import dev.edgewise.engine.sched.Prefill;
import dev.edgewise.engine.sched.Scheduler;
import dev.edgewise.engine.sched.Step;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.engine.vote.Ballot;
import dev.edgewise.engine.vote.VoteResult;
import dev.edgewise.engine.vote.Voter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * One request through the reasoning pipeline (see {@link ReasoningRequest}) as a job on the
 * scheduler, in phases: the prompt's KV blocks are written once, by the base model, while the
 * switcher reads hidden states of that same pass; the first response token comes from its last
 * logits; branches fork its blocks and decode with the adapter on for their own rows only; each
 * branch's verification prompt is prefilled on its own KV and the verifier reads the last hidden
 * state; then the vote. Every phase's rows share the scheduler's steps with other requests. An
 * activated LoRA encodes again only the rows from its invocation sequence on, over the base rows
 * before it (see {@link AdapterActivation}).
 */
final class ReasoningRun extends Job<ReasoningResult> {
    private enum Phase { PREFILL, ADAPTER_PREFILL, DIRECT_PREFILL, DECODE, VERIFY, DONE }

    private final Tokenizer tokenizer;
    private final ReasoningRequest request;
    /** The prompt the branches continue: the thinking one, or the answer-only one once the switch chose it. */
    private int[] prompt;
    /** The answer-only rendering, for a template that switches thinking itself, in auto mode; else null. */
    private final int[] directPrompt;
    private final AdapterActivation adapters;
    /** The adapter slot of response rows (-1: none). */
    private final int adapterSlot;
    private final TokenListener listener;
    private final SwitcherHead switcher;
    private final VerifierHead verifier;
    private final HiddenStatePooler pooler;
    private final long start = System.nanoTime();
    private Phase phase = Phase.PREFILL;
    private Prefill prefill;
    private final List<KvSequence> held = new ArrayList<>();
    private final List<BranchState> branches = new ArrayList<>();
    private final List<Prefill> verifications = new ArrayList<>();
    private BranchDecoder decoder;
    private boolean reason;
    private String decidedBy;
    private double probability = Double.NaN;
    private double[] scores = new double[0];
    /** Each branch's hidden state where the verifier read it, when the request captures features. */
    private float[][] verifierHidden = new float[0][];
    private long prefillDone, firstToken, decodeDone, verifyDone, verificationRowsBefore;
    private boolean cancelled;

    ReasoningRun(Tokenizer tokenizer, ReasoningRequest request, int[] prompt, int[] directPrompt, AdapterActivation adapters,
                 TokenListener listener) {
        this.tokenizer = tokenizer;
        this.request = request;
        this.prompt = prompt;
        this.directPrompt = directPrompt;
        this.adapters = adapters;
        this.adapterSlot = adapters.generatedSlot();
        this.listener = listener;
        this.switcher = request.heads() == null ? null : request.heads().switcher().orElse(null);
        this.verifier = request.heads() == null ? null : request.heads().verifier().orElse(null);
        this.pooler = switcher == null ? null : switcher.newPooler();
    }

    /** The messages with the budget sentence appended to the last user message. */
    static List<ChatTemplate.Message> messagesWithBudget(ReasoningRequest request) {
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

    @Override
    protected int sequences() {
        return request.branches();
    }

    @Override
    protected boolean cancelRequested() {
        return request.cancelled();
    }

    @Override
    protected void start(Scheduler s) {
        // 1. one base-model prefill: KV for every later phase, switcher states, first-token logits
        prefill = Prefill.prompt(this, prompt, p -> -1, true);
        if (pooler != null) prefill.captureHidden(switcher.layer(), Prefill.Hidden.ALL, (row, h, off) -> pooler.accept(h, off));
        open(s, prefill);
    }

    private void open(Scheduler s, Prefill p) {
        p.start(s);
        held.add(p.sequence());
    }

    @Override
    protected void plan(Step step) {
        switch (phase) {
            case PREFILL, ADAPTER_PREFILL, DIRECT_PREFILL -> prefill.plan(step);
            case DECODE -> decoder.plan(step, this, branches);
            case VERIFY -> {
                for (Prefill v : verifications) v.plan(step);
            }
            case DONE -> { }
        }
    }

    @Override
    protected void afterStep(Scheduler s) {
        switch (phase) {
            case PREFILL -> {
                if (prefill.finished()) decide(s);
            }
            case ADAPTER_PREFILL -> {
                if (prefill.finished()) fork(s, prefill, adapters.fromInvocation() ? adapters::slotAt : p -> adapterSlot);
            }
            case DIRECT_PREFILL -> {
                if (prefill.finished()) fork(s, prefill, p -> -1);
            }
            case DECODE -> {
                for (BranchState b : branches) if (b.live()) return;
                decodeDone = System.nanoTime();
                verify(s);
            }
            case VERIFY -> {
                for (Prefill v : verifications) if (!v.finished()) return;
                finishVerification();
            }
            case DONE -> { }
        }
    }

    /** 2. the switch, then the branches (or a second prefill with the adapter on, for comparison). */
    private void decide(Scheduler s) {
        prefill.registerBlocks(s);
        if (pooler != null) probability = switcher.probability(pooler.pooled());
        reason = switch (request.mode()) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> pooler != null && switcher.reason(pooler.pooled());
        };
        decidedBy = request.mode() != ReasoningMode.AUTO ? "forced " + request.mode().name().toLowerCase(java.util.Locale.ROOT)
                : pooler == null ? "forced off (no switcher)" : "switcher";
        if (!reason && directPrompt != null) {
            // the template switches thinking off itself (Qwen3's enable_thinking): the answer-only prompt
            // shares the thinking prompt's KV up to where the two renderings part, and is encoded from there
            Prefill base = prefill;
            int common = Math.min(commonPrefix(prompt, directPrompt), directPrompt.length - 1);
            KvSequence shared = s.cache().fork(base.sequence(), 1)[0];
            s.cache().truncate(shared, common);
            prompt = directPrompt;
            prefill = Prefill.extend(this, shared, Arrays.copyOfRange(directPrompt, common, directPrompt.length), p -> -1);
            open(s, prefill);
            s.cache().release(base.sequence());
            phase = Phase.DIRECT_PREFILL;
            return;
        }
        boolean alora = adapters.fromInvocation();
        if (reason && adapterSlot >= 0 && (alora || request.adapterPrefill())) {
            Prefill base = prefill;
            if (alora) {
                // an activated LoRA: rows before its invocation sequence are the base model's, so the
                // branches share the base prefill's KV up to there and only the rest is encoded again
                KvSequence shared = s.cache().fork(base.sequence(), 1)[0];
                s.cache().truncate(shared, adapters.start());
                prefill = Prefill.extend(this, shared, Arrays.copyOfRange(prompt, adapters.start(), prompt.length), adapters::slotAt);
            } else {
                prefill = Prefill.prompt(this, prompt, p -> adapterSlot, true); // a comparison path: the whole prompt adapted
            }
            open(s, prefill);
            s.cache().release(base.sequence());
            phase = Phase.ADAPTER_PREFILL;
            return;
        }
        fork(s, prefill, p -> -1);
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = 0;
        while (n < a.length && n < b.length && a[n] == b[n]) n++;
        return n;
    }

    /** 3. branches fork the prompt's blocks and decode together. */
    private void fork(Scheduler s, Prefill base, IntUnaryOperator promptSlot) {
        if (phase == Phase.ADAPTER_PREFILL) base.registerBlocks(s);
        prefillDone = System.nanoTime();
        PagedKvCache cache = s.cache();
        int n = reason ? request.branches() : 1;
        // a forced response (reading a labelled answer's features): fed as if sampled, then the branch ends
        String forcedText = request.forcedResponse();
        int maxTokens = forcedText == null ? request.maxTokens() : tokenizer.encode(forcedText, true).length;
        GenerationRequest decode = GenerationRequest.tokens(prompt).maxTokens(maxTokens).sampling(request.sampling())
                .branches(n).budget(reason ? request.budget() : null).build();
        decoder = new BranchDecoder(cache, s.vocab(), tokenizer, decode, listener);
        decoder.keepSequences = true;
        branches.addAll(decoder.fork(base.sequence(), prompt, promptSlot, reason ? adapterSlot : -1));
        for (BranchState b : branches) held.add(b.sequence);
        if (forcedText != null) {
            for (BranchState b : branches) decoder.inject(b, forcedText);
        } else if (reason && request.openThinking() && request.budget() != null) {
            for (BranchState b : branches) if (!b.budget.thinking()) decoder.inject(b, request.budget().thinkStart() + "\n");
        }
        for (BranchState b : branches) decoder.first(b, base.lastLogits());
        firstToken = System.nanoTime();
        phase = Phase.DECODE;
    }

    /** 4. verification on top of each branch's own KV: its unfed tokens plus the verification prompt. */
    private void verify(Scheduler s) {
        verificationRowsBefore = forwardRows();
        if (verifier == null || cancelled) {
            finishVerification();
            return;
        }
        int[] suffix = tokenizer.encode(request.verificationPrompt(), true);
        if (suffix.length == 0) throw new IllegalArgumentException("the verification prompt has no tokens");
        scores = new double[branches.size()];
        verifierHidden = new float[branches.size()][];
        int slot = request.verifierUsesAdapter() && reason ? adapterSlot : -1;
        for (BranchState b : branches) {
            int[] rows = new int[b.pendingInputs() + suffix.length];
            for (int i = 0; i < b.pendingInputs(); i++) rows[i] = b.pendingInput(i);
            System.arraycopy(suffix, 0, rows, b.pendingInputs(), suffix.length);
            b.inputsConsumed();
            int index = b.index;
            Prefill v = Prefill.extend(this, b.sequence, rows, p -> slot)
                    .captureHidden(verifier.layer(), Prefill.Hidden.LAST, (row, h, off) -> {
                        scores[index] = verifier.score(h, off);
                        if (request.captureFeatures()) verifierHidden[index] = Arrays.copyOfRange(h, off, off + verifier.dim());
                    });
            v.start(s);
            verifications.add(v);
        }
        phase = Phase.VERIFY;
    }

    private void finishVerification() {
        verifyDone = System.nanoTime();
        phase = Phase.DONE;
    }

    @Override
    protected boolean done() {
        return phase == Phase.DONE;
    }

    @Override
    protected void cancel() {
        cancelled = true;
        if (decoder != null) decoder.cancel(branches);
        long now = System.nanoTime();
        if (decodeDone == 0) decodeDone = now;
        if (firstToken == 0) firstToken = prefillDone = now;
        finishVerification();
    }

    @Override
    protected void releaseAll(Scheduler s) {
        for (KvSequence seq : held) if (!seq.released()) s.cache().release(seq);
    }

    @Override
    protected ReasoningResult result() {
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
        for (double v : scores) scoreList.add(v);
        VoteResult vote = new Voter(request.extractor(), request.vote()).vote(ballots);
        int verificationTokens = verifications.isEmpty() ? 0 : (int) (forwardRows() - verificationRowsBefore);
        ReasoningResult.Timings timings = new ReasoningResult.Timings(prompt.length, forwardRows(), prefillDone - start, firstToken - start,
                decodeDone - firstToken, verifyDone - decodeDone, System.nanoTime() - start, thinking, response, verificationTokens, forced);
        return new ReasoningResult(reason, cancelled && decidedBy == null ? "cancelled" : decidedBy, probability, results, scoreList,
                vote, timings, adapters, features());
    }

    /** What the heads read, when the request asked for it (training heads on the real inference path). */
    private ReasoningResult.Features features() {
        if (!request.captureFeatures()) return null;
        return new ReasoningResult.Features(pooler == null ? null : pooler.pooled(), Arrays.asList(verifierHidden));
    }

    @Override
    protected int promptTokens() {
        return prompt.length;
    }

    @Override
    protected int cachedPromptTokens() {
        return prefill == null ? 0 : prefill.cachedTokens();
    }

    @Override
    protected int generatedTokens() {
        int n = 0;
        for (BranchState b : branches) n += b.count;
        return n;
    }
}
