package dev.edgewise.engine.synthetic;

import java.util.Locale;

/**
 * The shape of a seeded random Qwen2 model. The presets copy the real Qwen2.5 sizes so benchmarks
 * on them stream exactly as many bytes as the real models.
 */
public record SyntheticShape(String name, int nLayers, int dim, int nHeads, int nKvHeads, int ffnDim,
                             int vocabSize, boolean tied) {

    /** The embedded default: small enough to write in a moment, large enough to exercise everything. */
    public static final SyntheticShape DEFAULT = new SyntheticShape("edgewise-tiny", 4, 256, 4, 2, 768, 476, true);
    public static final SyntheticShape QWEN25_05B = new SyntheticShape("qwen2.5-0.5b", 24, 896, 14, 2, 4864, 151_936, true);
    public static final SyntheticShape QWEN25_15B = new SyntheticShape("qwen2.5-1.5b", 28, 1536, 12, 2, 8960, 151_936, true);
    public static final SyntheticShape QWEN25_7B = new SyntheticShape("qwen2.5-7b", 28, 3584, 28, 4, 18944, 152_064, false);

    public static SyntheticShape preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny", "edgewise-tiny", "default" -> DEFAULT;
            case "qwen2.5-0.5b", "0.5b" -> QWEN25_05B;
            case "qwen2.5-1.5b", "1.5b" -> QWEN25_15B;
            case "qwen2.5-7b", "7b" -> QWEN25_7B;
            default -> throw new IllegalArgumentException("unknown synthetic shape '" + name
                    + "' (known: tiny, qwen2.5-0.5b, qwen2.5-1.5b, qwen2.5-7b)");
        };
    }

    public int headDim() {
        return dim / nHeads;
    }

    public int kvDim() {
        return nKvHeads * headDim();
    }
}
