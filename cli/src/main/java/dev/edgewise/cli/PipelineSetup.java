package dev.edgewise.cli;

import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/**
 * The model, reasoning adapter and heads of a pipeline command ({@code reason}, {@code eval},
 * {@code demo}). Without {@code --model}, random stand-ins fill in: the embedded synthetic model, a
 * synthetic rank-16 adapter and synthetic heads, and branches open their thinking section themselves.
 */
record PipelineSetup(Model model, List<ScaledAdapter> adapters, Heads heads, boolean synthetic) implements AutoCloseable {
    static final int SYNTHETIC_RANK = 16;

    static PipelineSetup open(ModelOptionsMixin model, LoraOptionsMixin lora, ReasoningOptionsMixin reasoning, PrintWriter err)
            throws IOException {
        if ("fused".equalsIgnoreCase(lora.mode)) {
            throw new UsageException("the reasoning pipeline needs --lora-mode dynamic: the adapter is switched on per sequence");
        }
        boolean synthetic = model.model == null;
        if (synthetic) reasoning.openThinking = true; // random weights never open a thinking section themselves
        ModelOptions options = model.options();
        if (reasoning.maxBranches() > options.batchSize()) options = options.withBatchSize(reasoning.maxBranches());
        Model m = model.load(err, options);
        try {
            List<ScaledAdapter> adapters;
            if (synthetic && lora.lora.isEmpty()) {
                LoraAdapter a = m.addAdapter(LoraAdapter.synthetic(m.config(), SYNTHETIC_RANK, 2 * SYNTHETIC_RANK, 7, AdapterPrecision.F16));
                err.println("edgewise: using a synthetic rank-" + SYNTHETIC_RANK + " LoRA adapter and synthetic switcher/verifier heads (random weights)");
                adapters = List.of(new ScaledAdapter(a, 1f));
            } else {
                adapters = lora.apply(m, AdapterPrecision.F16);
            }
            Heads heads = reasoning.heads != null ? reasoning.loadHeads() : synthetic ? Heads.synthetic(m.config().dim(), 11) : null;
            return new PipelineSetup(m, adapters, heads, synthetic);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
