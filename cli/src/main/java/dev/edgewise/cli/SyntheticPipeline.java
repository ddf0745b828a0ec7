package dev.edgewise.cli;

import dev.edgewise.engine.Model;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;

import java.io.PrintWriter;
import java.util.List;

/** The random stand-ins used when no model is given: the embedded model, a LoRA adapter and heads. */
final class SyntheticPipeline {
    static final int RANK = 16;

    private SyntheticPipeline() {}

    static List<ScaledAdapter> adapter(Model m, PrintWriter err) {
        LoraAdapter a = m.addAdapter(LoraAdapter.synthetic(m.config(), RANK, 2 * RANK, 7, AdapterPrecision.F16));
        err.println("edgewise: using a synthetic rank-" + RANK + " LoRA adapter and synthetic switcher/verifier heads (random weights)");
        return List.of(new ScaledAdapter(a, 1f));
    }

    static Heads heads(Model m) {
        return Heads.synthetic(m.config().dim(), 11);
    }
}
