package dev.langchain4j.model.edgewise;

import dev.edgewise.engine.BudgetForcing;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.engine.ReasoningMode;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.ScaledAdapter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The configuration both chat models take ({@link EdgewiseChatModel.Builder},
 * {@link EdgewiseStreamingChatModel.Builder}): the model (a file, or one already loaded), sampling,
 * limits, adapters, thinking on or off and its budget.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class EdgewiseModelBuilder<B extends EdgewiseModelBuilder<B>> {
    Path path;
    Model model;
    ModelOptions options = ModelOptions.defaults();
    SamplingParams sampling = SamplingParams.defaults(42);
    int maxTokens = 512;
    long seed = 42;
    EdgewiseRequests.Generation generation = EdgewiseRequests.MODEL;
    private final List<ScaledAdapter> adapters = new ArrayList<>();
    private final List<Map.Entry<Path, Float>> adapterPaths = new ArrayList<>();
    private Boolean thinking;
    private BudgetForcing budget;

    EdgewiseModelBuilder() {}

    abstract B self();

    /** A GGUF file to load (closed with the chat model). */
    public B modelPath(Path p) { this.path = p; return self(); }
    /** A model already loaded, shared with other users (not closed by the chat model). */
    public B model(Model m) { this.model = m; return self(); }
    /** Threads, context size, KV cache for a model loaded from {@link #modelPath}. */
    public B modelOptions(ModelOptions o) { this.options = o; return self(); }
    /** Default sampling (temperature, top-k, top-p, min-p, repetition penalty, seed); request parameters override. */
    public B sampling(SamplingParams s) { this.sampling = s; return self(); }
    public B temperature(double t) { this.sampling = sampling.withTemperature((float) t); return self(); }
    /** Generated-token limit when a request sets none. */
    public B maxTokens(int n) { this.maxTokens = n; return self(); }
    /** Seed of the sampler and of tool-call ids. */
    public B seed(long s) { this.seed = s; this.sampling = sampling.withSeed(s); return self(); }
    /** A LoRA adapter already loaded on the model ({@code Model.loadAdapter}), applied to every request. */
    public B adapter(ScaledAdapter a) { this.adapters.add(a); return self(); }
    /** A LoRA adapter (PEFT directory or adapter GGUF) loaded onto the model when built, applied with {@code scale}. */
    public B adapterPath(Path p, float scale) { this.adapterPaths.add(Map.entry(p, scale)); return self(); }

    /**
     * Thinking on or off through the template's {@code enable_thinking} (Qwen3, DeepSeek-R1-Distill as
     * llama.cpp ships it); {@code auto} needs the switcher of the reasoning pipeline ({@code Model.reason})
     * and is refused here.
     */
    public B reasoning(ReasoningMode mode) {
        if (mode == ReasoningMode.AUTO) {
            throw new IllegalArgumentException("reasoning auto needs the reasoning pipeline's switcher (Model.reason); a chat model takes on or off");
        }
        this.thinking = mode == null ? null : mode == ReasoningMode.ON;
        return self();
    }

    /** Budget forcing: the thinking section is ended after {@code maxResponseTokens} tokens of response. */
    public B budget(int maxResponseTokens) { this.budget = BudgetForcing.of(maxResponseTokens); return self(); }

    B generation(EdgewiseRequests.Generation g) { this.generation = g; return self(); }

    /** The model to use: the one given, or the file loaded (then owned by the chat model). */
    Model openModel() {
        return model != null ? model : EdgewiseChatModel.load(path, options);
    }

    /** What every request of a chat model on {@code m} carries; adapters given by path are loaded onto {@code m}. */
    EdgewiseRequests requests(Model m) {
        List<ScaledAdapter> all = new ArrayList<>(adapters);
        for (Map.Entry<Path, Float> e : adapterPaths) {
            try {
                all.add(new ScaledAdapter(m.loadAdapter(e.getKey(), AdapterPrecision.F16), e.getValue()));
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        return new EdgewiseRequests(maxTokens, sampling, seed, new EdgewiseRequests.Reasoning(all, thinking, budget));
    }
}
