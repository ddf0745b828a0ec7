package dev.edgewise.loader;

import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.testing.Fixtures;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The reader on the shared fixtures, checked against the values documented in their README and MODELS.json. */
class GGUFFixtureTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static Stream<String> models() throws IOException {
        Path dir = Fixtures.path("models");
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".gguf")).sorted().toList().stream();
        }
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest
    @MethodSource("models")
    void modelMatchesManifest(String file) throws IOException {
        Map<String, Object> manifest = (Map<String, Object>) ((Map<String, Object>) Json.parse(
                Files.readString(Fixtures.path("models/MODELS.json")))).get("models/" + file);
        assertThat(manifest).as("MODELS.json entry for " + file).isNotNull();
        Path path = Fixtures.path("models/" + file);
        try (GGUFFile f = GGUFFile.open(path)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.alignment()).isEqualTo(32);
            assertThat(f.dataOffset() % 32).isZero();
            assertThat(f.segment().byteSize()).isEqualTo(((Number) manifest.get("bytes")).longValue());
            String arch = (String) manifest.getOrDefault("architecture", "qwen2"); // qwen3 files: README §8
            assertThat(f.getString("general.architecture")).isEqualTo(arch);
            assertThat(f.getString("general.type")).isEqualTo("model");
            assertThat(f.getString("general.name")).isEqualTo(manifest.get("name"));
            assertThat(f.getInt("general.file_type")).isEqualTo(((Number) manifest.get("file_type")).intValue());
            int nEmbd = num(manifest, "n_embd"), nLayer = num(manifest, "n_layer"), nHead = num(manifest, "n_head");
            int nHeadKv = num(manifest, "n_head_kv"), nFf = num(manifest, "n_ff"), nVocab = num(manifest, "n_vocab");
            int headDim = num(manifest, "head_dim");
            assertThat(f.getInt(arch + ".embedding_length")).isEqualTo(nEmbd);
            assertThat(f.getInt(arch + ".block_count")).isEqualTo(nLayer);
            assertThat(f.getInt(arch + ".feed_forward_length")).isEqualTo(nFf);
            assertThat(f.getInt(arch + ".attention.head_count")).isEqualTo(nHead);
            assertThat(f.getInt(arch + ".attention.head_count_kv")).isEqualTo(nHeadKv);
            assertThat(f.getInt(arch + ".context_length")).isEqualTo(32768);
            assertThat(f.getFloat(arch + ".rope.freq_base")).isEqualTo(1e6f);
            assertThat(f.getFloat(arch + ".attention.layer_norm_rms_epsilon")).isEqualTo(1e-6f);
            if (arch.equals("qwen3")) {
                assertThat(f.getInt("qwen3.attention.key_length")).isEqualTo(headDim);
                assertThat(f.getInt("qwen3.attention.value_length")).isEqualTo(headDim);
            }
            assertThat(f.getStringArray("tokenizer.ggml.tokens")).hasSize(nVocab);
            assertThat(f.getString("tokenizer.ggml.model")).isEqualTo("gpt2");

            Map<String, Object> types = (Map<String, Object>) manifest.get("tensor_types");
            boolean tied = (Boolean) manifest.get("tied");
            assertThat(f.tensors()).hasSize(types.size());
            assertThat(f.tensor("output.weight") == null).isEqualTo(tied);
            for (var e : types.entrySet()) {
                GGUFTensor t = f.requireTensor(e.getKey());
                assertThat(t.type().name()).as(t.name()).isEqualTo(e.getValue());
                assertThat(t.ne()).as(t.name()).isEqualTo(expectedNe(t.name(), nVocab, nEmbd, nHead, nHeadKv, headDim, nFf));
                assertThat(t.byteSize()).isEqualTo(t.type().rowBytes(t.ne()[0]) * t.rows());
                assertThat(f.data(t).byteSize()).isEqualTo(t.byteSize());
            }
            // F32 norm weights are 1 + 0.1 N(0,1): a sanity check that data slices point at the right bytes
            GGUFTensor norm = f.requireTensor("output_norm.weight");
            MemorySegment d = f.data(norm);
            for (int i = 0; i < nEmbd; i++) assertThat(d.getAtIndex(F32, i)).isBetween(0.3f, 1.7f);
        }
    }

    private static int num(Map<String, Object> m, String k) {
        return ((Number) m.get(k)).intValue();
    }

    /** ggml ne = [in, out] for matrices, per the fixture README. */
    private static long[] expectedNe(String name, int nVocab, int nEmbd, int nHead, int nHeadKv, int headDim, int nFf) {
        String base = name.replaceFirst("^blk\\.\\d+\\.", "");
        int q = nHead * headDim, kv = nHeadKv * headDim;
        return switch (base) {
            case "token_embd.weight", "output.weight" -> new long[] {nEmbd, nVocab};
            case "attn_norm.weight", "ffn_norm.weight", "output_norm.weight" -> new long[] {nEmbd};
            case "attn_q.weight" -> new long[] {nEmbd, q};
            case "attn_k.weight", "attn_v.weight" -> new long[] {nEmbd, kv};
            case "attn_q.bias" -> new long[] {q};
            case "attn_k.bias", "attn_v.bias" -> new long[] {kv};
            case "attn_output.weight" -> new long[] {q, nEmbd};
            case "attn_q_norm.weight", "attn_k_norm.weight" -> new long[] {headDim};
            case "ffn_gate.weight", "ffn_up.weight" -> new long[] {nEmbd, nFf};
            case "ffn_down.weight" -> new long[] {nFf, nEmbd};
            default -> throw new AssertionError("unexpected tensor " + name);
        };
    }

    @Test
    void qwen2Vocabulary() throws IOException {
        try (GGUFFile f = GGUFFile.open(Fixtures.path("tokenizer/qwen2-vocab.gguf"))) {
            assertThat(f.tensors()).isEmpty();
            assertThat(f.getString("tokenizer.ggml.model")).isEqualTo("gpt2");
            assertThat(f.getString("tokenizer.ggml.pre")).isEqualTo("qwen2");
            String[] tokens = f.getStringArray("tokenizer.ggml.tokens");
            assertThat(tokens).hasSize(151_936);
            assertThat(f.getStringArray("tokenizer.ggml.merges")).hasSize(151_387);
            int[] types = f.getIntArray("tokenizer.ggml.token_type");
            assertThat(types).hasSize(151_936);
            assertThat(types[0]).isEqualTo(1);
            assertThat(types[151_643]).isEqualTo(3);
            assertThat(types[151_657]).isEqualTo(4);
            assertThat(types[151_935]).isEqualTo(5);
            assertThat(tokens[151_643]).isEqualTo("<|endoftext|>");
            assertThat(tokens[151_645]).isEqualTo("<|im_end|>");
            assertThat(tokens[151_935]).isEqualTo("[PAD151935]");
            assertThat(f.getInt("tokenizer.ggml.bos_token_id")).isEqualTo(151_643);
            assertThat(f.getInt("tokenizer.ggml.eos_token_id")).isEqualTo(151_645);
            assertThat(f.getInt("tokenizer.ggml.padding_token_id")).isEqualTo(151_643);
            assertThat(f.getBoolean("tokenizer.ggml.add_bos_token")).isFalse();
            assertThat(f.getString("tokenizer.chat_template")).contains("<|im_start|>");
            assertThat(f.getBoolean("no.such.key", true)).isTrue();
        }
    }

    @Test
    void miniVocabulary() throws IOException {
        try (GGUFFile f = GGUFFile.open(Fixtures.path("tokenizer/mini-vocab.gguf"))) {
            String[] tokens = f.getStringArray("tokenizer.ggml.tokens");
            assertThat(tokens).hasSize(4000);
            assertThat(tokens[3976]).isEqualTo("<|endoftext|>");
            assertThat(tokens[3998]).isEqualTo("<think>");
            assertThat(f.getStringArray("tokenizer.ggml.merges")).hasSize(3720);
            assertThat(f.getInt("tokenizer.ggml.eos_token_id")).isEqualTo(3978);
        }
    }

    @Test
    void loraAdapterGguf() throws IOException {
        try (GGUFFile f = GGUFFile.open(Fixtures.path("lora/nano-r4/adapter.gguf"))) {
            assertThat(f.getString("general.type")).isEqualTo("adapter");
            assertThat(f.getString("adapter.type")).isEqualTo("lora");
            assertThat(f.getFloat("adapter.lora.alpha")).isEqualTo(8f);
            GGUFTensor a = f.requireTensor("blk.0.attn_q.weight.lora_a");
            GGUFTensor b = f.requireTensor("blk.0.attn_q.weight.lora_b");
            assertThat(a.type()).isEqualTo(GGMLType.F32);
            assertThat(a.ne()).containsExactly(64, 4);
            assertThat(b.ne()).containsExactly(4, 64);
            List<String> names = new ArrayList<>();
            for (GGUFTensor t : f.tensors()) names.add(t.name());
            assertThat(names).hasSize(28);
        }
    }
}
