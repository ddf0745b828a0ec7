package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Q8_0, Q5_0, Q4_K, Q5_K and Q6_K weights repacked at load for the integer kernels, in {@link PackedQ4_0}'s panel
 * layout: the same quants and scales, exactly, in chunks that 16-bit lanes multiply against 8-bit
 * activations without overflow.
 *
 * <p>Q8_0 keeps its quants as bytes; the others become 4-bit "nibble planes" laid out like a Q4_0
 * block (four chunks of 2P shorts per 32 columns; chunk c covers columns {@code 8c .. 8c + 7}, short
 * lane {@code 2i + p} holds row i's columns {@code 8c + 2j + p} in nibble j) plus their high bits:
 * <ul>
 *   <li>Q8_0, {@code q} in [-128, 127]: not planes but the quants as bytes, eight chunks per block,
 *       chunk c's lane {@code 2i + p} holding row i's column {@code 4c + p} in its low byte and
 *       {@code 4c + 2 + p} in its high byte. A 16-bit lane holds the sum of those two products
 *       only ({@code 2 x 128 x 127}), so the kernels widen every chunk's sums to ints; with one
 *       shift or two per quant that is still about two thirds of the operations that two nibble
 *       planes of {@code q + 128 = 16 h + l} took (twice the multiplies, a mask per nibble).
 *   <li>Q5_0, {@code q} in [0, 31]: the plane of the low four bits, then one chunk of 2P shorts
 *       whose lanes hold the fifth bits of their four chunks (bit {@code 4c + j}); with the zero
 *       point {@code -16 sum a} folded in, a lane's {@code sum (q - 16) a} stays within 16 bits.
 *   <li>Q4_K, {@code q} in [0, 15] with a 6-bit scale and min per 32 columns: one plane per
 *       32 columns, no zero point ({@code sum q a} fits: 16 products of at most 15 x 127); the
 *       min's term {@code m sum a} is added in float.
 *   <li>Q5_K, {@code q} in [0, 31] with Q4_K's scales and mins: per 32 columns Q5_0's plane and
 *       fifth-bit chunk, summed as Q5_0's {@code sum (q - 16) a}; {@code 16 sum a} is added back
 *       as an integer before the sub-block's scale.
 *   <li>Q6_K, {@code q} in [0, 63] with a signed 8-bit scale per 16 columns: per 32 columns the
 *       plane of the low four bits, then two chunks whose lanes hold the 2-bit high parts of
 *       chunks 0-1 and 2-3 (nibble j of chunk c at bits {@code 2 (4 (c & 1) + j)}). Each 16-column
 *       half sums {@code sum (q - 32) a} (8 products per lane, at most 32 x 127 each, so the total
 *       fits 16 bits) with the zero point {@code -32 sum a} of that half
 *       ({@link Int8Activations}' half sums) folded in; the products overflow 16 bits on the way
 *       but the lanes wrap, and the total is exact.
 * </ul>
 * Q8_0 and Q5_0 panels of P rows are runs of block pairs: both blocks' P row scales (the file's F16
 * bits), then each block's planes, so with 2P-short vectors every chunk starts on a vector
 * boundary; an odd last block is padded to a whole pair. A K-quant panel is a run of
 * super-blocks: the P rows' F16 {@code d}, their F16 {@code dmin} (Q6_K: unused), per 32 columns
 * the P rows' scale and min as a short (scale in the low byte; Q6_K: its two halves' signed
 * scales), then the 8 sub-blocks' planes and high bits (the header 20 P bytes, a whole number of
 * vectors). Apart from the padding the packing is as large as the file: 34 (Q8_0) or 22 (Q5_0)
 * bytes per row and block, 148, 180 and 212 per row and Q4_K, Q5_K and Q6_K super-block (the
 * file's 144, 176 and 210, their 6-bit fields widened to bytes).
 */
public final class PackedBlocks {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GGMLType type;
    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final int panelRows;

    private PackedBlocks(GGMLType type, MemorySegment data, int rows, int cols, int panelRows) {
        this.type = type;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.panelRows = panelRows;
    }

    /** Whether {@code type} packs here. */
    public static boolean packs(GGMLType type) {
        return type == GGMLType.Q8_0 || type == GGMLType.Q5_0 || kQuant(type);
    }

    /** Whether {@code type} is one of the K-quants packed here (256-column super-blocks). */
    static boolean kQuant(GGMLType type) {
        return type == GGMLType.Q4_K || type == GGMLType.Q5_K || type == GGMLType.Q6_K;
    }

    /**
     * Whether {@code w} can be packed for the preferred kernels: a type {@link #packs} accepts, whole
     * panels of rows, and finite scales (the kernel's F16 conversion leaves out Inf and NaN).
     */
    public static boolean canPack(WeightMatrix w) {
        int p = SimdKernels.preferred().int8PanelRows();
        return packs(w.type()) && w.hasData() && p > 0 && w.rows() % p == 0 && finiteScales(w);
    }

    private static boolean finiteScales(WeightMatrix w) {
        MemorySegment data = w.data();
        GGMLType t = w.type();
        long blocks = (long) w.rows() * (w.cols() / t.blockSize);
        // the F16 fields of a block: d (Q6_K's after its quants and scales), and the K-quants' dmin
        int d = t == GGMLType.Q6_K ? 208 : 0, dmin = t == GGMLType.Q4_K || t == GGMLType.Q5_K ? 2 : d;
        for (long b = 0; b < blocks; b++) {
            if ((data.get(LE_SHORT, b * t.typeSize + d) & 0x7C00) == 0x7C00) return false;
            if ((data.get(LE_SHORT, b * t.typeSize + dmin) & 0x7C00) == 0x7C00) return false;
        }
        return true;
    }

    /** Bytes of the packing of {@code w} for panels of {@code panelRows}. */
    public static long bytes(WeightMatrix w, int panelRows) {
        Objects.requireNonNull(w, "w");
        if (!packs(w.type())) throw new IllegalArgumentException("only Q8_0, Q5_0, Q4_K, Q5_K and Q6_K pack here, not " + w);
        if (panelRows <= 0 || w.rows() % panelRows != 0) {
            throw new IllegalArgumentException(w + " does not split into panels of " + panelRows + " rows");
        }
        return panelBytes(w.type(), w.cols(), panelRows) * (w.rows() / panelRows);
    }

    /** An empty packing of {@code w}, in memory from {@code memory}; fill it with {@link #packPanels}. */
    public static PackedBlocks allocate(WeightMatrix w, int panelRows, SegmentAllocator memory) {
        Objects.requireNonNull(memory, "memory");
        return new PackedBlocks(w.type(), memory.allocate(bytes(w, panelRows), 64), w.rows(), w.cols(), panelRows);
    }

    /** Packs {@code w} whole on the calling thread. */
    public static PackedBlocks pack(WeightMatrix w, int panelRows, SegmentAllocator memory) {
        PackedBlocks p = allocate(w, panelRows, memory);
        p.packPanels(w, 0, p.panels());
        return p;
    }

    public GGMLType type() { return type; }

    public int rows() { return rows; }

    public int cols() { return cols; }

    public int panelRows() { return panelRows; }

    public int panels() { return rows / panelRows; }

    MemorySegment data() { return data; }

    /** Bytes of one block's quants per row, per 32 columns: Q8_0's bytes, or Q5_0's plane and fifth-bit chunk. */
    private static long planeBytesPerRow(GGMLType type) {
        return type == GGMLType.Q8_0 ? 32 : 20;
    }

    /** Bytes per row of a packed K-quant super-block's header: F16 d and dmin (Q6_K: d, 2 bytes unused), 8 shorts of scales. */
    static final int K_HEADER_BYTES = 4 + 16;

    /**
     * Bytes per row of one packed 32-column sub-block of a K-quant: its nibble plane (16), then
     * Q5_K's fifth-bit chunk (4) or Q6_K's two chunks of 2-bit high parts (8).
     */
    static int kSubBlockBytes(GGMLType type) {
        return type == GGMLType.Q4_K ? 16 : type == GGMLType.Q5_K ? 20 : 24;
    }

    /** Bytes per row of a packed K-quant super-block: Q4_K 148, Q5_K 180, Q6_K 212 (the file's 144, 176, 210). */
    static int kRowBytes(GGMLType type) {
        return K_HEADER_BYTES + 8 * kSubBlockBytes(type);
    }

    private static long panelBytes(GGMLType type, int cols, int panelRows) {
        if (kQuant(type)) return (long) kRowBytes(type) * panelRows * (cols / 256);
        return (4 + 2 * planeBytesPerRow(type)) * panelRows * ((cols / 32 + 1) / 2);
    }

    long panelStride() {
        return panelBytes(type, cols, panelRows);
    }

    /** Offset in a panel of block b's planes. */
    long quantsOffset(int b) {
        long pair = (4 + 2 * planeBytesPerRow(type)) * panelRows;
        return pair * (b >> 1) + 4L * panelRows + planeBytesPerRow(type) * panelRows * (b & 1);
    }

    /** Offset in a panel of block b's P scales. */
    long scalesOffset(int b) {
        return (4 + 2 * planeBytesPerRow(type)) * panelRows * (b >> 1) + 2L * panelRows * (b & 1);
    }

    /** Packs panels {@code [p0, p1)} from {@code w}, which must be the matrix this was allocated for. */
    public void packPanels(WeightMatrix w, int p0, int p1) {
        if (w.rows() != rows || w.cols() != cols || w.type() != type) throw new IllegalArgumentException(w + " is not the matrix packed here");
        Objects.checkFromToIndex(p0, p1, panels());
        if (kQuant(type)) {
            packKQuant(w, p0, p1);
            return;
        }
        int blocks = cols / 32, lanes = 2 * panelRows, planeShorts = (int) planeBytesPerRow(type) / 2 * panelRows;
        long rowBytes = w.rowBytes();
        MemorySegment src = w.data();
        short[] quants = new short[blocks * planeShorts];
        short[] scales = new short[blocks * panelRows];
        for (int p = p0; p < p1; p++) {
            for (int i = 0; i < panelRows; i++) {
                long row = ((long) p * panelRows + i) * rowBytes;
                for (int b = 0; b < blocks; b++) {
                    long block = row + (long) type.typeSize * b;
                    scales[b * panelRows + i] = src.get(LE_SHORT, block);
                    int at = b * planeShorts + 2 * i;
                    if (type == GGMLType.Q8_0) packQ8_0(src, block + 2, quants, at, lanes);
                    else packQ5_0(src, block, quants, at, lanes);
                }
            }
            long panel = p * panelStride();
            for (int b = 0; b < blocks; b++) {
                MemorySegment.copy(quants, b * planeShorts, data, LE_SHORT, panel + quantsOffset(b), planeShorts);
                MemorySegment.copy(scales, b * panelRows, data, LE_SHORT, panel + scalesOffset(b), panelRows);
            }
        }
    }

    /**
     * K-quant panels: per super-block the rows' header (F16 d and dmin, or Q6_K's d; 8 shorts of
     * sub-block scales: Q4_K/Q5_K scale and min as ggml's get_scale_min_k4 gives them, Q6_K the
     * signed scales of its two 16-column halves), then per 32-column sub-block the nibble plane of
     * the quants' low four bits and their high bits ({@link #kQuantBits}).
     */
    private void packKQuant(WeightMatrix w, int p0, int p1) {
        int superBlocks = cols / 256, lanes = 2 * panelRows, rowBytes = kRowBytes(type), sub = kSubBlockBytes(type);
        boolean q6 = type == GGMLType.Q6_K;
        MemorySegment src = w.data();
        byte[] buf = new byte[rowBytes * panelRows];
        int[] q = new int[256];
        for (int p = p0; p < p1; p++) {
            long panel = p * panelStride();
            for (int sb = 0; sb < superBlocks; sb++) {
                for (int i = 0; i < panelRows; i++) {
                    long block = ((long) p * panelRows + i) * w.rowBytes() + (long) type.typeSize * sb;
                    short d = src.get(LE_SHORT, block + (q6 ? 208 : 0)), dmin = q6 ? 0 : src.get(LE_SHORT, block + 2);
                    putShort(buf, 2 * i, d);
                    putShort(buf, 2 * panelRows + 2 * i, dmin);
                    for (int j = 0; j < 8; j++) {
                        int at = (4 + 2 * j) * panelRows + 2 * i;
                        buf[at] = (byte) (q6 ? src.get(ValueLayout.JAVA_BYTE, block + 192 + 2 * j) : q4kScale(src, block + 4, j));
                        buf[at + 1] = (byte) (q6 ? src.get(ValueLayout.JAVA_BYTE, block + 193 + 2 * j) : q4kMin(src, block + 4, j));
                    }
                    for (int k = 0; k < 256; k++) q[k] = fileQuant(type, src, block, k);
                    for (int j = 0; j < 8; j++) {
                        int plane = K_HEADER_BYTES * panelRows + j * sub * panelRows;
                        for (int c = 0; c < 4; c++) {
                            for (int parity = 0; parity < 2; parity++) {
                                int low = 0;
                                for (int jj = 0; jj < 4; jj++) low |= (q[32 * j + 8 * c + 2 * jj + parity] & 0x0F) << (4 * jj);
                                putShort(buf, plane + 2 * (c * lanes + 2 * i + parity), (short) low);
                            }
                        }
                        for (int parity = 0; parity < 2; parity++) {
                            for (int h = 0; h < (sub - 16) / 4; h++) {
                                int bits = 0;
                                for (int c = 0; c < 4; c++) {
                                    for (int jj = 0; jj < 4; jj++) {
                                        int high = q[32 * j + 8 * c + 2 * jj + parity] >>> 4;
                                        if (!q6) bits |= high << (4 * c + jj);
                                        else if (c >> 1 == h) bits |= high << (2 * (4 * (c & 1) + jj));
                                    }
                                }
                                putShort(buf, plane + 2 * ((4 + h) * lanes + 2 * i + parity), (short) bits);
                            }
                        }
                    }
                }
                MemorySegment.copy(buf, 0, data, ValueLayout.JAVA_BYTE, panel + (long) sb * rowBytes * panelRows, buf.length);
            }
        }
    }

    private static void putShort(byte[] buf, int at, short v) {
        buf[at] = (byte) v;
        buf[at + 1] = (byte) (v >> 8);
    }

    /**
     * Column k of a K-quant super-block at {@code block} as its unsigned quant (ggml's
     * dequantize_row_q4_K / q5_K / q6_K): Q4_K's 0..15 (the low or high nibble of
     * {@code qs[32 (j / 2) + l]} for sub-block j, column l), Q5_K's 0..31 (and bit j of
     * {@code qh[l]}), Q6_K's 0..63 (the low or high nibble of {@code ql[64 n + 32 (g & 1) + l]} and
     * bits {@code 2g, 2g + 1} of {@code qh[32 n + l]} for column {@code 128 n + 32 g + l}).
     */
    static int fileQuant(GGMLType type, MemorySegment src, long block, int k) {
        if (type == GGMLType.Q6_K) {
            int n = k / 128, g = k % 128 / 32, l = k % 32;
            int ql = src.get(ValueLayout.JAVA_BYTE, block + 64L * n + 32 * (g & 1) + l) & 0xFF;
            int qh = src.get(ValueLayout.JAVA_BYTE, block + 128 + 32L * n + l) & 0xFF;
            return (g < 2 ? ql & 0x0F : ql >>> 4) | ((qh >>> (2 * g)) & 3) << 4;
        }
        int j = k / 32, l = k % 32;
        long qs = block + (type == GGMLType.Q5_K ? 48 : 16);
        int b = src.get(ValueLayout.JAVA_BYTE, qs + 32L * (j / 2) + l) & 0xFF;
        int low = j % 2 == 0 ? b & 0x0F : b >>> 4;
        if (type == GGMLType.Q4_K) return low;
        return low | ((src.get(ValueLayout.JAVA_BYTE, block + 16 + l) >>> j) & 1) << 4;
    }

    /** Sub-block j's 6-bit scale from a Q4_K block's 12 scale bytes at {@code scales} (ggml's get_scale_min_k4). */
    static int q4kScale(MemorySegment src, long scales, int j) {
        if (j < 4) return src.get(ValueLayout.JAVA_BYTE, scales + j) & 63;
        return (src.get(ValueLayout.JAVA_BYTE, scales + j + 4) & 0x0F) | ((src.get(ValueLayout.JAVA_BYTE, scales + j - 4) & 0xFF) >>> 6) << 4;
    }

    /** Sub-block j's 6-bit min (ggml's get_scale_min_k4). */
    static int q4kMin(MemorySegment src, long scales, int j) {
        if (j < 4) return src.get(ValueLayout.JAVA_BYTE, scales + j + 4) & 63;
        return ((src.get(ValueLayout.JAVA_BYTE, scales + j + 4) & 0xFF) >>> 4) | ((src.get(ValueLayout.JAVA_BYTE, scales + j) & 0xFF) >>> 6) << 4;
    }

    /** One row's Q8_0 block (32 signed bytes at qs): eight chunks, lane p of chunk c holding columns 4c + p and 4c + 2 + p. */
    private static void packQ8_0(MemorySegment src, long qs, short[] quants, int at, int lanes) {
        for (int c = 0; c < 8; c++) {
            for (int parity = 0; parity < 2; parity++) {
                int low = src.get(ValueLayout.JAVA_BYTE, qs + 4 * c + parity) & 0xFF, high = src.get(ValueLayout.JAVA_BYTE, qs + 4 * c + 2 + parity);
                quants[at + c * lanes + parity] = (short) (low | high << 8);
            }
        }
    }

    /** One row's Q5_0 block (d, qh, 16 nibble bytes): the low-nibble plane, then the fifth bits. */
    private static void packQ5_0(MemorySegment src, long block, short[] quants, int at, int lanes) {
        int qh = src.get(LE_INT, block + 2);
        long first = src.get(LE_LONG, block + 6), second = src.get(LE_LONG, block + 14);
        quants[at] = PackedQ4_0.evenNibbles(first);                       // chunk 0: columns 0..7
        quants[at + 1] = PackedQ4_0.evenNibbles(first >>> 8);
        quants[at + lanes] = PackedQ4_0.evenNibbles(second);              // chunk 1: columns 8..15
        quants[at + lanes + 1] = PackedQ4_0.evenNibbles(second >>> 8);
        quants[at + 2 * lanes] = PackedQ4_0.evenNibbles(first >>> 4);     // chunk 2: columns 16..23
        quants[at + 2 * lanes + 1] = PackedQ4_0.evenNibbles(first >>> 12);
        quants[at + 3 * lanes] = PackedQ4_0.evenNibbles(second >>> 4);    // chunk 3: columns 24..31
        quants[at + 3 * lanes + 1] = PackedQ4_0.evenNibbles(second >>> 12);
        for (int parity = 0; parity < 2; parity++) {
            int bits = 0;
            for (int c = 0; c < 4; c++) {
                for (int j = 0; j < 4; j++) bits |= ((qh >>> (8 * c + 2 * j + parity)) & 1) << (4 * c + j);
            }
            quants[at + 4 * lanes + parity] = (short) bits;
        }
    }

    /**
     * Quant of row r, column k, read back from the packing: Q8_0's signed value, Q5_0's 0..31, the
     * K-quants' unsigned quant (Q4_K 0..15, Q5_K 0..31, Q6_K 0..63). For tests.
     */
    public int quant(int r, int k) {
        int p = r / panelRows, i = r % panelRows, b = k / 32, kk = k % 32, lanes = 2 * panelRows;
        int c = kk >>> 3, j = (kk & 7) >>> 1, parity = kk & 1;
        if (kQuant(type)) {
            long plane = p * panelStride() + (long) (b / 8) * kRowBytes(type) * panelRows + (long) K_HEADER_BYTES * panelRows
                    + (long) (b % 8) * kSubBlockBytes(type) * panelRows;
            int low = data.get(LE_SHORT, plane + 2L * (c * lanes + 2 * i + parity)) >>> (4 * j) & 0x0F;
            if (type == GGMLType.Q4_K) return low;
            if (type == GGMLType.Q5_K) return low | (data.get(LE_SHORT, plane + 2L * (4 * lanes + 2 * i + parity)) >>> (4 * c + j) & 1) << 4;
            return low | (data.get(LE_SHORT, plane + 2L * ((4 + (c >> 1)) * lanes + 2 * i + parity)) >>> (2 * (4 * (c & 1) + j)) & 3) << 4;
        }
        long q = p * panelStride() + quantsOffset(b);
        if (type == GGMLType.Q8_0) return data.get(LE_SHORT, q + 2L * ((kk >>> 2) * lanes + 2 * i + parity)) >> (8 * (kk >>> 1 & 1)) << 24 >> 24;
        int first = data.get(LE_SHORT, q + 2L * (c * lanes + 2 * i + parity)) >>> (4 * j) & 0x0F;
        int fifth = data.get(LE_SHORT, q + 2L * (4 * lanes + 2 * i + parity)) >>> (4 * c + j) & 1;
        return first | fifth << 4;
    }

    /**
     * A K-quant's fields as packed, for row r: super-block b's {@code d} (field 0) or {@code dmin}
     * (1, Q4_K and Q5_K) as float; Q4_K/Q5_K: 32-column sub-block b's scale (2) or min (3) as
     * stored (0..63); Q6_K: 16-column sub-block b's signed scale (2). For tests.
     */
    public float kQuantField(int r, int b, int field) {
        int p = r / panelRows, i = r % panelRows, perSuper = type == GGMLType.Q6_K ? 16 : 8;
        long sb = p * panelStride() + (long) (field < 2 ? b : b / perSuper) * kRowBytes(type) * panelRows;
        if (type == GGMLType.Q6_K && field == 2) return data.get(ValueLayout.JAVA_BYTE, sb + (4L + 2 * (b % 16 / 2)) * panelRows + 2L * i + b % 2);
        return switch (field) {
            case 0 -> Float.float16ToFloat(data.get(LE_SHORT, sb + 2L * i));
            case 1 -> Float.float16ToFloat(data.get(LE_SHORT, sb + 2L * panelRows + 2L * i));
            case 2 -> data.get(ValueLayout.JAVA_BYTE, sb + (4L + 2 * (b % 8)) * panelRows + 2L * i);
            default -> data.get(ValueLayout.JAVA_BYTE, sb + (4L + 2 * (b % 8)) * panelRows + 2L * i + 1);
        };
    }

    /**
     * Row {@code r} into {@code dst[off .. off + cols)}, exactly as ggml's dequantizer of the type
     * computes it from the file ({@code dev.edgewise.quant.Dequantize.row}): the packing keeps every
     * quant and scale. For embedding lookups of a tied output matrix held only in this form.
     */
    public void dequantizeRow(int r, float[] dst, int off) {
        Objects.checkIndex(r, rows);
        Objects.checkFromIndexSize(off, cols, dst.length);
        for (int b = 0; b < cols / 32; b++) {
            int k0 = 32 * b;
            if (type == GGMLType.Q6_K) { // d * sc * (q - 32) per 16 columns, as dequantize_row_q6_K
                for (int l = 0; l < 32; l++) dst[off + k0 + l] = kQuantField(r, b / 8, 0) * (int) kQuantField(r, 2 * b + l / 16, 2) * (quant(r, k0 + l) - 32);
            } else if (kQuant(type)) { // d * sc * q - dmin * m, as dequantize_row_q4_K / q5_K
                float d1 = kQuantField(r, b / 8, 0) * (int) kQuantField(r, b, 2), m1 = kQuantField(r, b / 8, 1) * (int) kQuantField(r, b, 3);
                for (int l = 0; l < 32; l++) dst[off + k0 + l] = d1 * quant(r, k0 + l) - m1;
            } else {
                float d = scale(r, b);
                int centre = type == GGMLType.Q5_0 ? 16 : 0;
                for (int l = 0; l < 32; l++) dst[off + k0 + l] = (quant(r, k0 + l) - centre) * d;
            }
        }
    }

    /** Scale of row r, block b (Q8_0, Q5_0; for tests). */
    public float scale(int r, int b) {
        int p = r / panelRows, i = r % panelRows;
        return Float.float16ToFloat(data.get(LE_SHORT, p * panelStride() + scalesOffset(b) + 2L * i));
    }

    @Override
    public String toString() {
        return "PackedBlocks[" + type + " " + rows + " x " + cols + ", panels of " + panelRows + "]";
    }
}
