package dev.edgewise.cli;

import dev.edgewise.engine.Model;
import dev.edgewise.engine.ReasoningMode;
import dev.edgewise.engine.ReasoningRequest;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.heads.Pooling;
import dev.edgewise.engine.heads.SwitcherHead;
import dev.edgewise.engine.heads.train.Split;
import dev.edgewise.engine.heads.train.SwitcherTrainer;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.vote.AnswerNormalizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code edgewise train-heads switcher}: pooled prompt hidden states, read by the pipeline's own prefill and
 * pooler (a probe switcher at the requested layer and pooling, in {@code auto} mode, so the prompt is the one
 * the real switcher sees), then the paper's MLP.
 */
@Command(name = "switcher", mixinStandardHelpOptions = true,
        description = "Train the switcher MLP on prompts labelled reason/direct (or labelled by correctness).")
final class TrainSwitcherCommand implements Callable<Integer> {
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

    @Option(names = "--pooling", paramLabel = "P", defaultValue = "ema", description = "mean, ema or last (default: ${DEFAULT-VALUE})")
    String pooling;

    @Option(names = "--chunk", paramLabel = "N", defaultValue = "128", description = "EMA chunk in tokens (default: ${DEFAULT-VALUE})")
    int chunk;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "0.5", description = "EMA weight of the newest chunk (default: ${DEFAULT-VALUE})")
    float alpha;

    @Option(names = "--target-recall", paramLabel = "R", description = "threshold: the highest one reaching this held-out recall of 'reason' (default: maximum accuracy)")
    Double targetRecall;

    @Option(names = "--label-by-correctness", description = "label each prompt by running it without and with reasoning: 'reason' where only reasoning is right (needs \"answer\")")
    boolean byCorrectness;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Pooling p;
        try {
            p = Pooling.parse(pooling);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--pooling: " + e.getMessage());
        }
        if (layer < -1) throw new UsageException("--layer " + layer + " must be -1 or a block index");
        if (chunk < 1 || !(alpha > 0 && alpha <= 1)) throw new UsageException("--chunk must be >= 1 and --alpha in (0, 1]");
        List<TrainingData.Prompt> prompts = TrainingData.prompts(common.data, byCorrectness);
        long seed = reasoning.sampling.resolvedSeed();
        try (PipelineSetup setup = PipelineSetup.open(model, lora, reasoning, err)) {
            Model m = setup.model();
            int dim = m.config().dim();
            if (layer >= m.config().nLayers()) throw new UsageException("--layer " + layer + ": the model has " + m.config().nLayers() + " blocks");
            // a probe: zero weights (p = 0.5) and threshold 1, so auto mode reads the features and answers directly
            int h = SwitcherTrainer.HIDDEN;
            Heads probe = Heads.of(new SwitcherHead(layer, p, chunk, alpha, 1f, new float[h * dim], new float[h], new float[h], 0f, dim, h), null);
            String settings = String.join(" | ", m.config().name(), String.valueOf(model.model), lora.lora.toString(), "layer " + layer,
                    p.key(), "chunk " + chunk, "alpha " + alpha, "by correctness " + byCorrectness, "seed " + seed,
                    "cell " + reasoning.single().key(), "system " + reasoning.system);
            float[][] features = new float[prompts.size()][];
            boolean[] labels = new boolean[prompts.size()];
            try (FeatureCache cache = FeatureCache.open(common.cacheFile("switcher"), "switcher", settings)) {
                if (cache.size() > 0) err.printf(Locale.ROOT, "edgewise: resuming: %d of %d prompts already in %s%n", cache.size(), prompts.size(), cache.file());
                for (int i = 0; i < prompts.size(); i++) {
                    String key = Integer.toString(i);
                    Map<String, Object> item = cache.get(key);
                    if (item == null) {
                        item = extract(m, setup, probe, prompts.get(i));
                        cache.put(key, item);
                        if (!common.json) err.printf(Locale.ROOT, "[%d/%d] %s%n", i + 1, prompts.size(), item.get("label"));
                    }
                    features[i] = FeatureCache.decode(item.get("features"), cache.file() + " item " + key);
                    labels[i] = "reason".equals(item.get("label"));
                }
            }
            SwitcherTrainer.Result r;
            try {
                r = SwitcherTrainer.train(features, labels, Split.byRow(prompts.size(), common.holdout, seed), layer, p, chunk, alpha,
                        common.options(seed, targetRecall == null ? Double.NaN : targetRecall));
            } catch (IllegalArgumentException e) {
                throw new UsageException(common.data + ": " + e.getMessage());
            }
            HeadsOutput.writeMerged(common.out, r.head(), null);
            if (common.json) {
                List<Object> held = new ArrayList<>();
                for (int k = 0; k < r.report().heldOut().length; k++) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("item", r.report().heldOut()[k]);
                    e.put("label", labels[r.report().heldOut()[k]] ? "reason" : "direct");
                    e.put("probability", r.report().heldOutScores()[k]);
                    held.add(e);
                }
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("layer", layer);
                extra.put("pooling", p.key());
                extra.put("seed", seed);
                extra.put("held_out", held);
                out.print(JsonWriter.write(HeadsOutput.json("switcher", r.report(), common.out, extra)));
            } else {
                HeadsOutput.print(out, "switcher", "reason", "direct", r.report(), common.out);
            }
        }
        return 0;
    }

    /** Reads one prompt's pooled features (and, by correctness, its label) through the pipeline. */
    private Map<String, Object> extract(Model m, PipelineSetup setup, Heads probe, TrainingData.Prompt prompt) throws java.io.IOException {
        List<ChatTemplate.Message> messages = prompt.messages() != null ? prompt.messages() : reasoning.messages(prompt.question());
        ReasoningRequest.Builder auto = reasoning.builder(messages, setup.adapters(), probe).mode(ReasoningMode.AUTO).captureFeatures(true);
        if (!byCorrectness) auto.maxTokens(1); // only the prefill matters
        ReasoningResult direct = m.reason(build(auto), TokenListener.NONE);
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("features", FeatureCache.encode(direct.features().switcherPooled()));
        if (byCorrectness) {
            String gold = AnswerNormalizer.normalize(prompt.answer());
            boolean directRight = gold.equals(direct.vote().answer().orElse(null));
            ReasoningResult reasoned = m.reason(build(reasoning.builder(messages, setup.adapters(), probe).mode(ReasoningMode.ON)), TokenListener.NONE);
            boolean reasonRight = gold.equals(reasoned.vote().answer().orElse(null));
            item.put("direct_correct", directRight);
            item.put("reason_correct", reasonRight);
            item.put("label", reasonRight && !directRight ? "reason" : "direct");
        } else {
            item.put("label", prompt.reason() ? "reason" : "direct");
        }
        return item;
    }

    static ReasoningRequest build(ReasoningRequest.Builder b) {
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
