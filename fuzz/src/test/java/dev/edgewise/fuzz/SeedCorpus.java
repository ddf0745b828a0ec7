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
        templates(root.resolve("TemplateFuzzTestInputs/render"));
        requests(root.resolve("ServerRequestFuzzTestInputs/parse"));
    }

    /**
     * Short templates of our own (ChatML-like loop, macros, namespace, filters, slices) for
     * {@link TemplateFuzzTest}: the text, then the control bytes its FuzzedDataProvider reads from the end
     * (message count 3, then per message role, content, no reasoning, no tool call; then generation prompt, tools).
     */
    private static void templates(Path dir) throws IOException {
        String[] sources = {
                "{%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{%- endfor %}"
                        + "{%- if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
                "{%- macro show(x, depth=0) -%}{%- if x is mapping -%}{ {%- for k, v in x.items() -%}{{ k }}: {{ show(v, depth + 1) }}, "
                        + "{%- endfor -%} }{%- elif x is iterable and x is not string -%}[{{ x | map('string') | join(', ') }}]"
                        + "{%- else -%}{{ x | tojson }}{%- endif -%}{%- endmacro -%}"
                        + "{%- for m in messages %}{{ loop.index0 }}={{ show(m) }}{{ '\\n' if not loop.last }}{%- endfor %}",
                "{%- set ns = namespace(last_user=-1, seen=[]) %}{%- for m in messages[::-1] %}{%- if m.role == 'user' and ns.last_user < 0 %}"
                        + "{%- set ns.last_user = messages | length - 1 - loop.index0 %}{%- endif %}{%- endfor %}"
                        + "last user at {{ ns.last_user }}; {{ messages[1:3] | map(attribute='role') | list | tojson }}",
                "{%- if tools %}{{ tools | tojson(indent=2) }}{%- endif %}{%- for m in messages if m.content is string %}"
                        + "{{ m.content.split('</think>')[-1].strip()[:40] | upper | replace('A', 'a') }}{{ '%d-%s' % (loop.length, m.role) }}"
                        + "{%- else %}none{%- endfor %}{{ raise_exception('stop at ' ~ (messages | length)) if messages | length > 4 }}",
        };
        byte[] controls = {3, 1, 1, 0, 0, 2, 2, 0, 0, 3, 4, 0, 0, 1, 1};
        for (int i = 0; i < sources.length; i++) {
            ByteArrayOutputStream seed = new ByteArrayOutputStream();
            seed.write(sources[i].getBytes(StandardCharsets.UTF_8));
            for (int j = controls.length - 1; j >= 0; j--) seed.write(controls[j]); // read from the end, first one last
            write(dir.resolve("template-" + i), seed.toByteArray());
        }
    }

    /** Request bodies for {@link ServerRequestFuzzTest}: chat with tools and a schema, reasoning with LoRA, a legacy completion. */
    private static void requests(Path dir) throws IOException {
        write(dir.resolve("chat.json"), ("{\"model\": \"qwen\", \"messages\": [{\"role\": \"developer\", \"content\": \"Be brief.\"},"
                + " {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"Weather?\"}]},"
                + " {\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\","
                + " \"function\": {\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}]},"
                + " {\"role\": \"tool\", \"tool_call_id\": \"c1\", \"content\": \"sunny\"}],"
                + " \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": {\"type\": \"object\"}}}],"
                + " \"tool_choice\": \"auto\", \"max_tokens\": 64, \"temperature\": 0.7, \"top_p\": 0.9, \"stop\": [\"\\n\\n\"],"
                + " \"stream\": true, \"stream_options\": {\"include_usage\": true}, \"logprobs\": true, \"top_logprobs\": 2, \"seed\": 7}")
                .getBytes(StandardCharsets.UTF_8));
        write(dir.resolve("schema.json"), ("{\"messages\": [{\"role\": \"user\", \"content\": \"A person.\"}], \"response_format\": {\"type\":"
                + " \"json_schema\", \"json_schema\": {\"name\": \"p\", \"schema\": {\"type\": \"object\", \"properties\": {\"name\":"
                + " {\"type\": \"string\"}, \"age\": {\"type\": \"integer\", \"minimum\": 0}, \"tags\": {\"type\": \"array\", \"items\":"
                + " {\"enum\": [\"a\", \"b\"]}}}, \"required\": [\"name\"]}}}, \"chat_template_kwargs\": {\"enable_thinking\": false}}")
                .getBytes(StandardCharsets.UTF_8));
        write(dir.resolve("reasoning.json"), ("{\"messages\": [{\"role\": \"user\", \"content\": \"17*23?\"}], \"reasoning\": \"auto\","
                + " \"reasoning_budget\": 256, \"branches\": 4, \"vote\": \"weighted\", \"lora\": [{\"name\": \"math\", \"scale\": 0.5}, \"style\"],"
                + " \"n\": 1, \"top_k\": 20, \"min_p\": 0.1, \"repeat_penalty\": 1.1, \"ignore_eos\": false}").getBytes(StandardCharsets.UTF_8));
        write(dir.resolve("completion.json"), ("{\"model\": \"qwen\", \"prompt\": [1, 2, 3], \"max_tokens\": 8, \"logprobs\": 3,"
                + " \"echo\": true, \"stop\": \"END\", \"presence_penalty\": 0.5, \"frequency_penalty\": -0.5}").getBytes(StandardCharsets.UTF_8));
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
