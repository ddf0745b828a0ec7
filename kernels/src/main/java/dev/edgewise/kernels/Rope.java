package dev.edgewise.kernels;

import java.util.Objects;

/**
 * NeoX-style rotary position embedding (rotate halves), as llama.cpp applies it to Qwen2: within
 * each head, element {@code i} pairs with element {@code i + headDim/2}.
 *
 * <p>Angles are computed in double ({@code theta = pos * base^(-2i/headDim)}) and their cosine and
 * sine rounded to float once; each thread keeps the table for the last position it rotated, so the
 * query and key projections of every layer at one position share a single table.
 */
public final class Rope {
    private final int headDim;
    private final int half;
    private final double[] invFreq;
    private final SimdKernels kernels;
    private final ThreadLocal<Angles> angles;

    /** @param freqBase the RoPE base frequency ({@code rope.freq_base}, 1e6 for Qwen2.5) */
    public Rope(int headDim, float freqBase) {
        this(headDim, freqBase, SimdKernels.preferred());
    }

    /** Same, rotating with the given kernels (tests use this to cover every vector width). */
    public Rope(int headDim, float freqBase, SimdKernels kernels) {
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("RoPE head dimension must be positive and even, got " + headDim);
        }
        if (!(freqBase > 0) || Float.isInfinite(freqBase)) {
            throw new IllegalArgumentException("RoPE base frequency must be positive and finite, got " + freqBase);
        }
        this.headDim = headDim;
        this.half = headDim / 2;
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.invFreq = new double[half];
        for (int i = 0; i < half; i++) invFreq[i] = Math.pow(freqBase, -2.0 * i / headDim);
        this.angles = ThreadLocal.withInitial(() -> new Angles(half));
    }

    public int headDim() {
        return headDim;
    }

    /**
     * Rotates {@code nHeads} consecutive heads of {@code headDim} floats starting at {@code off}
     * to position {@code pos}.
     */
    public void apply(float[] x, int off, int nHeads, int pos) {
        if (pos < 0) throw new IllegalArgumentException("negative RoPE position " + pos);
        if (nHeads < 0) throw new IllegalArgumentException("negative head count " + nHeads);
        Objects.checkFromIndexSize(off, Math.multiplyExact(nHeads, headDim), x.length);
        Angles a = angles.get();
        if (a.pos != pos) a.compute(pos, invFreq);
        kernels.rotateHalves(x, off, nHeads, headDim, a.cos, a.sin);
    }

    /** cos/sin of every frequency at one position. */
    private static final class Angles {
        int pos = -1;
        final float[] cos;
        final float[] sin;

        Angles(int half) {
            cos = new float[half];
            sin = new float[half];
        }

        void compute(int pos, double[] invFreq) {
            for (int i = 0; i < invFreq.length; i++) {
                double theta = pos * invFreq[i];
                cos[i] = (float) Math.cos(theta);
                sin[i] = (float) Math.sin(theta);
            }
            this.pos = pos;
        }
    }
}
