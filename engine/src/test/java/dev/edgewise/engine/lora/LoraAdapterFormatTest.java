package dev.edgewise.engine.lora;

import dev.edgewise.engine.ModelConfig;
import dev.edgewise.loader.GGUFWriter;
import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.quant.Float16;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Adapters the test writes itself: both formats, precisions, scales, and every way a file can be wrong. */
class LoraAdapterFormatTest {
    static final ModelConfig C = SyntheticAdapter.smallConfig();

    @TempDir
    Path dir;

    private SyntheticAdapter adapter() {
        return new SyntheticAdapter(C, 8, 16.0, 42);
    }

    @Test
    void peftAndGgufFormsHoldTheWrittenNumbers() throws IOException {
        SyntheticAdapter s = adapter();
        Path peft = s.writePeft(dir.resolve("my-adapter"));
        Path gguf = dir.resolve("a.gguf");
        s.gguf(16f).write(gguf);
        for (Path p : List.of(peft, peft.resolve("adapter_model.safetensors"), peft.resolve("adapter_config.json"), gguf)) {
            try (LoraAdapter a = LoraAdapter.load(p, AdapterPrecision.F32)) {
                a.validate(C);
                assertThat(a.rank()).isEqualTo(8);
                assertThat(a.alpha()).isEqualTo(16f);
                assertThat(a.rsLora()).isFalse();
                assertThat(a.scale(1f)).isEqualTo(2f);
                assertThat(a.scale(0.25f)).isEqualTo(0.5f);
                assertThat(a.pairs()).hasSize(2 * 7);
                assertThat(a.pair(2, LoraTarget.ATTN_Q)).isNull();
                assertThat(a.pair(-1, LoraTarget.ATTN_Q)).isNull();
                long bytes = 0;
                for (LoraPair pair : a.pairs()) {
                    assertThat(a.pair(pair.layer(), pair.target())).isSameAs(pair);
                    assertThat(pair.a().type()).isEqualTo(GGMLType.F32);
                    assertThat(AdapterStorage.dequantize(pair.a())).isEqualTo(s.a(pair.layer(), pair.target()));
                    assertThat(AdapterStorage.dequantize(pair.b())).isEqualTo(s.b(pair.layer(), pair.target()));
                    bytes += 4L * 8 * (pair.target().inDim(C) + pair.target().outDim(C));
                }
                assertThat(a.bytes()).isEqualTo(bytes);
                assertThat(a.name()).isEqualTo(p == gguf ? "synthetic-adapter" : "my-adapter");
                assertThat(a.format()).isEqualTo(p == gguf ? "gguf" : "peft");
            }
        }
    }

    @Test
    void f16AndBf16SafetensorsAreWidenedExactly() throws IOException {
        SyntheticAdapter s = adapter();
        String name = SyntheticAdapter.PEFT_PREFIX + "1.mlp.down_proj.lora_A.weight";
        float[] a = s.a(1, LoraTarget.FFN_DOWN);
        s.peft.put(name, SyntheticAdapter.Tensor.of(GGMLType.BF16, new long[]{8, 96}, a));
        String bName = SyntheticAdapter.PEFT_PREFIX + "1.mlp.down_proj.lora_B.weight";
        s.peft.put(bName, SyntheticAdapter.Tensor.of(GGMLType.F16, new long[]{64, 8}, s.b(1, LoraTarget.FFN_DOWN)));
        try (LoraAdapter ad = LoraAdapter.load(s.writePeft(dir.resolve("p")), AdapterPrecision.F32)) {
            LoraPair p = ad.pair(1, LoraTarget.FFN_DOWN);
            float[] got = AdapterStorage.dequantize(p.a());
            for (int i = 0; i < a.length; i++) assertThat(got[i]).isEqualTo(Float16.bf16ToFloat(Float16.floatToBf16(a[i])));
            float[] b = s.b(1, LoraTarget.FFN_DOWN), gotB = AdapterStorage.dequantize(p.b());
            for (int i = 0; i < b.length; i++) assertThat(gotB[i]).isEqualTo(Float16.toFloat(Float16.fromFloat(b[i])));
        }
    }

    @ParameterizedTest
    @EnumSource(AdapterPrecision.class)
    void precisionDecidesTheStorageTypeWithQ8_0FallingBackToF16ForShortRows(AdapterPrecision precision) throws IOException {
        SyntheticAdapter s = new SyntheticAdapter(C, 32, 32.0, 7); // rank 32: B rows are one Q8_0 block
        SyntheticAdapter s8 = adapter();                             // rank 8: B rows too short for Q8_0
        try (LoraAdapter a32 = LoraAdapter.load(s.writePeft(dir.resolve("r32")), precision);
             LoraAdapter a8 = LoraAdapter.load(s8.writePeft(dir.resolve("r8")), precision)) {
            GGMLType expectedA = switch (precision) { case F32 -> GGMLType.F32; case F16 -> GGMLType.F16; case Q8_0 -> GGMLType.Q8_0; };
            LoraPair p32 = a32.pair(0, LoraTarget.FFN_UP), p8 = a8.pair(0, LoraTarget.FFN_UP);
            assertThat(p32.a().type()).isEqualTo(expectedA);
            assertThat(p32.b().type()).isEqualTo(expectedA);
            assertThat(p8.a().type()).isEqualTo(expectedA);
            assertThat(p8.b().type()).isEqualTo(precision == AdapterPrecision.Q8_0 ? GGMLType.F16 : expectedA);
            long bytes = 0;
            for (LoraPair p : a8.pairs()) bytes += p.a().type().rowBytes(p.a().cols()) * 8 + p.b().type().rowBytes(8) * p.b().rows();
            assertThat(a8.bytes()).isEqualTo(bytes);
            // the stored numbers are the written ones, rounded to the storage type
            float[] a = s.a(0, LoraTarget.FFN_UP), got = AdapterStorage.dequantize(p32.a());
            double tol = switch (precision) { case F32 -> 0; case F16 -> 1e-3; case Q8_0 -> 0.01; };
            for (int i = 0; i < a.length; i++) assertThat((double) got[i]).isCloseTo(a[i], within(tol * Math.max(1, Math.abs(a[i]))));
        }
    }

    @Test
    void scaleFollowsRsLoraAndTheGgufAlphaZeroRule() throws IOException {
        SyntheticAdapter s = new SyntheticAdapter(C, 16, 8.0, 3);
        s.config.put("use_rslora", true);
        try (LoraAdapter a = LoraAdapter.load(s.writePeft(dir.resolve("rs")), AdapterPrecision.F32)) {
            assertThat(a.rsLora()).isTrue();
            assertThat(a.scale(1f)).isEqualTo(2f);       // 8 / sqrt(16)
            assertThat(a.scale(0.5f)).isEqualTo(1f);
        }
        Path g = dir.resolve("zero.gguf");
        s.gguf(0f).write(g);
        try (LoraAdapter a = LoraAdapter.load(g, AdapterPrecision.F32)) {
            assertThat(a.scale(0.7f)).isEqualTo(0.7f); // llama.cpp: alpha 0 means s = user_scale
        }
        s.config.put("use_rslora", false);
        s.config.put("lora_alpha", 0L);
        try (LoraAdapter a = LoraAdapter.load(s.writePeft(dir.resolve("zero-peft")), AdapterPrecision.F32)) {
            assertThat(a.scale(0.7f)).isEqualTo(0f);   // PEFT: alpha / r literally
        }
    }

    // ---- PEFT config ----

    private void assertPeftRejected(Consumer<SyntheticAdapter> edit, String... messageParts) throws IOException {
        SyntheticAdapter s = adapter();
        edit.accept(s);
        Path p = s.writePeft(Files.createTempDirectory(dir, "bad"));
        assertThatThrownBy(() -> LoraAdapter.load(p, AdapterPrecision.F32))
                .isInstanceOf(ModelFormatException.class)
                .message().contains(messageParts);
    }

    @Test
    void unsupportedPeftConfigsAreRejected() throws IOException {
        assertPeftRejected(s -> s.config.put("fan_in_fan_out", true), "adapter_config.json", "fan_in_fan_out");
        assertPeftRejected(s -> s.config.put("bias", "lora_only"), "adapter_config.json", "bias", "lora_only");
        assertPeftRejected(s -> s.config.put("modules_to_save", List.of("lm_head")), "modules_to_save", "lm_head");
        assertPeftRejected(s -> s.config.put("use_dora", true), "DoRA");
        assertPeftRejected(s -> s.config.put("target_modules", List.of("q_proj", "lm_head")), "target module \"lm_head\"");
        assertPeftRejected(s -> s.config.put("target_modules", List.of("embed_tokens")), "embed_tokens");
        assertPeftRejected(s -> s.config.put("peft_type", "LOHA"), "peft_type", "LOHA");
        assertPeftRejected(s -> s.config.remove("r"), "r is null");
        assertPeftRejected(s -> s.config.put("r", 0L), "r is 0");
        assertPeftRejected(s -> s.config.put("r", "8"), "r is \"8\"");
        assertPeftRejected(s -> s.config.remove("lora_alpha"), "lora_alpha");
        assertPeftRejected(s -> s.config.put("rank_pattern", Map.of("q_proj", 4L)), "rank_pattern");
        assertPeftRejected(s -> s.config.put("use_rslora", "yes"), "use_rslora");
        assertPeftRejected(s -> s.config.put("r", 4L), "rank 8", "r = 4");
    }

    @Test
    void configThatIsNotJsonNamesTheFile() throws IOException {
        Path p = adapter().writePeft(dir.resolve("p"));
        Files.writeString(p.resolve("adapter_config.json"), "{\"r\": 8,}");
        assertThatThrownBy(() -> LoraAdapter.load(p, AdapterPrecision.F32))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("adapter_config.json").hasMessageContaining("JSON");
    }

    // ---- PEFT tensors ----

    private static final String Q = SyntheticAdapter.PEFT_PREFIX + "0.self_attn.q_proj";

    @Test
    void badPeftTensorsAreRejectedNamingTheTensor() throws IOException {
        assertPeftRejected(s -> s.peft.put("base_model.model.lm_head.lora_A.weight",
                SyntheticAdapter.Tensor.f32(new long[]{8, 64}, new float[8 * 64])), "base_model.model.lm_head.lora_A.weight", "lm_head");
        assertPeftRejected(s -> s.peft.put("base_model.model.model.embed_tokens.lora_embedding_A",
                SyntheticAdapter.Tensor.f32(new long[]{8, 300}, new float[8 * 300])), "embed_tokens.lora_embedding_A");
        assertPeftRejected(s -> s.peft.put(SyntheticAdapter.PEFT_PREFIX + "0.mlp.q_proj.lora_A.weight",
                SyntheticAdapter.Tensor.f32(new long[]{8, 64}, new float[8 * 64])), "mlp.q_proj", "cannot adapt");
        assertPeftRejected(s -> s.peft.put(Q + ".lora_magnitude_vector",
                SyntheticAdapter.Tensor.f32(new long[]{64}, new float[64])), "lora_magnitude_vector", "DoRA");
        assertPeftRejected(s -> s.peft.put(Q + ".bias", SyntheticAdapter.Tensor.f32(new long[]{64}, new float[64])),
                "unexpected tensor", "q_proj.bias");
        assertPeftRejected(s -> s.peft.remove(Q + ".lora_B.weight"), Q + ".lora_A.weight", "no matching LoRA B");
        assertPeftRejected(s -> s.peft.put(Q + ".lora_A.default.weight", s.peft.get(Q + ".lora_A.weight")),
                "lora_A.weight", "lora_A.default.weight", "both");
        assertPeftRejected(s -> s.peft.put(Q + ".lora_B.weight", SyntheticAdapter.Tensor.f32(new long[]{64, 4}, new float[64 * 4])),
                "rank mismatch", "shape [64, 4]", "shape [8, 64]");
        assertPeftRejected(s -> s.peft.put(Q + ".lora_A.weight", SyntheticAdapter.Tensor.f32(new long[]{8, 64, 1}, new float[8 * 64])),
                Q + ".lora_A.weight", "[8, 64, 1]");
        assertPeftRejected(s -> s.peft.put(Q + ".lora_A.weight", new SyntheticAdapter.Tensor("I32", new long[]{8, 64}, new byte[8 * 64 * 4])),
                Q + ".lora_A.weight", "I32");
        assertPeftRejected(s -> {
            float[] a = s.a(0, LoraTarget.ATTN_Q).clone();
            a[70] = Float.NaN;
            s.peft.put(Q + ".lora_A.weight", SyntheticAdapter.Tensor.f32(new long[]{8, 64}, a));
        }, Q + ".lora_A.weight", "NaN", "row 1, column 6");
        assertPeftRejected(s -> s.peft.clear(), "no LoRA tensors");
    }

    @Test
    void valuesBeyondTheF16RangeAskForF32() throws IOException {
        SyntheticAdapter s = adapter();
        float[] a = s.a(0, LoraTarget.ATTN_Q).clone();
        a[3] = 1e6f;
        s.peft.put(Q + ".lora_A.weight", SyntheticAdapter.Tensor.f32(new long[]{8, 64}, a));
        Path p = s.writePeft(dir.resolve("big"));
        assertThatThrownBy(() -> LoraAdapter.load(p, AdapterPrecision.F16)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("F16 range").hasMessageContaining(Q + ".lora_A.weight");
        try (LoraAdapter ok = LoraAdapter.load(p, AdapterPrecision.F32)) {
            assertThat(AdapterStorage.dequantize(ok.pair(0, LoraTarget.ATTN_Q).a())[3]).isEqualTo(1e6f);
        }
    }

    @Test
    void missingPiecesOfAPeftDirectoryAreNamed() throws IOException {
        Path p = adapter().writePeft(dir.resolve("p"));
        Files.move(p.resolve("adapter_model.safetensors"), p.resolve("adapter_model.bin"));
        assertThatThrownBy(() -> LoraAdapter.load(p, AdapterPrecision.F32)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("adapter_model.safetensors").hasMessageContaining("adapter_model.bin");
        Path q = adapter().writePeft(dir.resolve("q"));
        Files.delete(q.resolve("adapter_config.json"));
        assertThatThrownBy(() -> LoraAdapter.load(q.resolve("adapter_model.safetensors"), AdapterPrecision.F32))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("adapter_config.json");
        Path other = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertThatThrownBy(() -> LoraAdapter.load(other, AdapterPrecision.F32)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("not a LoRA adapter");
        assertThatThrownBy(() -> LoraAdapter.load(dir.resolve("nothing.gguf"), AdapterPrecision.F32)).isInstanceOf(NoSuchFileException.class);
    }

    // ---- GGUF ----

    private void assertGgufRejected(Consumer<GGUFWriter> edit, String... messageParts) throws IOException {
        GGUFWriter w = adapter().gguf(16f);
        edit.accept(w);
        Path p = Files.createTempFile(dir, "bad", ".gguf");
        w.write(p);
        assertThatThrownBy(() -> LoraAdapter.load(p, AdapterPrecision.F32))
                .isInstanceOf(ModelFormatException.class)
                .message().contains(p.getFileName().toString()).contains(messageParts);
    }

    @Test
    void badGgufAdaptersAreRejected() throws IOException {
        assertGgufRejected(w -> w.putString("general.type", "model"), "general.type", "'model'");
        assertGgufRejected(w -> w.putString("adapter.type", "control_vector"), "adapter.type");
        assertGgufRejected(w -> w.addTensor("output.weight.lora_a", GGMLType.F32, new long[]{64, 8}, new byte[64 * 8 * 4]),
                "output.weight.lora_a", "token_embd or output");
        assertGgufRejected(w -> w.addTensor("blk.0.attn_norm.weight.lora_a", GGMLType.F32, new long[]{64, 8}, new byte[64 * 8 * 4]),
                "blk.0.attn_norm.weight.lora_a", "attn_norm");
        assertGgufRejected(w -> w.addTensor("blk.2.attn_q.weight.lora_a", GGMLType.F32, new long[]{64, 8}, new byte[64 * 8 * 4]),
                "blk.2.attn_q.weight.lora_a", "no matching LoRA B");
        assertGgufRejected(w -> w.addTensor("token_embd.weight", GGMLType.F32, new long[]{64, 300}, new byte[64 * 300 * 4]),
                "unexpected tensor 'token_embd.weight'");
        assertGgufRejected(w -> w.addTensor("blk.2.attn_q.weight.lora_a", GGMLType.F32, new long[]{64, 8, 2}, new byte[64 * 16 * 4]),
                "blk.2.attn_q.weight.lora_a", "[64, 8, 2]");
    }

    @Test
    void quantizedGgufFactorsAreDequantizedExactly() throws IOException {
        SyntheticAdapter s = adapter();
        float[] a = s.a(1, LoraTarget.ATTN_V), b = s.b(1, LoraTarget.ATTN_V);
        byte[] aQ8 = dev.edgewise.quant.Quantize.quantize(GGMLType.Q8_0, a), bF16 = dev.edgewise.quant.Quantize.quantize(GGMLType.F16, b);
        // rebuild the GGUF with blk.1.attn_v in Q8_0 (A) and F16 (B), as convert_lora_to_gguf --outtype q8_0 writes them
        GGUFWriter w = new GGUFWriter().putString("general.architecture", "qwen2").putString("general.type", "adapter")
                .putString("adapter.type", "lora").putFloat32("adapter.lora.alpha", 16f);
        w.addTensor("blk.1.attn_v.weight.lora_a", GGMLType.Q8_0, new long[]{64, 8}, aQ8);
        w.addTensor("blk.1.attn_v.weight.lora_b", GGMLType.F16, new long[]{8, 32}, bF16);
        Path p = dir.resolve("q.gguf");
        w.write(p);
        try (LoraAdapter ad = LoraAdapter.load(p, AdapterPrecision.F32)) {
            ad.validate(C);
            assertThat(ad.pairs()).hasSize(1);
            assertThat(ad.name()).isEqualTo("q");
            LoraPair pair = ad.pair(1, LoraTarget.ATTN_V);
            float[] expectedA = new float[a.length], expectedB = new float[b.length];
            dev.edgewise.quant.Dequantize.row(GGMLType.Q8_0, java.lang.foreign.MemorySegment.ofArray(aQ8), 0, expectedA, 0, a.length);
            dev.edgewise.quant.Dequantize.row(GGMLType.F16, java.lang.foreign.MemorySegment.ofArray(bF16), 0, expectedB, 0, b.length);
            assertThat(AdapterStorage.dequantize(pair.a())).isEqualTo(expectedA);
            assertThat(AdapterStorage.dequantize(pair.b())).isEqualTo(expectedB);
            assertThat(ad.pair(0, LoraTarget.ATTN_V)).isNull();
            assertThat(ad.pair(2, LoraTarget.ATTN_V)).isNull();
        }
    }

    @Test
    void implausibleLayerIndicesAreRejectedAtLoad() throws IOException {
        assertGgufRejected(w -> {
            w.addTensor("blk.999999999.attn_q.weight.lora_a", GGMLType.F32, new long[]{64, 8}, new byte[64 * 8 * 4]);
            w.addTensor("blk.999999999.attn_q.weight.lora_b", GGMLType.F32, new long[]{8, 64}, new byte[64 * 8 * 4]);
        }, "blk.999999999.attn_q.weight.lora_", "layer 999999999");
    }

    @Test
    void validateRejectsAdaptersForAnotherModel() throws IOException {
        SyntheticAdapter s = adapter();
        Path gguf = dir.resolve("a.gguf");
        s.gguf(16f).write(gguf);
        Path peft = s.writePeft(dir.resolve("p"));
        ModelConfig wider = new ModelConfig("wider", 2, 128, 4, 2, 32, 96, 300, 512, 1e6f, 1e-6f, true);
        ModelConfig oneLayer = new ModelConfig("shallow", 1, 64, 4, 2, 16, 96, 300, 512, 1e6f, 1e-6f, true);
        ModelConfig widerFfn = new ModelConfig("wide-ffn", 2, 64, 4, 2, 16, 128, 300, 512, 1e6f, 1e-6f, true);
        try (LoraAdapter g = LoraAdapter.load(gguf, AdapterPrecision.F32); LoraAdapter p = LoraAdapter.load(peft, AdapterPrecision.F32)) {
            assertThatThrownBy(() -> g.validate(wider)).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("a.gguf").hasMessageContaining("'blk.0.attn_q.weight.lora_a' has ne [64, 8], expected ne [128, 8]");
            assertThatThrownBy(() -> p.validate(wider)).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("adapter_model.safetensors")
                    .hasMessageContaining("'" + Q + ".lora_A.weight' has shape [8, 64], expected shape [8, 128]");
            assertThatThrownBy(() -> p.validate(widerFfn)).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("'" + SyntheticAdapter.PEFT_PREFIX + "0.mlp.gate_proj.lora_B.weight' has shape [96, 8], expected shape [128, 8]");
            assertThatThrownBy(() -> g.validate(oneLayer)).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("'blk.1.attn_q.weight.lora_a' adapts layer 1").hasMessageContaining("only 1 layers");
        }
        GGUFWriter llama = s.gguf(16f).putString("general.architecture", "llama");
        llama.write(dir.resolve("llama.gguf"));
        try (LoraAdapter l = LoraAdapter.load(dir.resolve("llama.gguf"), AdapterPrecision.F32)) {
            assertThatThrownBy(() -> l.validate(C)).isInstanceOf(ModelFormatException.class).hasMessageContaining("'llama'");
        }
    }

    @Test
    void closeFreesTheFactors() throws IOException {
        LoraAdapter a = LoraAdapter.load(adapter().writePeft(dir.resolve("p")), AdapterPrecision.Q8_0);
        LoraPair p = a.pairs().getFirst();
        p.a().data().get(ValueLayout.JAVA_BYTE, 0);
        a.close();
        a.close();
        assertThatThrownBy(() -> p.a().data().get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }
}
