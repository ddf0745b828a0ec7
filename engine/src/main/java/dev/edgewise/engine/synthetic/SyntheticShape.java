package dev.edgewise.engine.synthetic;

import dev.edgewise.engine.Architecture;

import java.util.Locale;

/**
 * The shape of a seeded random model. The presets copy the real Qwen2.5 and Qwen3 sizes (from their
 * {@code config.json}) so benchmarks on them stream exactly as many bytes as the real models.
 */
public record SyntheticShape(String name, Architecture architecture, int nLayers, int dim, int nHeads, int nKvHeads, int headDim,
                             int ffnDim, int vocabSize, boolean tied) {

    /** A {@code qwen2} shape: heads of {@code dim / nHeads}. */
    public SyntheticShape(String name, int nLayers, int dim, int nHeads, int nKvHeads, int ffnDim, int vocabSize, boolean tied) {
        this(name, Architecture.QWEN2, nLayers, dim, nHeads, nKvHeads, dim / nHeads, ffnDim, vocabSize, tied);
    }

    /** A {@code qwen3} shape: its head dimension is its own (Qwen3-0.6B: 16 heads of 128 in a 1024 wide model). */
    public static SyntheticShape qwen3(String name, int nLayers, int dim, int nHeads, int nKvHeads, int headDim, int ffnDim,
                                       int vocabSize, boolean tied) {
        return new SyntheticShape(name, Architecture.QWEN3, nLayers, dim, nHeads, nKvHeads, headDim, ffnDim, vocabSize, tied);
    }

    /** The embedded default: small enough to write in a moment, large enough to exercise everything. */
    public static final SyntheticShape DEFAULT = new SyntheticShape("edgewise-tiny", 4, 256, 4, 2, 768, 476, true);
    public static final SyntheticShape QWEN25_05B = new SyntheticShape("qwen2.5-0.5b", 24, 896, 14, 2, 4864, 151_936, true);
    public static final SyntheticShape QWEN25_15B = new SyntheticShape("qwen2.5-1.5b", 28, 1536, 12, 2, 8960, 151_936, true);
    public static final SyntheticShape QWEN25_7B = new SyntheticShape("qwen2.5-7b", 28, 3584, 28, 4, 18944, 152_064, false);
    public static final SyntheticShape QWEN3_06B = qwen3("qwen3-0.6b", 28, 1024, 16, 8, 128, 3072, 151_936, true);
    public static final SyntheticShape QWEN3_17B = qwen3("qwen3-1.7b", 28, 2048, 16, 8, 128, 6144, 151_936, true);
    public static final SyntheticShape QWEN3_4B = qwen3("qwen3-4b", 36, 2560, 32, 8, 128, 9728, 151_936, true);

    public static SyntheticShape preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny", "edgewise-tiny", "default" -> DEFAULT;
            case "qwen2.5-0.5b", "0.5b" -> QWEN25_05B;
            case "qwen2.5-1.5b", "1.5b" -> QWEN25_15B;
            case "qwen2.5-7b", "7b" -> QWEN25_7B;
            case "qwen3-0.6b" -> QWEN3_06B;
            case "qwen3-1.7b" -> QWEN3_17B;
            case "qwen3-4b" -> QWEN3_4B;
            default -> throw new IllegalArgumentException("unknown synthetic shape '" + name
                    + "' (known: tiny, qwen2.5-0.5b, qwen2.5-1.5b, qwen2.5-7b, qwen3-0.6b, qwen3-1.7b, qwen3-4b)");
        };
    }

    /** Width of the queries: all heads. */
    public int qDim() {
        return nHeads * headDim;
    }

    public int kvDim() {
        return nKvHeads * headDim;
    }
}
