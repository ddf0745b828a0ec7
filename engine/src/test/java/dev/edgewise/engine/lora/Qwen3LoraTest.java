package dev.edgewise.engine.lora;

import dev.edgewise.engine.LogitsTrace;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelConfig;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.kv.KvType;
import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFWriter;
import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * LoRA on a Qwen3 model, whose queries are wider than the model (heads of 24, 4 of them, in a 64
 * wide model): PEFT and GGUF forms give the same logits on the fly, fusing gives them too, and the
 * per-head q/k norms are not adaptable.
 */
class Qwen3LoraTest {
    static final SyntheticShape SHAPE = SyntheticShape.qwen3("lora-qwen3", 2, 64, 4, 2, 24, 96, 300, true);
    static final int[] TOKENS = {5, 17, 290, 3, 3, 44, 100, 7, 299, 0, 12};

    @TempDir
    Path dir;

    static ModelOptions exact() {
        return ModelOptions.defaults().withThreads(2).withKvType(KvType.F32).withInt8Activations(false);
    }

    @Test
    void peftGgufAndFusedFormsGiveTheSameLogits() throws Exception {
        Path file = dir.resolve("m.gguf");
        SyntheticModels.write(SHAPE, GGMLType.Q8_0, 9, file);
        ModelConfig c;
        try (GGUFFile g = GGUFFile.open(file)) {
            c = ModelConfig.from(g);
        }
        SyntheticAdapter sa = new SyntheticAdapter(c, 4, 8, 11);
        Path peft = sa.writePeft(dir.resolve("peft"));
        Path gguf = dir.resolve("adapter.gguf");
        sa.gguf(8).write(gguf);

        float[][] onTheFly;
        try (Model m = Model.load(file, exact())) {
            LoraAdapter p = m.loadAdapter(peft, AdapterPrecision.F32), g = m.loadAdapter(gguf, AdapterPrecision.F32);
            assertThat(p.pair(0, LoraTarget.ATTN_Q).b().rows()).as("attn_q's B is qDim tall").isEqualTo(96);
            assertThat(p.pair(0, LoraTarget.ATTN_OUTPUT).a().cols()).as("attn_output's A is qDim wide").isEqualTo(96);
            onTheFly = m.logits(TOKENS, 0, List.of(new ScaledAdapter(p, 1f))).rows();
            LogitsTrace viaGguf = m.logits(TOKENS, 0, List.of(new ScaledAdapter(g, 1f)));
            LogitsTrace base = m.logits(TOKENS, 0);
            assertThat(maxDiff(onTheFly, viaGguf.rows())).isLessThan(1e-5);
            assertThat(maxDiff(onTheFly, base.rows())).as("the adapter changes the logits").isGreaterThan(1e-2);
        }
        try (Model m = Model.load(file, exact())) {
            m.fuseAdapters(List.of(new ScaledAdapter(m.loadAdapter(peft, AdapterPrecision.F32), 1f)), FusedPrecision.F32);
            float[][] fused = m.logits(TOKENS, 0).rows();
            assertThat(maxDiff(onTheFly, fused)).as("fused F32 vs on the fly").isLessThan(1e-4);
        }
    }

    @Test
    void qkNormsAreNotLoraTargetsAndAdaptersMustMatchTheArchitecture() throws Exception {
        ModelConfig c;
        Path file = dir.resolve("m.gguf");
        SyntheticModels.write(SHAPE, GGMLType.F32, 9, file);
        try (GGUFFile g = GGUFFile.open(file)) {
            c = ModelConfig.from(g);
        }
        SyntheticAdapter sa = new SyntheticAdapter(c, 4, 8, 11);
        Path normAdapter = dir.resolve("norm.gguf");
        GGUFWriter w = sa.gguf(8);
        w.addTensor("blk.0.attn_q_norm.weight.lora_a", GGMLType.F32, new long[]{24, 4}, new byte[24 * 4 * 4]);
        w.addTensor("blk.0.attn_q_norm.weight.lora_b", GGMLType.F32, new long[]{4, 24}, new byte[24 * 4 * 4]);
        w.write(normAdapter);
        assertThatThrownBy(() -> LoraAdapter.load(normAdapter, AdapterPrecision.F32)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("adapts 'attn_q_norm', which Edgewise cannot adapt");

        Path qwen2Adapter = dir.resolve("qwen2.gguf");
        sa.gguf(8).putString("general.architecture", "qwen2").write(qwen2Adapter);
        try (Model m = Model.load(file, exact())) {
            assertThatThrownBy(() -> m.loadAdapter(qwen2Adapter, AdapterPrecision.F32)).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("adapter is for architecture 'qwen2', but the model is 'qwen3'");
        }
    }

    static double maxDiff(float[][] a, float[][] b) {
        double m = 0;
        for (int r = 0; r < a.length; r++) for (int v = 0; v < a[r].length; v++) m = Math.max(m, Math.abs(a[r][v] - b[r][v]));
        return m;
    }
}
