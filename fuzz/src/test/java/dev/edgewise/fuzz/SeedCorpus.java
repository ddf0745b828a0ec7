package dev.edgewise.fuzz;

import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.synthetic.SyntheticModels;
import dev.edgewise.engine.synthetic.SyntheticShape;
import dev.edgewise.loader.GGUFWriter;
import dev.edgewise.loader.SafeTensorsWriter;
import dev.edgewise.quant.GGMLType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes the committed seed corpora (small, valid inputs Jazzer mutates), so they can be made again:
 * {@code java -cp ... dev.edgewise.fuzz.SeedCorpus fuzz/src/test/resources/dev/edgewise/fuzz}.
 */
public final class SeedCorpus {
    private SeedCorpus() {}

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args[0]);
        Path tmp = Files.createTempDirectory("seeds");
        // a micro qwen2 model (1 layer, 32 wide, 261-token byte-level vocab), Q8_0 and Q4_0
        SyntheticShape micro = new SyntheticShape("fuzz-micro", 1, 32, 2, 1, 32, 261, true);
        for (GGMLType type : new GGMLType[]{GGMLType.Q8_0, GGMLType.Q4_0}) {
            Path m = tmp.resolve("micro-" + type + ".gguf");
            SyntheticModels.write(micro, type, 1, m);
            copy(m, root.resolve("GgufFuzzTestInputs/load/micro-" + type.name().toLowerCase() + ".gguf"));
        }
        // safetensors: two small tensors of different dtypes
        Path st = tmp.resolve("t.safetensors");
        new SafeTensorsWriter().metadata("format", "pt").add("a", "F32", new long[]{2, 3}, new float[6])
                .add("b", "F16", new long[]{4}, new float[]{1, 2, 3, 4}).write(st);
        copy(st, root.resolve("SafeTensorsFuzzTestInputs/open/two.safetensors"));
        // heads: switcher and verifier for a 64-wide model
        Path heads = tmp.resolve("heads.safetensors");
        Heads.synthetic(64, 1).write(heads);
        copy(heads, root.resolve("HeadsFuzzTestInputs/load/synthetic.safetensors"));
        // adapters: rank 2 on q_proj of layer 0 (PEFT: config NUL safetensors; GGUF: llama.cpp's keys)
        Random r = new Random(1);
        float[] a = new float[2 * 32], b = new float[32 * 2];
        for (int i = 0; i < a.length; i++) { a[i] = (float) r.nextGaussian(); b[i] = (float) r.nextGaussian(); }
        Path peftWeights = tmp.resolve("adapter_model.safetensors");
        new SafeTensorsWriter()
                .add("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", "F32", new long[]{2, 32}, a)
                .add("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", "F32", new long[]{32, 2}, b).write(peftWeights);
        ByteArrayOutputStream peft = new ByteArrayOutputStream();
        peft.write("{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4.0, \"target_modules\": [\"q_proj\"], \"use_rslora\": false}"
                .getBytes(StandardCharsets.UTF_8));
        peft.write(0);
        peft.write(Files.readAllBytes(peftWeights));
        write(root.resolve("AdapterFuzzTestInputs/peft/q-r2"), peft.toByteArray());
        Path gguf = tmp.resolve("adapter.gguf");
        new GGUFWriter().putString("general.architecture", "qwen2").putString("general.type", "adapter")
                .putString("adapter.type", "lora").putFloat32("adapter.lora.alpha", 4f)
                .addTensor("blk.0.attn_q.weight.lora_a", GGMLType.F32, new long[]{32, 2}, floats(a))
                .addTensor("blk.0.attn_q.weight.lora_b", GGMLType.F32, new long[]{2, 32}, floats(b)).write(gguf);
        copy(gguf, root.resolve("AdapterFuzzTestInputs/gguf/q-r2.gguf"));
        // JSON, tokenizer text, model output with answers
        write(root.resolve("JsonFuzzTestInputs/parse/object.json"),
                "{\"a\": [1, -2.5e3, true, null, \"x\\u00e9\\n\"], \"b\": {\"c\": {}}}".getBytes(StandardCharsets.UTF_8));
        write(root.resolve("AnswerFuzzTestInputs/extract/boxed.txt"),
                "So 17 * 23 = 391, the answer is \\boxed{391}. Also 1,234.5 and -7e3".getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] floats(float[] v) {
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putFloat(f);
        return bb.array();
    }

    private static void copy(Path from, Path to) throws IOException {
        write(to, Files.readAllBytes(from));
    }

    private static void write(Path to, byte[] bytes) throws IOException {
        Files.createDirectories(to.getParent());
        Files.write(to, bytes);
    }
}
