package dev.edgewise.engine;

import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFTensor;
import dev.edgewise.loader.GGUFValue;
import dev.edgewise.loader.GGUFWriter;
import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.loader.testing.Fixtures;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Qwen3 files (fixtures README §8, §9): what the loader reads from them, greedy generation on the
 * dumps' prompts, and clear refusals of malformed files. The logits themselves are checked against
 * both references by {@link ReferenceLogitsTest}, which covers every dump in {@code ref/}.
 */
class Qwen3ModelTest {
    @TempDir
    Path dir;

    @Test
    void fixtureModelsAreQwen3WithHeadsWiderOrNarrowerThanTheirShare() throws IOException {
        ModelConfig tiny = config(Fixtures.path("models/tiny-qwen3-f32.gguf"));
        assertThat(tiny.architecture()).isEqualTo(Architecture.QWEN3);
        assertThat(new int[]{tiny.dim(), tiny.nHeads(), tiny.nKvHeads(), tiny.headDim(), tiny.qDim(), tiny.kvDim()})
                .containsExactly(64, 4, 2, 32, 128, 64);
        assertThat(tiny.tiedOutput()).isTrue();
        ModelConfig hd = config(Fixtures.path("models/small-qwen3-hd-q4_0.gguf"));
        assertThat(new int[]{hd.dim(), hd.headDim(), hd.qDim(), hd.kvDim(), hd.ffnDim()}).containsExactly(128, 48, 192, 96, 384);
        assertThat(hd.tiedOutput()).isFalse();
        assertThat(hd.headDim()).isNotEqualTo(hd.dim() / hd.nHeads());
        assertThat(config(Fixtures.path("models/small-f32.gguf")).architecture()).isEqualTo(Architecture.QWEN2);
    }

    /** Greedy generation from each dump's prompt ids follows llama.cpp's tokens up to where the exact reference itself leaves them. */
    @TestFactory
    Stream<DynamicTest> greedyGenerationFollowsTheDumps() throws IOException {
        return ReferenceDump.all(Fixtures.root(), "ref").stream().filter(d -> d.name().contains("qwen3")).map(d -> DynamicTest.dynamicTest(d.name(), () -> {
            int[] expected = d.ints("generated_tokens");
            Object diverges = d.diff().get("exact_greedy_diverges_at_generated_index");
            int agree = diverges == null ? expected.length : ((Number) diverges).intValue();
            try (Model model = Model.load(d.model(), ReferenceLogitsTest.exactOptions())) {
                GenerationResult r = model.generate(GenerationRequest.tokens(d.ints("prompt_tokens")).maxTokens(expected.length)
                        .sampling(SamplingParams.defaults(1).withTemperature(0f)).ignoreEndOfGeneration(true).build(), TokenListener.NONE);
                assertThat(Arrays.copyOf(r.tokens(), agree)).as("%s: the first %d generated tokens", d.name(), agree)
                        .containsExactly(Arrays.copyOf(expected, agree));
            }
        }));
    }

    /**
     * Branches on Qwen3 files with the default options (Q4_0 on the packed integer kernel, F16 KV):
     * each of 4 branches decoded together samples what it samples alone.
     */
    @ParameterizedTest
    @ValueSource(strings = {"small-qwen3-hd-q4_0", "tiny-qwen3-q4_k_m"})
    void branchesDecodeTheSameTokensTogetherAsAlone(String name) throws IOException {
        SamplingParams sampling = SamplingParams.defaults(11).withTemperature(0.9f);
        try (Model m = Model.load(Fixtures.path("models/" + name + ".gguf"), ModelOptions.defaults().withThreads(2))) {
            GenerationRequest.Builder request = GenerationRequest.prompt("Hello, my name is").maxTokens(12).ignoreEndOfGeneration(true);
            GenerationResult four = m.generate(request.branches(4).sampling(sampling).build(), TokenListener.NONE);
            assertThat(four.branches().stream().map(b -> Arrays.toString(b.tokens())).distinct().count()).isGreaterThan(1);
            for (int i = 0; i < 4; i++) {
                GenerationResult alone = m.generate(request.branches(1).sampling(sampling.withSeed(sampling.seed() + i)).build(), TokenListener.NONE);
                assertThat(four.branches().get(i).tokens()).as("%s branch %d", name, i).containsExactly(alone.tokens());
            }
            assertThat(m.kvCache().pool().usedBlocks()).isZero();
        }
    }

    /** The reasoning pipeline on a Qwen3 file: switcher and verifier heads on its hidden states, an adapter on its q width. */
    @Test
    void theReasoningPipelineRunsWithHeadsAndAnAdapter() throws IOException {
        try (Model m = Model.load(Fixtures.path("models/tiny-qwen3-q8_0.gguf"), ModelOptions.defaults().withThreads(2))) {
            LoraAdapter a = m.addAdapter(LoraAdapter.synthetic(m.config(), 4, 8, 3, AdapterPrecision.F16));
            ReasoningRequest.Builder request = ReasoningRequest.builder(List.of(new ChatTemplate.Message("user", "What is 2 + 3?")))
                    .heads(Heads.synthetic(m.config().dim(), 5)).adapters(List.of(new ScaledAdapter(a, 1f))).branches(3).maxTokens(8)
                    .sampling(SamplingParams.defaults(2));
            ReasoningResult auto = m.reason(request.mode(ReasoningMode.AUTO).build(), TokenListener.NONE);
            assertThat(auto.decidedBy()).isEqualTo("switcher");
            assertThat(auto.switchProbability()).isBetween(0.0, 1.0);
            ReasoningResult on = m.reason(request.mode(ReasoningMode.ON).build(), TokenListener.NONE);
            assertThat(on.branches()).hasSize(3);
            assertThat(on.verifierScores()).hasSize(3).allSatisfy(score -> assertThat(score).isBetween(0.0, 1.0));
            assertThat(on.switchProbability()).as("the same prompt, the same base prefill").isEqualTo(auto.switchProbability());
            assertThat(m.kvCache().pool().usedBlocks()).isZero();
        }
    }

    @Test
    void anUnknownArchitectureIsNamedWithTheOnesThatRun() throws IOException {
        Path f = rewrite("tiny-qwen3-f32.gguf", (k, v) -> k.equals("general.architecture") ? GGUFValue.string("llama") : v, null);
        assertThatThrownBy(() -> Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("general.architecture is 'llama'").hasMessageContaining("'qwen2'").hasMessageContaining("'qwen3' (Qwen3)");
    }

    @Test
    void aMissingQkNormIsNamed() throws IOException {
        Path f = rewrite("tiny-qwen3-f32.gguf", null, (t, data) -> t.name().equals("blk.1.attn_k_norm.weight") ? null : data);
        assertThatThrownBy(() -> Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'blk.1.attn_k_norm.weight' is missing").hasMessageContaining("'qwen3'");
    }

    @Test
    void aMisShapedQkNormIsNamed() throws IOException {
        Path f = dir.resolve("bad.gguf");
        try (GGUFFile src = GGUFFile.open(Fixtures.path("models/tiny-qwen3-f32.gguf"))) {
            GGUFWriter w = new GGUFWriter();
            for (Map.Entry<String, GGUFValue> e : src.metadata().entrySet()) w.put(e.getKey(), e.getValue());
            for (GGUFTensor t : src.tensors()) {
                if (t.name().equals("blk.0.attn_q_norm.weight")) w.addTensor(t.name(), GGMLType.F32, new long[]{16}, src.data(t).asSlice(0, 64));
                else w.addTensor(t.name(), t.type(), t.ne(), src.data(t));
            }
            w.write(f);
        }
        assertThatThrownBy(() -> Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'blk.0.attn_q_norm.weight' has shape [16], expected [32]");
    }

    @Test
    void keysAndValuesOfDifferentWidthsAreRefused() throws IOException {
        Path f = rewrite("tiny-qwen3-f32.gguf", (k, v) -> k.equals("qwen3.attention.value_length") ? GGUFValue.uint32(16) : v, null);
        assertThatThrownBy(() -> Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("qwen3.attention.value_length = 16 differs from the key head dimension 32");
    }

    @Test
    void aTensorOfAnotherArchitectureIsRefused() throws IOException {
        // a qwen2 file carrying a q norm: run as qwen2 it would be silently ignored
        Path f = dir.resolve("extra.gguf");
        try (GGUFFile src = GGUFFile.open(Fixtures.path("models/nano-f32.gguf"))) {
            GGUFWriter w = new GGUFWriter();
            for (Map.Entry<String, GGUFValue> e : src.metadata().entrySet()) w.put(e.getKey(), e.getValue());
            for (GGUFTensor t : src.tensors()) w.addTensor(t.name(), t.type(), t.ne(), src.data(t));
            w.addTensor("blk.0.attn_q_norm.weight", GGMLType.F32, new long[]{16}, new byte[64]);
            w.write(f);
        }
        assertThatThrownBy(() -> Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("unexpected tensor 'blk.0.attn_q_norm.weight' for architecture 'qwen2'");
    }

    /** A copy of a fixture model with metadata values and tensor data replaced (null drops the entry). */
    private Path rewrite(String model, BiFunction<String, GGUFValue, GGUFValue> meta, BiFunction<GGUFTensor, MemorySegment, MemorySegment> tensors)
            throws IOException {
        Path out = dir.resolve("rewritten-" + model);
        try (GGUFFile src = GGUFFile.open(Fixtures.path("models/" + model))) {
            GGUFWriter w = new GGUFWriter();
            for (Map.Entry<String, GGUFValue> e : src.metadata().entrySet()) {
                GGUFValue v = meta == null ? e.getValue() : meta.apply(e.getKey(), e.getValue());
                if (v != null) w.put(e.getKey(), v);
            }
            for (GGUFTensor t : src.tensors()) {
                MemorySegment data = tensors == null ? src.data(t) : tensors.apply(t, src.data(t));
                if (data != null) w.addTensor(t.name(), t.type(), t.ne(), data);
            }
            w.write(out);
        }
        return out;
    }

    private static ModelConfig config(Path file) throws IOException {
        try (GGUFFile f = GGUFFile.open(file)) {
            return ModelConfig.from(f);
        }
    }
}
