package dev.edgewise.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.Cancellation;
import dev.edgewise.engine.FinishReason;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.TokenEvent;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.server.api.ApiException;
import dev.edgewise.server.api.CompletionCall;
import dev.edgewise.server.api.Responses;
import dev.edgewise.server.http.EventStream;
import dev.edgewise.server.http.HttpIo;
import dev.edgewise.server.metrics.ServerMetrics;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Answers one completion request, whole or streamed. A stream's tokens are queued by the
 * scheduler's listener and written by the request's own thread, so a slow client never stalls
 * the shared batch; a client that goes away cancels its request, which frees its KV blocks at the
 * next step.
 */
final class CompletionHandler {
    private static final TokenEvent END = new TokenEvent(-1, -1, -1, "", 0f);

    private final ServedModel served;
    private final CompletionService service;
    private final ServerMetrics metrics;

    CompletionHandler(ServedModel served, CompletionService service, ServerMetrics metrics) {
        this.served = served;
        this.service = service;
        this.metrics = metrics;
    }

    void handle(CompletionCall call, Request request, Response response) throws IOException {
        long arrival = System.nanoTime();
        Cancellation cancellation = new Cancellation();
        request.addFailureListener(failure -> cancellation.cancel());
        CompletionService.Prepared p = service.prepare(call, cancellation);
        Responses.Header h = new Responses.Header((call.chat() ? "chatcmpl-" : "cmpl-") + UUID.randomUUID(),
                System.currentTimeMillis() / 1000, call.model() == null ? served.id() : call.model(), call.chat());
        metrics.requestStarted();
        Timing timing = new Timing(arrival, Math.max(1, call.n()));
        try {
            if (p.reason() != null) answerReasoning(p, h, timing, response, cancellation);
            else if (call.stream()) stream(p, h, timing, response, cancellation);
            else whole(p, h, timing, response);
        } catch (RuntimeException e) {
            if (cancellation.isCancelled()) metrics.requestCancelled();
            else if (e instanceof ApiException a && a.status() == 429) metrics.requestRejectedBusy();
            else metrics.requestFailed();
            throw e;
        } finally {
            metrics.requestFinished(System.nanoTime() - arrival);
        }
    }

    private void whole(CompletionService.Prepared p, Responses.Header h, Timing timing, Response response) throws IOException {
        GenerationResult r = service.generate(p, timing);
        recordPrompt(r);
        ObjectNode body = Responses.completion(h);
        ArrayNode choices = (ArrayNode) body.get("choices");
        String echo = p.call().echo() ? tokenizer().decode(p.prompt()) : "";
        for (BranchResult b : r.branches()) {
            ArrayNode lp = p.call().logprobs() ? logprobs(b.branch(), 0, b.tokens(), b.logProbs(), p.top()) : null;
            ChatAnswer a = ChatAnswer.of(b, p.call());
            choices.add(Responses.choice(h, b.branch(), echo + a.content(), a.reasoning(), a.toolCalls(), lp, b.finishReason()));
        }
        body.set("usage", Responses.usage(r.promptTokens().length, r.timings().generatedTokens(), r.timings().cachedPromptTokens()));
        HttpIo.writeJson(response, 200, body);
    }

    private void stream(CompletionService.Prepared p, Responses.Header h, Timing timing, Response response, Cancellation cancellation)
            throws IOException {
        LinkedBlockingQueue<Streamed> queue = new LinkedBlockingQueue<>();
        GenerationResult[] result = new GenerationResult[1];
        RuntimeException[] failure = new RuntimeException[1];
        Thread generation = Thread.ofVirtual().name("generate-" + h.id()).start(() -> {
            try {
                result[0] = service.generate(p, event -> {
                    timing.onToken(event);
                    // alternatives are read here, on the scheduler thread that records them
                    TopLogprobs.Alternatives alt = p.top() == null || event.token() < 0 ? null : p.top().at(event.branch(), event.index());
                    queue.add(new Streamed(event, alt));
                });
            } catch (RuntimeException e) {
                failure[0] = e;
            } finally {
                queue.add(new Streamed(END, null));
            }
        });
        EventStream events = new EventStream(response);
        boolean[] roleSent = new boolean[p.call().n()];
        ChatAnswer.Stream[] answers = new ChatAnswer.Stream[p.call().n()];
        for (int i = 0; i < answers.length; i++) answers[i] = new ChatAnswer.Stream(p.call());
        boolean connected = true;
        try {
            for (Streamed s = take(queue); s.event() != END; s = take(queue)) {
                if (!connected) continue; // keep draining until the scheduler sees the cancellation
                TokenEvent e = s.event();
                ArrayNode lp = p.call().logprobs() && e.token() >= 0
                        ? logprobs(new int[]{e.token()}, new float[]{e.logProb()}, java.util.Collections.singletonList(s.alternatives())) : null;
                ChatAnswer a = answers[e.branch()].accept(e);
                if (e.token() < 0 && a.content().isEmpty() && a.reasoning().isEmpty()) continue; // one chunk per generated token, even while its text is held back
                try {
                    events.send(chunk(h, p.call(), Responses.deltaChoice(h, e.branch(), !roleSent[e.branch()], a.content(),
                            a.reasoning().isEmpty() ? null : a.reasoning(), null, lp)));
                    roleSent[e.branch()] = true;
                } catch (IOException io) {
                    connected = false;
                    cancellation.cancel();
                }
            }
            join(generation);
        } finally {
            if (generation.isAlive()) {
                cancellation.cancel();
                join(generation);
            }
        }
        if (failure[0] != null) {
            if (!events.started()) throw failure[0];
            if (connected) sendStreamError(events, failure[0]);
            return;
        }
        GenerationResult r = result[0];
        recordPrompt(r);
        if (!connected || cancellation.isCancelled()) {
            metrics.requestCancelled();
            return;
        }
        for (BranchResult b : r.branches()) {
            ChatAnswer last = answers[b.branch()].finish();
            if (last != null) {
                events.send(chunk(h, p.call(), Responses.deltaChoice(h, b.branch(), !roleSent[b.branch()],
                        last.content().isEmpty() ? null : last.content(), null, last.toolCalls(), null)));
                roleSent[b.branch()] = true;
            }
            boolean called = last != null && !last.toolCalls().isEmpty();
            events.send(chunk(h, p.call(), Responses.finishChoice(h, b.branch(), b.finishReason(), called)));
        }
        if (p.call().includeUsage()) {
            ObjectNode usage = Responses.chunk(h);
            usage.set("usage", Responses.usage(r.promptTokens().length, r.timings().generatedTokens(), r.timings().cachedPromptTokens()));
            events.send(usage);
        }
        events.done();
    }

    private void answerReasoning(CompletionService.Prepared p, Responses.Header h, Timing timing, Response response,
                                 Cancellation cancellation) throws IOException {
        ReasoningResult r = service.reason(p, timing);
        if (cancellation.isCancelled()) throw ApiException.internal("the request was cancelled");
        metrics.promptProcessed(r.timings().promptTokens(), 0);
        int winner = Math.max(0, r.vote().winningBranch());
        BranchResult w = r.branches().get(Math.min(winner, r.branches().size() - 1));
        ObjectNode usage = Responses.usage(r.timings().promptTokens(), r.timings().responseTokens(), 0);
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.put("reasoned", r.reasoned());
        details.put("decided_by", r.decidedBy());
        if (!Double.isNaN(r.switchProbability())) details.put("switch_probability", r.switchProbability());
        details.put("answer", r.answer().orElse(null));
        details.put("winning_branch", r.vote().winningBranch());
        ArrayNode branches = details.putArray("branches");
        for (int i = 0; i < r.branches().size(); i++) {
            BranchResult b = r.branches().get(i);
            ObjectNode o = branches.addObject();
            o.put("text", b.text());
            o.put("finish_reason", Responses.finishReason(b.finishReason()));
            o.put("thinking_tokens", b.thinkingTokens());
            if (i < r.verifierScores().size()) o.put("verifier_score", r.verifierScores().get(i));
        }
        ArrayNode lp = p.call().logprobs() ? logprobs(w.tokens(), w.logProbs(), null) : null;
        ChatAnswer a = ChatAnswer.of(w, p.call());
        if (p.call().stream()) {
            EventStream events = new EventStream(response);
            events.send(chunk(h, p.call(), Responses.deltaChoice(h, 0, true, a.content(), a.reasoning().isEmpty() ? null : a.reasoning(),
                    a.toolCalls(), lp)));
            ObjectNode last = chunk(h, p.call(), Responses.finishChoice(h, 0, w.finishReason(), !a.toolCalls().isEmpty()));
            last.set("edgewise_reasoning", details);
            events.send(last);
            if (p.call().includeUsage()) {
                ObjectNode u = Responses.chunk(h);
                u.set("usage", usage);
                events.send(u);
            }
            events.done();
            return;
        }
        ObjectNode body = Responses.completion(h);
        ((ArrayNode) body.get("choices")).add(Responses.choice(h, 0, a.content(), a.reasoning(), a.toolCalls(), lp, w.finishReason()));
        body.set("usage", usage);
        body.set("edgewise_reasoning", details);
        HttpIo.writeJson(response, 200, body);
    }

    /** A chunk with one choice; {@code usage: null} on every chunk before the usage chunk, as OpenAI sends. */
    private static ObjectNode chunk(Responses.Header h, CompletionCall call, ObjectNode choice) {
        ObjectNode c = Responses.chunk(h);
        ((ArrayNode) c.get("choices")).add(choice);
        if (call.includeUsage()) c.putNull("usage");
        return c;
    }

    private static void sendStreamError(EventStream events, RuntimeException failure) {
        ApiException e = failure instanceof ApiException a ? a : ApiException.internal(String.valueOf(failure.getMessage()));
        try {
            events.send(Responses.error(e));
            events.done();
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    /** Log-probabilities of a whole branch, with the recorded alternatives of each position. */
    private ArrayNode logprobs(int branch, int from, int[] tokens, float[] logProbs, TopLogprobs top) {
        List<TopLogprobs.Alternatives> alternatives = new java.util.ArrayList<>(tokens.length);
        for (int i = 0; i < tokens.length; i++) alternatives.add(top == null ? null : top.at(branch, from + i));
        return logprobs(tokens, logProbs, alternatives);
    }

    private ArrayNode logprobs(int[] tokens, float[] logProbs, List<TopLogprobs.Alternatives> alternatives) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < tokens.length; i++) {
            List<Responses.TokenLogprob> top = new java.util.ArrayList<>();
            TopLogprobs.Alternatives a = alternatives == null ? null : alternatives.get(i);
            if (a != null) for (int j = 0; j < a.tokens().length; j++) top.add(tokenLogprob(a.tokens()[j], a.logprobs()[j]));
            out.add(Responses.logprob(tokenLogprob(tokens[i], logProbs[i]), top));
        }
        return out;
    }

    private Responses.TokenLogprob tokenLogprob(int token, float logprob) {
        byte[] bytes = tokenizer().tokenBytes(token);
        return new Responses.TokenLogprob(new String(bytes, StandardCharsets.UTF_8), bytes, logprob);
    }

    /** A streamed token with its top_logprobs alternatives (or null). */
    private record Streamed(TokenEvent event, TopLogprobs.Alternatives alternatives) {}

    private Tokenizer tokenizer() {
        return served.model().tokenizer();
    }

    private void recordPrompt(GenerationResult r) {
        metrics.promptProcessed(r.promptTokens().length, r.timings().cachedPromptTokens());
    }

    private static Streamed take(LinkedBlockingQueue<Streamed> q) {
        while (true) {
            try {
                return q.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while streaming", e);
            }
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Time to first token and inter-token latency of one request, per choice; a listener on the scheduler thread. */
    private final class Timing implements TokenListener {
        private final long arrival;
        private final AtomicLongArray last;
        private volatile boolean first = true;

        Timing(long arrival, int choices) {
            this.arrival = arrival;
            this.last = new AtomicLongArray(Math.max(choices, 64));
        }

        @Override
        public void onToken(TokenEvent e) {
            if (e.token() < 0 || e.branch() < 0) return;
            long now = System.nanoTime();
            if (first) {
                first = false;
                metrics.firstToken(now - arrival);
            }
            int i = Math.min(e.branch(), last.length() - 1);
            long previous = last.getAndSet(i, now);
            metrics.tokenGenerated(previous == 0 ? -1 : now - previous);
        }
    }
}
