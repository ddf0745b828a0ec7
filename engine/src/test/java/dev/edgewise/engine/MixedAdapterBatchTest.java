package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.KvType;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.DynamicLora;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One decode batch serving a base sequence, an adapter-A sequence and an adapter-B sequence. */
class MixedAdapterBatchTest {
    static final SyntheticShape SHAPE = new SyntheticShape("mix", 2, 64, 4, 2, 128, 400, true);
    static final int STEPS = 16;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = AdapterPrecision.class)
    void eachSequenceGetsTheTokensItGetsAlone(AdapterPrecision precision) throws Exception {
        Path file = dir.resolve("m.gguf");
        SyntheticModels.write(SHAPE, GGMLType.Q8_0, 31, file);
        try (GGUFFile g = GGUFFile.open(file); WorkerPool pool = new WorkerPool(2)) {
            ModelConfig c = ModelConfig.from(g);
            ModelWeights w = ModelWeights.from(g, c);
            try (LoraAdapter a = LoraAdapter.synthetic(c, 8, 16, 1, precision);
                 LoraAdapter b = LoraAdapter.synthetic(c, 32, 64, 2, precision)) {
                TransformerForward forward = new TransformerForward(c, w, pool, 8);
                DynamicLora lora = new DynamicLora(pool, c);
                forward.setDeltas(lora);
                int[] slots = {-1, lora.slot(List.of(new ScaledAdapter(a, 1f))), lora.slot(List.of(new ScaledAdapter(b, 0.7f)))};
                int[] prompt = {11, 200, 37, 5, 99, 300, 2};

                int[][] together = decode(forward, c, prompt, slots);
                for (int s = 0; s < 3; s++) {
                    int[][] alone = decode(forward, c, prompt, new int[]{slots[s]});
                    assertThat(together[s]).as("sequence with slot %d", slots[s]).isEqualTo(alone[0]);
                }
                assertThat(together[1]).as("the adapters change the output").isNotEqualTo(together[0]);
                assertThat(together[2]).isNotEqualTo(together[1]);
            }
        }
    }

    /** Greedy decoding of one sequence per slot, all in the same batches; returns each one's tokens. */
    private static int[][] decode(TransformerForward forward, ModelConfig c, int[] prompt, int[] slots) {
        PagedKvCache cache = new PagedKvCache(c, KvType.F16, 16, 16L << 20, 1024);
        int n = slots.length, vocab = c.vocabSize();
        KvSequence[] seqs = new KvSequence[n];
        ForwardBatch batch = new ForwardBatch(n * prompt.length);
        for (int s = 0; s < n; s++) {
            seqs[s] = cache.create();
            for (int i = 0; i < prompt.length; i++) batch.add(prompt[i], seqs[s], i == prompt.length - 1, slots[s]);
        }
        int[][] tokens = new int[n][STEPS];
        float[] logits = forward.forward(batch, cache);
        for (int step = 0; step < STEPS; step++) {
            batch.clear();
            for (int s = 0; s < n; s++) {
                tokens[s][step] = Sampler.argmax(logits, s * vocab, vocab);
                batch.add(tokens[s][step], seqs[s], true, slots[s]);
            }
            logits = forward.forward(batch, cache);
        }
        return tokens;
    }
}
