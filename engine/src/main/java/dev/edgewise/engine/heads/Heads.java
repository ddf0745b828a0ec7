package dev.edgewise.engine.heads;

import dev.edgewise.loader.ModelFormatException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * What a heads file holds: a {@link SwitcherHead}, a {@link VerifierHead}, or both (the format is described in
 * the package documentation). Immutable.
 */
public final class Heads {
    private final String source;
    private final SwitcherHead switcher;
    private final VerifierHead verifier;

    Heads(String source, SwitcherHead switcher, VerifierHead verifier) {
        if (switcher == null && verifier == null) throw new IllegalArgumentException("heads need a switcher, a verifier or both");
        if (switcher != null && verifier != null && switcher.dim() != verifier.dim()) {
            throw new IllegalArgumentException("switcher dim " + switcher.dim() + " and verifier dim " + verifier.dim() + " differ");
        }
        this.source = source;
        this.switcher = switcher;
        this.verifier = verifier;
    }

    /** Heads built in memory; either may be null, not both. */
    public static Heads of(SwitcherHead switcher, VerifierHead verifier) {
        return new Heads("in-memory heads", switcher, verifier);
    }

    /**
     * Reads and validates a heads file (everything but the match with a model: see {@link #validate}).
     *
     * @throws IOException          if the file cannot be read
     * @throws ModelFormatException naming the file and the tensor or metadata key at fault
     */
    public static Heads load(Path file) throws IOException {
        return HeadsFile.read(file);
    }

    /** Writes a heads file (tensors as F32), replacing {@code file} atomically. Either head may be null, not both. */
    public static void write(Path file, SwitcherHead s, VerifierHead v) throws IOException {
        HeadsFile.write(file, s, v);
    }

    /** Writes these heads to {@code file}. */
    public void write(Path file) throws IOException {
        HeadsFile.write(file, switcher, verifier);
    }

    /** Where these heads came from (the file, for messages). */
    public String source() { return source; }

    public Optional<SwitcherHead> switcher() { return Optional.ofNullable(switcher); }

    public Optional<VerifierHead> verifier() { return Optional.ofNullable(verifier); }

    /**
     * Checks that the heads fit a model with embedding width {@code dim} and {@code nLayers} blocks: each head's
     * input width equals {@code dim} and its layer is -1 or a block index below {@code nLayers}.
     *
     * @throws ModelFormatException naming the source and the tensor or key that does not fit
     */
    public void validate(int dim, int nLayers) {
        if (dim < 1 || nLayers < 1) throw new IllegalArgumentException("model dim " + dim + " and layers " + nLayers + " must be >= 1");
        if (switcher != null) {
            checkDim(HeadsFile.FC1_WEIGHT, "[" + switcher.hidden() + ", " + switcher.dim() + "]", switcher.dim(), dim);
            checkLayer(HeadsFile.SWITCHER_LAYER, switcher.layer(), nLayers);
        }
        if (verifier != null) {
            checkDim(HeadsFile.VERIFIER_WEIGHT, "[1, " + verifier.dim() + "]", verifier.dim(), dim);
            checkLayer(HeadsFile.VERIFIER_LAYER, verifier.layer(), nLayers);
        }
    }

    private void checkDim(String tensor, String shape, int headDim, int dim) {
        if (headDim != dim) {
            throw new ModelFormatException(source + ": tensor '" + tensor + "' has shape " + shape + ": its input width "
                    + headDim + " does not match the model's embedding width " + dim);
        }
    }

    private void checkLayer(String key, int layer, int nLayers) {
        if (layer >= nLayers) {
            throw new ModelFormatException(source + ": __metadata__ key '" + key + "' = " + layer + " but the model has "
                    + nLayers + " blocks (expected -1 .. " + (nLayers - 1) + ")");
        }
    }

    /**
     * Seeded random heads for demos and tests: they carry no trained knowledge, so their decisions are arbitrary
     * (but deterministic for a seed). Switcher: hidden width 8, layer -1, EMA pooling with chunk 128 and alpha
     * 0.5, threshold 0.5, weights drawn with variance 2/fan-in (so ReLU units stay active on unit-scale inputs),
     * biases 0. Verifier: layer -1, weights with variance 1/dim, bias 0, threshold 0.5.
     */
    public static Heads synthetic(int dim, long seed) {
        if (dim < 1) throw new IllegalArgumentException("dim " + dim + " < 1");
        SplittableRandom rnd = new SplittableRandom(seed);
        int hidden = 8;
        float[] w1 = gaussian(rnd, hidden * dim, Math.sqrt(2.0 / dim));
        float[] w2 = gaussian(rnd, hidden, Math.sqrt(2.0 / hidden));
        SwitcherHead s = new SwitcherHead(-1, Pooling.EMA, HeadsFile.DEFAULT_CHUNK, HeadsFile.DEFAULT_ALPHA,
                HeadsFile.DEFAULT_THRESHOLD, w1, new float[hidden], w2, 0f, dim, hidden);
        VerifierHead v = new VerifierHead(-1, gaussian(rnd, dim, Math.sqrt(1.0 / dim)), 0f, dim, 0.5f);
        return new Heads("synthetic heads (dim " + dim + ", seed " + seed + ")", s, v);
    }

    private static float[] gaussian(SplittableRandom rnd, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (std * rnd.nextGaussian());
        return v;
    }

    @Override
    public String toString() {
        return "Heads[" + source + ", switcher=" + switcher + ", verifier=" + verifier + "]";
    }
}
