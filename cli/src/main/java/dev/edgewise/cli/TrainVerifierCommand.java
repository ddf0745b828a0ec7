package dev.edgewise.cli;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ReasoningMode;
import dev.edgewise.engine.ReasoningRequest;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.heads.VerifierHead;
import dev.edgewise.engine.heads.train.Split;
import dev.edgewise.engine.heads.train.VerifierTrainer;
import dev.edgewise.engine.vote.AnswerExtractor;
import dev.edgewise.engine.vote.AnswerNormalizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code edgewise train-heads verifier}: per question, {@code --branches} branches sampled through the pipeline
 * (reasoning on) and labelled by their extracted answer against the gold one, or labelled responses
 * teacher-forced; the verifier's features are the hidden states the pipeline's verification pass computes on
 * each branch's own KV (a probe verifier at {@code --layer}); then a logistic head.
 */
@Command(name = "verifier", mixinStandardHelpOptions = true,
        description = "Train the verifier head on sampled branches of {question, answer} or on labelled {question, response, correct}.")
final class TrainVerifierCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptionsMixin model;

    @Mixin
    LoraOptionsMixin lora;

    @Mixin
    ReasoningOptionsMixin reasoning;

    @ArgGroup(exclusive = false, multiplicity = "1", heading = "Training:%n")
    TrainHeadsCommand.Common common;

    @Option(names = "--layer", paramLabel = "K", defaultValue = "-1", description = "hidden state read: -1 = final normed, k = after block k (default: ${DEFAULT-VALUE})")
    int layer;

    @Option(names = "--no-greedy", description = "skip the greedy run per question (the greedy baseline of the report)")
    boolean noGreedy;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (layer < -1) throw new UsageException("--layer " + layer + " must be -1 or a block index");
        List<TrainingData.Question> questions = TrainingData.questions(common.data);
        long seed = reasoning.sampling.resolvedSeed();
        try (PipelineSetup setup = PipelineSetup.open(model, lora, reasoning, err)) {
            Model m = setup.model();
            int dim = m.config().dim();
            if (layer >= m.config().nLayers()) throw new UsageException("--layer " + layer + ": the model has " + m.config().nLayers() + " blocks");
            Heads probe = Heads.of(null, new VerifierHead(layer, new float[dim], 0f, dim, Float.NaN));
            String settings = String.join(" | ", m.config().name(), String.valueOf(model.model), lora.lora.toString(), "layer " + layer,
                    "seed " + seed, "cell " + reasoning.single().key(), "temperature " + reasoning.sampling.temperature,
                    "verify prompt " + reasoning.verifyPrompt, "verifier adapter " + reasoning.verifierAdapter, "system " + reasoning.system,
                    "greedy " + !noGreedy);
            VoteComparison votes = new VoteComparison(extractor());
            try (FeatureCache cache = FeatureCache.open(common.cacheFile("verifier"), "verifier", settings)) {
                if (cache.size() > 0) err.printf(Locale.ROOT, "edgewise: resuming: %d of %d questions already in %s%n", cache.size(), questions.size(), cache.file());
                for (int i = 0; i < questions.size(); i++) {
                    String key = Integer.toString(i);
                    Map<String, Object> item = cache.get(key);
                    if (item == null) {
                        item = extract(m, setup, probe, questions.get(i));
                        cache.put(key, item);
                        if (!common.json) err.printf(Locale.ROOT, "[%d/%d] %s%n", i + 1, questions.size(), item.get("labels"));
                    }
                    votes.add(questions.get(i), item, cache.file() + " item " + key);
                }
            }
            VerifierTrainer.Result r;
            try {
                r = VerifierTrainer.train(votes.features(), votes.labels(), Split.byGroup(votes.groups(), common.holdout, seed), layer,
                        common.options(seed, Double.NaN));
            } catch (IllegalArgumentException e) {
                throw new UsageException(common.data + ": " + e.getMessage());
            }
            HeadsOutput.writeMerged(common.out, null, r.head());
            VoteComparison.Accuracy acc = votes.heldOutAccuracy(r.head(), r.report().heldOut());
            if (common.json) {
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("layer", layer);
                extra.put("seed", seed);
                extra.put("held_out_questions", acc.questions());
                extra.put("weighted_vote_accuracy", acc.weighted());
                extra.put("majority_vote_accuracy", acc.majority());
                extra.put("greedy_accuracy", acc.greedy());
                out.print(JsonWriter.write(HeadsOutput.json("verifier", r.report(), common.out, extra)));
            } else {
                HeadsOutput.print(out, "verifier", "correct", "wrong", r.report(), common.out);
                out.printf(Locale.ROOT, "held-out questions %d: weighted vote %.4f, majority vote %.4f, greedy %s%n", acc.questions(),
                        acc.weighted(), acc.majority(), Double.isNaN(acc.greedy()) ? "n/a" : String.format(Locale.ROOT, "%.4f", acc.greedy()));
            }
        }
        return 0;
    }

    private AnswerExtractor extractor() {
        try {
            return reasoning.answerRegex == null ? AnswerExtractor.defaults() : AnswerExtractor.withRegex(reasoning.answerRegex);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--answer-regex: " + e.getMessage());
        }
    }

    /** One question's branches: text, extracted answer, label and features, through the pipeline with reasoning on. */
    private Map<String, Object> extract(Model m, PipelineSetup setup, Heads probe, TrainingData.Question q) throws java.io.IOException {
        ReasoningRequest.Builder b = reasoning.builder(reasoning.messages(q.question()), setup.adapters(), probe)
                .mode(ReasoningMode.ON).captureFeatures(true);
        if (q.labelled()) b.branches(1).forcedResponse(q.response());
        ReasoningResult r = m.reason(TrainSwitcherCommand.build(b), TokenListener.NONE);
        AnswerExtractor extractor = extractor();
        String gold = q.answer() == null ? null : AnswerNormalizer.normalize(q.answer());
        List<Object> branches = new ArrayList<>();
        List<Object> labels = new ArrayList<>();
        for (int k = 0; k < r.branches().size(); k++) {
            BranchResult br = r.branches().get(k);
            String answer = extractor.extract(br.text()).map(AnswerNormalizer::normalize).orElse(null);
            boolean correct = q.labelled() ? q.correct() : answer != null && answer.equals(gold);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("text", br.text());
            e.put("answer", answer);
            e.put("correct", correct);
            e.put("features", FeatureCache.encode(r.features().verifierHidden().get(k)));
            branches.add(e);
            labels.add(correct);
        }
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("labels", labels);
        item.put("branches", branches);
        if (!q.labelled() && !noGreedy) {
            ReasoningRequest greedy = TrainSwitcherCommand.build(reasoning.builder(reasoning.messages(q.question()), setup.adapters(), null)
                    .mode(ReasoningMode.ON).branches(1).sampling(reasoning.sampling.params().withTemperature(0f)));
            item.put("greedy_correct", gold.equals(m.reason(greedy, TokenListener.NONE).vote().answer().orElse(null)));
        }
        return item;
    }
}
