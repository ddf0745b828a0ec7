package dev.edgewise.cli;

import dev.edgewise.loader.AtomicFile;

import dev.edgewise.engine.LogitsTrace;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.Sampler;
import dev.edgewise.engine.kv.KvType;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.AdapterSpec;
import dev.edgewise.engine.lora.ScaledAdapter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code edgewise logits}: dumps the logits of every position in the fixtures' {@code edgewise-ref/1}
 * layout: PREFIX.json (tokens, argmax, margins, top-8) and PREFIX.logits.f32 (all rows, float32 LE).
 */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Write the logits of every position (teacher-forced, then greedy) to PREFIX.json and PREFIX.logits.f32.")
final class LogitsCommand implements Callable<Integer> {
    static final int TOP_K = 8;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptionsMixin model;

    @Mixin
    LoraOptionsMixin lora;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", required = true, description = "prompt text")
        String prompt;

        @Option(names = "--tokens", paramLabel = "IDS", split = ",", required = true, description = "prompt as token ids, e.g. 1,2,3")
        int[] tokens;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", required = true,
                description = "prompt from FILE (- for standard input), tokenized from its bytes as llama.cpp does")
        String file;
    }

    @Option(names = "--special", description = "parse special-token text in --prompt or --file")
    boolean special;

    @Option(names = "--generate", paramLabel = "N", defaultValue = "0", description = "greedy tokens to append (default: ${DEFAULT-VALUE})")
    int generate;

    @Option(names = "--out", paramLabel = "PREFIX", required = true, description = "output prefix")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (generate < 0) throw new UsageException("--generate must be >= 0, got " + generate);
        byte[] fileBytes = input.file != null ? TextInput.bytes(input.file) : null;
        // F32 keys and values by default: this command exists to compare against references
        try (Model m = model.load(spec.commandLine().getErr(), model.options(KvType.F32))) {
            int[] prompt = input.tokens != null ? input.tokens
                    : input.file != null ? m.tokenizer().encode(fileBytes, special) : m.tokenizer().encode(input.prompt, special);
            if (prompt.length == 0) throw new UsageException("the prompt has no tokens");
            int vocab = m.config().vocabSize();
            for (int t : prompt) {
                if (t < 0 || t >= vocab) throw new UsageException("token id " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
            List<ScaledAdapter> adapters = lora.apply(m, AdapterPrecision.F32);
            LogitsTrace trace = m.logits(prompt, generate, adapters);
            Path json = Path.of(out + ".json");
            Path f32 = Path.of(out + ".logits.f32");
            try (AtomicFile.Group files = new AtomicFile.Group()) {
                writeRows(trace, files.stage(f32));
                Files.writeString(files.stage(json), JsonWriter.write(describe(m, trace, f32)), StandardCharsets.UTF_8);
                files.commit();
            }
            spec.commandLine().getErr().printf("edgewise: wrote %s and %s (%d rows x %d logits)%n", json, f32, trace.rows().length, vocab);
        }
        return 0;
    }

    private static void writeRows(LogitsTrace trace, Path file) throws Exception {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            ByteBuffer buf = null;
            for (float[] row : trace.rows()) {
                if (buf == null) buf = ByteBuffer.allocate(row.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buf.clear();
                buf.asFloatBuffer().put(row);
                os.write(buf.array(), 0, row.length * 4);
            }
        }
    }

    private Map<String, Object> describe(Model m, LogitsTrace trace, Path f32) {
        int vocab = m.config().vocabSize();
        int nRows = trace.rows().length;
        int[] argmax = new int[nRows];
        float[] margin = new float[nRows];
        int[][] topIds = new int[nRows][];
        float[][] topLogits = new float[nRows][];
        for (int r = 0; r < nRows; r++) {
            float[] row = trace.rows()[r];
            topIds[r] = topK(row, Math.min(TOP_K, vocab));
            topLogits[r] = new float[topIds[r].length];
            for (int k = 0; k < topIds[r].length; k++) topLogits[r][k] = row[topIds[r][k]];
            argmax[r] = Sampler.argmax(row, 0, vocab);
            margin[r] = vocab > 1 ? topLogits[r][0] - topLogits[r][1] : 0f;
        }
        int[] promptTokens = Arrays.copyOf(trace.tokens(), trace.nPrompt());
        int[] generated = Arrays.copyOfRange(trace.tokens(), trace.nPrompt(), trace.tokens().length);
        int[] stored = new int[nRows];
        for (int i = 0; i < nRows; i++) stored[i] = i;

        Map<String, Object> j = new LinkedHashMap<>();
        j.put("schema", "edgewise-ref/1");
        j.put("name", out.getFileName().toString());
        j.put("model", model.model == null ? "(embedded synthetic model)" : model.model.toString());
        j.put("n_vocab", vocab);
        List<Object> applied = new ArrayList<>();
        for (String arg : lora.lora) {
            AdapterSpec spec = AdapterSpec.parse(arg);
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("adapter", spec.path().toString());
            a.put("user_scale", (double) spec.scale());
            a.put("mode", lora.mode);
            applied.add(a);
        }
        j.put("lora", applied);
        j.put("prompt", input.file != null ? m.tokenizer().decode(promptTokens) : input.prompt);
        j.put("chat_messages", null);
        j.put("parse_special", special);
        j.put("add_special", false);
        j.put("prompt_tokens", promptTokens);
        j.put("generated_tokens", generated);
        j.put("n_prompt", promptTokens.length);
        j.put("n_generated", generated.length);
        j.put("n_rows", nRows);
        j.put("row_meaning", "row i = logits after consuming token i of prompt_tokens ++ generated_tokens (predicts token i+1); generated_tokens[k] = argmax of row n_prompt-1+k");
        j.put("stored_rows", stored);
        j.put("logits_edgewise", f32.getFileName().toString());
        j.put("logits_format", "raw float32 little-endian, row-major, shape [len(stored_rows), n_vocab]; k-th stored row = row stored_rows[k]");
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("threads", model.options().threads());
        settings.put("batch_size", model.options().batchSize());
        settings.put("activations", "f32");
        settings.put("kv_type", model.options(KvType.F32).kvType().name().toLowerCase(java.util.Locale.ROOT));
        j.put("edgewise", settings);
        j.put("argmax_edgewise", argmax);
        j.put("margin_edgewise", margin);
        Map<String, Object> topk = new LinkedHashMap<>();
        topk.put("k", TOP_K);
        topk.put("rows", "all n_rows");
        topk.put("edgewise_ids", List.of(topIds));
        topk.put("edgewise_logits", List.of(topLogits));
        j.put("topk", topk);
        j.put("prompt_text", m.tokenizer().decode(promptTokens));
        j.put("generated_text", m.tokenizer().decode(generated));
        return j;
    }

    /** Ids of the k largest values, descending, lower id first on ties. */
    static int[] topK(float[] row, int k) {
        int[] best = new int[k];
        Arrays.fill(best, -1);
        for (int i = 0; i < row.length; i++) {
            int pos = k;
            while (pos > 0 && (best[pos - 1] < 0 || row[i] > row[best[pos - 1]])) pos--;
            if (pos < k) {
                System.arraycopy(best, pos, best, pos + 1, k - pos - 1);
                best[pos] = i;
            }
        }
        return best;
    }
}
