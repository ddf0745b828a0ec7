package dev.edgewise.quant;

/**
 * ggml tensor element types: the type traits (id, block size, bytes per block) of ggml's
 * {@code ggml_type_traits} table. Types that ggml has retired or that this project cannot read
 * have {@link #supported()} false; their ids are still known so errors can name them.
 */
public enum GGMLType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2);

    /** Number of elements in one block. Quantized formats store rows as whole blocks. */
    public final int blockSize;
    /** Bytes of one block. */
    public final int typeSize;
    /** ggml's numeric type id as stored in GGUF tensor infos. */
    public final int id;

    private static final GGMLType[] BY_ID = new GGMLType[64];

    static {
        for (GGMLType t : values()) BY_ID[t.id] = t;
    }

    GGMLType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The type with ggml id {@code id}, or null when the id is unknown or retired. */
    public static GGMLType fromId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /** Whether this project can dequantize the type (and so run a model holding it). */
    public boolean supported() {
        return switch (this) {
            case F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS -> true;
            default -> false;
        };
    }

    /**
     * Bytes of a row of {@code n} elements.
     *
     * @throws IllegalArgumentException if {@code n} is not a whole number of blocks
     */
    public long rowBytes(long n) {
        if (n < 0 || n % blockSize != 0) {
            throw new IllegalArgumentException(
                    "row length " + n + " is not a multiple of " + name() + "'s block size " + blockSize);
        }
        return Math.multiplyExact(n / blockSize, (long) typeSize);
    }
}
