package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;

/**
 * The kernels' per-type table: one row per ggml type that has SIMD kernels, saying what
 * {@code SpeciesKernels} runs for it. Each row gives
 * <ul>
 *   <li>its block: {@link #blockSize} elements in {@link #blockBytes} bytes, taken from
 *       {@link GGMLType} (the one place block sizes are defined);</li>
 *   <li>the vector widths its SIMD kernels run at ({@link Lanes});</li>
 *   <li>its kernels: at those widths every row has a one-vector fused kernel (weights decoded in
 *       registers) and a SIMD row decoder (for the 4 x 4 float tiles of batches), both in the
 *       per-width class its {@link Family} names; {@link #pairKernel} says whether it also has a
 *       fused kernel for exactly two vectors (two branches);</li>
 *   <li>whether it packs for the integer kernels ({@link #packing}).</li>
 * </ul>
 * Every other type is {@link #OTHER}: quant's scalar {@code Dequantize.row} decodes its rows for
 * the float tiles, at every batch. The table is width-independent; each width's kernels test
 * {@link Lanes#fits} once per call.
 */
enum WeightFormat {
    F32(GGMLType.F32, Family.ELEMENTS, Lanes.ANY, false),
    F16(GGMLType.F16, Family.ELEMENTS, Lanes.HALVES, false),
    BF16(GGMLType.BF16, Family.ELEMENTS, Lanes.HALVES, false),
    Q8_0(GGMLType.Q8_0, Family.QUANTS, Lanes.BLOCKS, true),
    Q4_0(GGMLType.Q4_0, Family.QUANTS, Lanes.BLOCKS, true),
    Q5_0(GGMLType.Q5_0, Family.QUANTS, Lanes.BLOCKS, false),
    Q4_K(GGMLType.Q4_K, Family.K_QUANTS, Lanes.BLOCKS, false),
    Q6_K(GGMLType.Q6_K, Family.K_QUANTS, Lanes.BLOCKS, false),
    /** No float SIMD kernels (quant's scalar decoder, as {@link #OTHER}), but packs for the integer kernels. */
    Q5_K(GGMLType.Q5_K, Family.NONE, Lanes.NONE, false),
    /** Every type without SIMD kernels: scalar decoding, then the float tiles. */
    OTHER(null, Family.NONE, Lanes.NONE, false);

    /** The per-width class that holds a format's fused kernels and row decoders. */
    enum Family {
        /** {@link ElementKernels}: F32, F16, BF16. */
        ELEMENTS,
        /** {@link QuantKernels}: the 32-element block quants. */
        QUANTS,
        /** {@link KQuantKernels}: the 256-element K-quants. */
        K_QUANTS,
        /** None: quant's scalar decoder. */
        NONE
    }

    /** Which float vector widths (lanes {@code L}) a format's SIMD kernels are written for. */
    enum Lanes {
        /** Any width (F32: plain float loads). */
        ANY,
        /** {@code L} 16-bit values load as one short vector: {@code 4 <= L <= 32}. */
        HALVES,
        /**
         * Quants are read in chunks of {@code L} bytes (or two 8-byte parts when {@code L = 4})
         * that must tile a 16-byte half block: {@code 4 <= L <= 16} and {@code L} divides 16.
         */
        BLOCKS,
        /** No SIMD kernels. */
        NONE;

        /** Bytes of quants a {@link #BLOCKS} kernel reads per load at a width of {@code lanes} floats: {@code L}, at least 8. */
        static int quantChunk(int lanes) {
            return Math.max(8, lanes);
        }

        /** Whether a width of {@code lanes} floats runs these kernels. */
        boolean fits(int lanes) {
            return switch (this) {
                case ANY -> true;
                case HALVES -> lanes >= 4 && lanes <= 32;
                case BLOCKS -> lanes >= 4 && lanes <= 16 && 16 % lanes == 0;
                case NONE -> false;
            };
        }
    }

    /** How a format's matrices are repacked at load for the integer kernels on 8-bit activations. */
    enum Packing {
        /** Not packed: the float kernels read the file's layout. */
        NONE,
        /** {@link PackedQ4_0}: 4-bit planes in panels. */
        Q4_0_PANELS,
        /** {@link PackedBlocks}, for the types {@link PackedBlocks#packs} accepts. */
        BLOCKS
    }

    /** The ggml type of this row; null for {@link #OTHER}. */
    final GGMLType type;
    /** Elements per block (1 for element formats); 0 for {@link #OTHER}, whose types vary. */
    final int blockSize;
    /** Bytes per block; 0 for {@link #OTHER}. */
    final int blockBytes;
    /** The class holding its fused kernels and decoders. */
    final Family family;
    /** The widths its SIMD kernels (fused and decoder) run at. */
    final Lanes lanes;
    /** Whether it has a fused kernel for exactly two vectors (else two vectors go through the decoded-row tiles). */
    final boolean pairKernel;
    /** Whether its matrices pack for the integer kernels, and into what. */
    final Packing packing;

    private static final WeightFormat[] BY_TYPE = new WeightFormat[GGMLType.values().length];

    static {
        java.util.Arrays.fill(BY_TYPE, OTHER);
        for (WeightFormat f : values()) if (f.type != null) BY_TYPE[f.type.ordinal()] = f;
    }

    WeightFormat(GGMLType type, Family family, Lanes lanes, boolean pairKernel) {
        this.type = type;
        this.family = family;
        this.blockSize = type == null ? 0 : type.blockSize;
        this.blockBytes = type == null ? 0 : type.typeSize;
        this.lanes = lanes;
        this.pairKernel = pairKernel;
        this.packing = type == GGMLType.Q4_0 ? Packing.Q4_0_PANELS
                : type != null && PackedBlocks.packs(type) ? Packing.BLOCKS : Packing.NONE;
    }

    /** The row of {@code type} ({@link #OTHER} when it has no SIMD kernels). */
    static WeightFormat of(GGMLType type) {
        return BY_TYPE[type.ordinal()];
    }
}
