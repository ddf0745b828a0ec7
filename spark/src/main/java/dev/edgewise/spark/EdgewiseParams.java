package dev.edgewise.spark;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsWritable;

import java.util.List;

/**
 * The parameters {@link EdgewiseGenerator} and {@link EdgewiseEval} share: the model and how it is
 * loaded, the input column, sampling and seeds, branches and vote, adapters, the reasoning pipeline
 * and budget forcing, and how many rows are decoded together. Defaults are the CLI's.
 *
 * @param <T> the concrete class, returned by the setters
 */
public abstract class EdgewiseParams<T extends EdgewiseParams<T>> extends Transformer implements DefaultParamsWritable {
    private final String uid;
    private final Param<String> modelPath, inputCol, seedCol, vote, answerRegex, reasoning, headsPath, systemPrompt;
    private final LongParam seed;
    private final IntParam maxTokens, topK, repeatLastN, branches, budget, answerAllowance, batchSize, threads, contextSize;
    private final FloatParam temperature, topP, minP, repeatPenalty;
    private final StringArrayParam stopStrings, adapters;
    private final BooleanParam openThinking, chat, int8Activations;

    protected EdgewiseParams(String uid, String defaultInput, int defaultMaxTokens, String defaultVote, String defaultReasoning) {
        this.uid = uid;
        modelPath = new Param<>(this, "modelPath", "GGUF model file: a path every executor sees, or the name of a file shipped with addFile/--files");
        inputCol = new Param<>(this, "inputCol", "prompt column: string, or array<struct<role,content>> chat messages");
        seedCol = new Param<>(this, "seedCol", "column of per-row seeds (integral); empty: see seed");
        seed = new LongParam(this, "seed", "base seed (generator: mixed with a hash of each row's prompt; eval: every row's seed)");
        maxTokens = new IntParam(this, "maxTokens", "cap on generated tokens per branch (reasoning: on any response)");
        temperature = new FloatParam(this, "temperature", "sampling temperature, 0 = greedy");
        topK = new IntParam(this, "topK", "top-k filter, 0 = off");
        topP = new FloatParam(this, "topP", "top-p filter, 1 = off");
        minP = new FloatParam(this, "minP", "min-p filter, 0 = off");
        repeatPenalty = new FloatParam(this, "repeatPenalty", "repetition penalty, 1 = off");
        repeatLastN = new IntParam(this, "repeatLastN", "tokens the repetition penalty looks back");
        stopStrings = new StringArrayParam(this, "stopStrings", "generation ends at any of these (plain generation)");
        branches = new IntParam(this, "branches", "branches sampled per row from one prompt, decoded together (branch i: seed + i)");
        vote = new Param<>(this, "vote", "how branches' answers are combined: majority, weighted or best");
        answerRegex = new Param<>(this, "answerRegex", "where the answer is when there is no \\boxed{} (empty: the default extractor)");
        adapters = new StringArrayParam(this, "adapters", "LoRA adapters as PATH[:SCALE] (PEFT directory or adapter GGUF), applied on the fly");
        reasoning = new Param<>(this, "reasoning", "none (plain generation) or the reasoning pipeline: auto (switcher decides), on, off");
        budget = new IntParam(this, "budget", "response budget in tokens for budget forcing, 0 = none");
        answerAllowance = new IntParam(this, "answerAllowance", "tokens allowed after budget forcing asks for the answer");
        headsPath = new Param<>(this, "headsPath", "switcher/verifier heads file (safetensors) for the reasoning pipeline; empty: none");
        openThinking = new BooleanParam(this, "openThinking", "reasoning branches start with the thinking marker injected");
        chat = new BooleanParam(this, "chat", "send a text prompt as a user message with the chat template");
        systemPrompt = new Param<>(this, "systemPrompt", "system message for chat prompts; empty: none");
        batchSize = new IntParam(this, "batchSize", "rows of a partition decoded together");
        threads = new IntParam(this, "threads", "kernel worker threads per executor JVM, 0 = its available processors");
        contextSize = new IntParam(this, "contextSize", "positions per sequence");
        int8Activations = new BooleanParam(this, "int8Activations", "Q4_0 on the integer kernel (false: exact float32 activations)");

        setDefault(inputCol, defaultInput);
        setDefault(seedCol, "");
        setDefault(seed, 0L);
        setDefault(maxTokens, defaultMaxTokens);
        setDefault(temperature, 0.8f);
        setDefault(topK, 40);
        setDefault(topP, 0.95f);
        setDefault(minP, 0.05f);
        setDefault(repeatPenalty, 1f);
        setDefault(repeatLastN, 64);
        setDefault(stopStrings, new String[0]);
        setDefault(branches, 1);
        setDefault(vote, defaultVote);
        setDefault(answerRegex, "");
        setDefault(adapters, new String[0]);
        setDefault(reasoning, defaultReasoning);
        setDefault(budget, 0);
        setDefault(answerAllowance, 64);
        setDefault(headsPath, "");
        setDefault(openThinking, false);
        setDefault(chat, false);
        setDefault(systemPrompt, "");
        setDefault(batchSize, 8);
        setDefault(threads, 0);
        setDefault(contextSize, 4096);
        setDefault(int8Activations, true);
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public T copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @SuppressWarnings("unchecked")
    private T put(Param<?> p, Object value) {
        set((Param<Object>) p, value);
        return (T) this;
    }

    public Param<String> modelPath() { return modelPath; }
    public Param<String> inputCol() { return inputCol; }
    public Param<String> seedCol() { return seedCol; }
    public LongParam seed() { return seed; }
    public IntParam maxTokens() { return maxTokens; }
    public FloatParam temperature() { return temperature; }
    public IntParam topK() { return topK; }
    public FloatParam topP() { return topP; }
    public FloatParam minP() { return minP; }
    public FloatParam repeatPenalty() { return repeatPenalty; }
    public IntParam repeatLastN() { return repeatLastN; }
    public StringArrayParam stopStrings() { return stopStrings; }
    public IntParam branches() { return branches; }
    public Param<String> vote() { return vote; }
    public Param<String> answerRegex() { return answerRegex; }
    public StringArrayParam adapters() { return adapters; }
    public Param<String> reasoning() { return reasoning; }
    public IntParam budget() { return budget; }
    public IntParam answerAllowance() { return answerAllowance; }
    public Param<String> headsPath() { return headsPath; }
    public BooleanParam openThinking() { return openThinking; }
    public BooleanParam chat() { return chat; }
    public Param<String> systemPrompt() { return systemPrompt; }
    public IntParam batchSize() { return batchSize; }
    public IntParam threads() { return threads; }
    public IntParam contextSize() { return contextSize; }
    public BooleanParam int8Activations() { return int8Activations; }

    public T setModelPath(String v) { return put(modelPath, v); }
    public T setInputCol(String v) { return put(inputCol, v); }
    public T setSeedCol(String v) { return put(seedCol, v); }
    public T setSeed(long v) { return put(seed, v); }
    public T setMaxTokens(int v) { return put(maxTokens, v); }
    public T setTemperature(float v) { return put(temperature, v); }
    public T setTopK(int v) { return put(topK, v); }
    public T setTopP(float v) { return put(topP, v); }
    public T setMinP(float v) { return put(minP, v); }
    public T setRepeatPenalty(float v) { return put(repeatPenalty, v); }
    public T setRepeatLastN(int v) { return put(repeatLastN, v); }
    public T setStopStrings(String... v) { return put(stopStrings, v.clone()); }
    public T setBranches(int v) { return put(branches, v); }
    public T setVote(String v) { return put(vote, v); }
    public T setAnswerRegex(String v) { return put(answerRegex, v); }
    public T setAdapters(String... v) { return put(adapters, v.clone()); }
    public T setReasoning(String v) { return put(reasoning, v); }
    public T setBudget(int v) { return put(budget, v); }
    public T setAnswerAllowance(int v) { return put(answerAllowance, v); }
    public T setHeadsPath(String v) { return put(headsPath, v); }
    public T setOpenThinking(boolean v) { return put(openThinking, v); }
    public T setChat(boolean v) { return put(chat, v); }
    public T setSystemPrompt(String v) { return put(systemPrompt, v); }
    public T setBatchSize(int v) { return put(batchSize, v); }
    public T setThreads(int v) { return put(threads, v); }
    public T setContextSize(int v) { return put(contextSize, v); }
    public T setInt8Activations(boolean v) { return put(int8Activations, v); }

    public String getModelPath() { return isDefined(modelPath) ? $(modelPath) : null; }
    public String getInputCol() { return $(inputCol); }
    public int getBatchSize() { return (Integer) $(batchSize); }
    public int getBranches() { return (Integer) $(branches); }
    public int getBudget() { return (Integer) $(budget); }
    public long getSeed() { return (Long) $(seed); }
    public String getSeedCol() { return $(seedCol); }

    /** How rows are generated, checked here on the driver. */
    GenerationSettings settings() {
        String r = $(reasoning).strip();
        return new GenerationSettings((Integer) $(maxTokens), (Float) $(temperature), (Integer) $(topK), (Float) $(topP), (Float) $(minP),
                (Float) $(repeatPenalty), (Integer) $(repeatLastN), List.of($(stopStrings)), getBranches(), $(vote), emptyToNull($(answerRegex)),
                List.of($(adapters)), r.equalsIgnoreCase("none") ? null : r, getBudget(), (Integer) $(answerAllowance),
                emptyToNull($(headsPath)), (Boolean) $(openThinking), (Boolean) $(chat), emptyToNull($(systemPrompt)));
    }

    /** The model every executor loads; its forward batch holds {@code rows x branches} sequences. */
    ModelSpec modelSpec(int maxBranches) {
        if (getModelPath() == null) throw new IllegalArgumentException("modelPath is not set");
        int rowsTogether = getBatchSize() * maxBranches;
        return new ModelSpec(getModelPath(), (Integer) $(threads), (Integer) $(contextSize), Math.max(64, rowsTogether),
                (Boolean) $(int8Activations));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
