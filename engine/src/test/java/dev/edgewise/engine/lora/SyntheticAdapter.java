package dev.edgewise.engine.lora;

import dev.edgewise.engine.ModelConfig;
import dev.edgewise.loader.GGUFWriter;
import dev.edgewise.quant.GGMLType;
import dev.edgewise.quant.Quantize;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A random LoRA adapter written by the test itself, in PEFT form (adapter_config.json + safetensors)
 * or GGUF form, with every piece editable so tests can break one thing at a time.
 */
final class SyntheticAdapter {
    static final String PEFT_PREFIX = "base_model.model.model.layers.";

    /** A tensor as written: name, safetensors dtype, numpy shape, raw bytes. */
    record Tensor(String dtype, long[] shape, byte[] data) {
        static Tensor f32(long[] shape, float[] v) {
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) b.putFloat(x);
            return new Tensor("F32", shape, b.array());
        }

        static Tensor of(GGMLType type, long[] shape, float[] v) {
            return new Tensor(type.name(), shape, Quantize.quantize(type, v));
        }
    }

    final ModelConfig c;
    final int rank;
    /** Values by (layer, target): {A [r*in], B [out*r]}. */
    final Map<String, float[][]> values = new LinkedHashMap<>();
    final Map<String, Object> config = new LinkedHashMap<>();
    final LinkedHashMap<String, Tensor> peft = new LinkedHashMap<>();

    SyntheticAdapter(ModelConfig c, int rank, double alpha, long seed) {
        this.c = c;
        this.rank = rank;
        Random rnd = new Random(seed);
        for (int l = 0; l < c.nLayers(); l++) {
            for (LoraTarget t : LoraTarget.values()) {
                int in = t.inDim(c), out = t.outDim(c);
                float[] a = gaussian(rnd, rank * in, 1 / Math.sqrt(in));
                float[] b = gaussian(rnd, out * rank, 0.05);
                values.put(key(l, t), new float[][]{a, b});
                String base = PEFT_PREFIX + l + "." + t.peftName();
                peft.put(base + ".lora_A.weight", Tensor.f32(new long[]{rank, in}, a));
                peft.put(base + ".lora_B.weight", Tensor.f32(new long[]{out, rank}, b));
            }
        }
        config.put("peft_type", "LORA");
        config.put("task_type", "CAUSAL_LM");
        config.put("r", (long) rank);
        config.put("lora_alpha", alpha);
        config.put("lora_dropout", 0.0);
        config.put("target_modules", List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"));
        config.put("bias", "none");
        config.put("fan_in_fan_out", false);
        config.put("use_rslora", false);
        config.put("use_dora", false);
        config.put("modules_to_save", null);
    }

    static String key(int layer, LoraTarget t) {
        return layer + "." + t.ggufName();
    }

    float[] a(int layer, LoraTarget t) {
        return values.get(key(layer, t))[0];
    }

    float[] b(int layer, LoraTarget t) {
        return values.get(key(layer, t))[1];
    }

    static float[] gaussian(Random rnd, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() * std);
        return v;
    }

    /** Writes adapter_config.json and adapter_model.safetensors into {@code dir}; returns {@code dir}. */
    Path writePeft(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("adapter_config.json"), json(config));
        writeSafetensors(dir.resolve("adapter_model.safetensors"), peft);
        return dir;
    }

    /** Writes the GGUF form (F32 factors) to {@code file} with {@code adapter.lora.alpha = alpha}. */
    GGUFWriter gguf(float alpha) {
        GGUFWriter w = new GGUFWriter()
                .putString("general.architecture", c.architecture().key())
                .putString("general.type", "adapter")
                .putString("adapter.type", "lora")
                .putFloat32("adapter.lora.alpha", alpha)
                .putString("general.name", "synthetic-adapter");
        for (int l = 0; l < c.nLayers(); l++) {
            for (LoraTarget t : LoraTarget.values()) {
                int in = t.inDim(c), out = t.outDim(c);
                String base = "blk." + l + "." + t.ggufName() + ".weight";
                w.addTensor(base + ".lora_a", GGMLType.F32, new long[]{in, rank}, Tensor.f32(null, a(l, t)).data());
                w.addTensor(base + ".lora_b", GGMLType.F32, new long[]{rank, out}, Tensor.f32(null, b(l, t)).data());
            }
        }
        return w;
    }

    static void writeSafetensors(Path file, Map<String, Tensor> tensors) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        long offset = 0;
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            List<Object> shape = new ArrayList<>();
            for (long d : t.shape()) shape.add(d);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", t.dtype());
            info.put("shape", shape);
            info.put("data_offsets", List.of(offset, offset + t.data().length));
            header.put(e.getKey(), info);
            offset += t.data().length;
        }
        byte[] h = json(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate((int) (8 + h.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h);
        for (Tensor t : tensors.values()) out.put(t.data());
        Files.write(file, out.array());
    }

    static String json(Object v) {
        if (v == null) return "null";
        if (v instanceof String s) return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        if (v instanceof Double d) return String.format(Locale.ROOT, "%s", d);
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (Object o : l) sb.append(sb.length() > 1 ? ", " : "").append(json(o));
            return sb.append(']').toString();
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            for (var e : m.entrySet()) sb.append(sb.length() > 1 ? ", " : "").append(json(e.getKey())).append(": ").append(json(e.getValue()));
            return sb.append('}').toString();
        }
        throw new IllegalArgumentException(v.getClass().toString());
    }

    /** A small GQA config: 2 layers, dim 64, kvDim 32, ffn 96. */
    static ModelConfig smallConfig() {
        return new ModelConfig("synthetic-qwen2", 2, 64, 4, 2, 16, 96, 300, 512, 1_000_000f, 1e-6f, true);
    }
}
