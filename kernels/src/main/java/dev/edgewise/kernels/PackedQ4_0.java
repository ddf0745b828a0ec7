package dev.edgewise.kernels;

import dev.edgewise.quant.GGMLType;

import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Q4_0 weights repacked at load for the integer kernel (the way llama.cpp repacks Q4_0 for its
 * AVX/NEON GEMM): the same quants and scales, exactly, in an order where one short vector holds
 * one weight of each row of a panel.
 *
 * <p>Why: the float kernels turn every nibble into a float and are bounded by the FMA units (16
 * multiply-adds per instruction on AVX-512). With 8-bit activations, 16-bit lanes multiply and add
 * 32 at a time, and a panel layout lets every decoded weight vector serve a whole tile of
 * activation vectors. Sums stay exact in 16 bits: a lane adds 16 products of a quant in [0, 15] and
 * an activation in [-127, 127] plus the block's zero-point term, and the true total lies within
 * +-8 * 127 * 16, so wrap-around in between cancels.
 *
 * <p>Layout, for {@code P = panelRows} (the float lanes of the kernels' vector, 16 on AVX-512):
 * panels of P rows; a panel is a run of block pairs. A pair holds both blocks' P row scales (the
 * file's F16 bits), then each block's four chunks of 2P shorts: 36P bytes, so with 2P-byte vectors
 * every chunk starts on a vector boundary (a chunk split across two cache lines costs the tile a
 * second load) and the kernel reads one sequential stream (scales kept apart from the quants
 * halved its speed when streaming from memory). An odd last block is padded to a whole pair. Apart
 * from that padding the packing is as large as the file's Q4_0, 18 bytes per row and block.
 * Chunk c covers columns {@code 8c .. 8c + 7} of the block; short lane {@code 2i + p} holds, in
 * nibble j, the quant of row i at column {@code 8c + 2j + p}. So a chunk's nibble j, read as 2P
 * short lanes, pairs row i's columns {@code 2j} (even lane) and {@code 2j + 1} (odd lane), which
 * one broadcast int of two activation quants multiplies; the even and odd lanes are summed when
 * the block's sums are converted to float.
 */
public final class PackedQ4_0 {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int Q4_0_BLOCK_BYTES = 18;

    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final int panelRows;

    private PackedQ4_0(MemorySegment data, int rows, int cols, int panelRows) {
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.panelRows = panelRows;
    }

    /**
     * Whether {@code w} can be packed for the preferred kernels: Q4_0, whole panels of rows, and
     * finite scales (the kernel's F16 conversion leaves out Inf and NaN, which a sound file never
     * has; a matrix with one stays on the float kernel, which keeps them).
     */
    public static boolean canPack(WeightMatrix w) {
        int p = SimdKernels.preferred().int8PanelRows();
        return w.type() == GGMLType.Q4_0 && w.hasData() && p > 0 && w.rows() % p == 0 && finiteScales(w);
    }

    private static boolean finiteScales(WeightMatrix w) {
        MemorySegment data = w.data();
        long blocks = (long) w.rows() * (w.cols() / 32);
        for (long b = 0; b < blocks; b++) {
            if ((data.get(LE_SHORT, b * Q4_0_BLOCK_BYTES) & 0x7C00) == 0x7C00) return false;
        }
        return true;
    }

    /** An empty packing of {@code w} for panels of {@code panelRows}, in memory from {@code memory}; fill it with {@link #packPanels}. */
    public static PackedQ4_0 allocate(WeightMatrix w, int panelRows, SegmentAllocator memory) {
        Objects.requireNonNull(memory, "memory");
        return new PackedQ4_0(memory.allocate(bytes(w, panelRows), 64), w.rows(), w.cols(), panelRows);
    }

    /** Bytes of the packing of {@code w} for panels of {@code panelRows} (what {@link #allocate} takes, 64-byte aligned). */
    public static long bytes(WeightMatrix w, int panelRows) {
        Objects.requireNonNull(w, "w");
        if (w.type() != GGMLType.Q4_0) throw new IllegalArgumentException("only Q4_0 packs, not " + w);
        if (panelRows <= 0 || w.rows() % panelRows != 0) {
            throw new IllegalArgumentException(w + " does not split into panels of " + panelRows + " rows");
        }
        return panelBytes(w.cols(), panelRows) * (w.rows() / panelRows);
    }

    /** Packs {@code w} whole on the calling thread (see {@link #packPanels} to split the work). */
    public static PackedQ4_0 pack(WeightMatrix w, int panelRows, SegmentAllocator memory) {
        PackedQ4_0 p = allocate(w, panelRows, memory);
        p.packPanels(w, 0, p.panels());
        return p;
    }

    public int rows() { return rows; }

    public int cols() { return cols; }

    public int panelRows() { return panelRows; }

    public int panels() { return rows / panelRows; }

    MemorySegment data() { return data; }

    /** Bytes of one panel: pairs of blocks, each 2 x P F16 scales and 2 x 4 chunks of 2P shorts. */
    long panelStride() {
        return panelBytes(cols, panelRows);
    }

    private static long panelBytes(int cols, int panelRows) {
        return 36L * panelRows * ((cols / 32 + 1) / 2);
    }

    /** Offset in a panel of block b's four chunks. */
    long quantsOffset(int b) {
        return 36L * panelRows * (b >> 1) + 4L * panelRows + 16L * panelRows * (b & 1);
    }

    /** Offset in a panel of block b's P scales. */
    long scalesOffset(int b) {
        return 36L * panelRows * (b >> 1) + 2L * panelRows * (b & 1);
    }

    /** Packs panels {@code [p0, p1)} from {@code w}, which must be the matrix this was allocated for. */
    public void packPanels(WeightMatrix w, int p0, int p1) {
        if (w.rows() != rows || w.cols() != cols || w.type() != GGMLType.Q4_0) throw new IllegalArgumentException(w + " is not the matrix packed here");
        Objects.checkFromToIndex(p0, p1, panels());
        int blocks = cols / 32, lanes = 2 * panelRows;
        long rowBytes = w.rowBytes();
        MemorySegment src = w.data();
        short[] quants = new short[blocks * 4 * lanes];      // per block: 4 chunks of 2P shorts
        short[] scales = new short[blocks * panelRows];      // F16 bits
        for (int p = p0; p < p1; p++) {
            for (int i = 0; i < panelRows; i++) {
                long row = ((long) p * panelRows + i) * rowBytes;
                for (int b = 0; b < blocks; b++) {
                    long block = row + (long) Q4_0_BLOCK_BYTES * b;
                    scales[b * panelRows + i] = src.get(LE_SHORT, block);
                    // quant bytes 0..7 and 8..15: low nibbles are columns 0..15, high nibbles 16..31
                    long first = src.get(LE_LONG, block + 2), second = src.get(LE_LONG, block + 10);
                    int at = b * 4 * lanes + 2 * i;
                    quants[at] = evenNibbles(first);                       // chunk 0: columns 0..7
                    quants[at + 1] = evenNibbles(first >>> 8);
                    quants[at + lanes] = evenNibbles(second);              // chunk 1: columns 8..15
                    quants[at + lanes + 1] = evenNibbles(second >>> 8);
                    quants[at + 2 * lanes] = evenNibbles(first >>> 4);     // chunk 2: columns 16..23
                    quants[at + 2 * lanes + 1] = evenNibbles(first >>> 12);
                    quants[at + 3 * lanes] = evenNibbles(second >>> 4);    // chunk 3: columns 24..31
                    quants[at + 3 * lanes + 1] = evenNibbles(second >>> 12);
                }
            }
            long panel = p * panelStride();
            for (int b = 0; b < blocks; b++) {
                MemorySegment.copy(quants, b * 4 * lanes, data, LE_SHORT, panel + quantsOffset(b), 4 * lanes);
                MemorySegment.copy(scales, b * panelRows, data, LE_SHORT, panel + scalesOffset(b), panelRows);
            }
        }
    }

    /**
     * The low nibbles of bytes 0, 2, 4 and 6 of {@code bytes} as one short, nibble j from byte 2j:
     * a chunk lane's four quants (columns 2j + parity of its 8 columns).
     */
    static short evenNibbles(long bytes) {
        long x = bytes & 0x000F_000F_000F_000FL;
        x = (x | (x >>> 12)) & 0x0000_00FF_0000_00FFL;
        return (short) (x | (x >>> 24));
    }

    /**
     * Row r as floats, exactly as ggml dequantizes Q4_0 ({@code (q - 8) * d}): the packing holds the
     * same quants and scales, so a matrix kept only in this form loses nothing.
     */
    public void dequantizeRow(int r, float[] dst, int off) {
        Objects.checkIndex(r, rows);
        Objects.checkFromIndexSize(off, cols, dst.length);
        int p = r / panelRows, i = r % panelRows, lanes = 2 * panelRows;
        long panel = p * panelStride();
        for (int b = 0; b < cols / 32; b++) {
            float d = Float.float16ToFloat(data.get(LE_SHORT, panel + scalesOffset(b) + 2L * i));
            long quants = panel + quantsOffset(b);
            for (int c = 0; c < 4; c++) {
                for (int parity = 0; parity < 2; parity++) {
                    int lane = data.get(LE_SHORT, quants + 2L * (c * lanes + 2 * i + parity));
                    for (int j = 0; j < 4; j++) dst[off + 32 * b + 8 * c + 2 * j + parity] = (((lane >>> (4 * j)) & 0x0F) - 8) * d;
                }
            }
        }
    }

    /** Quant (0..15) of row r, column k, read back from the packing (for tests). */
    public int quant(int r, int k) {
        int p = r / panelRows, i = r % panelRows, b = k / 32, kk = k % 32;
        int c = kk >>> 3, j = (kk & 7) >>> 1, parity = kk & 1;
        long at = p * panelStride() + quantsOffset(b) + 2L * (c * 2 * panelRows + 2 * i + parity);
        return (data.get(LE_SHORT, at) >>> (4 * j)) & 0x0F;
    }

    /** Scale of row r, block b (for tests). */
    public float scale(int r, int b) {
        int p = r / panelRows, i = r % panelRows;
        return Float.float16ToFloat(data.get(LE_SHORT, p * panelStride() + scalesOffset(b) + 2L * i));
    }

    @Override
    public String toString() {
        return "PackedQ4_0[" + rows + " x " + cols + ", panels of " + panelRows + "]";
    }
}
