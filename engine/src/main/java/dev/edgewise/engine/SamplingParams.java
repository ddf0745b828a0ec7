package dev.edgewise.engine;

/**
 * How the next token is chosen. Temperature 0 means greedy (argmax). Filters are applied in
 * llama.cpp's order: repetition penalty, top-k, top-p, min-p, then temperature and a draw.
 *
 * @param temperature       0 for greedy; otherwise logits are divided by it
 * @param topK              keep the k most likely tokens (0 = off)
 * @param topP              keep the smallest set whose probability reaches p (1 = off)
 * @param minP              drop tokens with probability below minP × the top probability (0 = off)
 * @param repeatPenalty     llama.cpp's repetition penalty over the last {@code repeatLastN} tokens (1 = off)
 * @param repeatLastN       window of the repetition penalty
 * @param seed              seed of the random draw
 */
public record SamplingParams(float temperature, int topK, float topP, float minP,
                             float repeatPenalty, int repeatLastN, long seed) {

    public static final SamplingParams GREEDY = new SamplingParams(0f, 0, 1f, 0f, 1f, 64, 0);

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP < 1)) throw new IllegalArgumentException("min-p must be in [0, 1), got " + minP);
        if (!(repeatPenalty > 0)) throw new IllegalArgumentException("repeat penalty must be > 0, got " + repeatPenalty);
        if (repeatLastN < 0) throw new IllegalArgumentException("repeat-last-n must be >= 0, got " + repeatLastN);
    }

    /** Sampling as llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05. */
    public static SamplingParams defaults(long seed) {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 64, seed);
    }

    public SamplingParams withTemperature(float t) { return new SamplingParams(t, topK, topP, minP, repeatPenalty, repeatLastN, seed); }
    public SamplingParams withTopK(int k) { return new SamplingParams(temperature, k, topP, minP, repeatPenalty, repeatLastN, seed); }
    public SamplingParams withTopP(float p) { return new SamplingParams(temperature, topK, p, minP, repeatPenalty, repeatLastN, seed); }
    public SamplingParams withMinP(float p) { return new SamplingParams(temperature, topK, topP, p, repeatPenalty, repeatLastN, seed); }
    public SamplingParams withRepeatPenalty(float penalty, int lastN) { return new SamplingParams(temperature, topK, topP, minP, penalty, lastN, seed); }
    public SamplingParams withSeed(long s) { return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, s); }

    public boolean greedy() {
        return temperature == 0f;
    }
}
