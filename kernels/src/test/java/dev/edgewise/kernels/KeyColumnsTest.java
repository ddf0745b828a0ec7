package dev.edgewise.kernels;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Keys stored as columns: the layout against ggml's Q8_0 rows, the scores against the scalar fma chain and a float64 dot. */
class KeyColumnsTest {
    private static final int[] ROW_LENGTHS = {32, 64, 96, 128, 256};

    /** Keys of {@code slots} positions as Q8_0 columns of a block of {@code stride} (unused slots hold noise). */
    private static byte[] q8Columns(Random rnd, float[] keys, int slots, int stride, int n, int pad) {
        byte[] block = new byte[pad + KvKernels.q8_0Bytes(n) * stride];
        for (int i = 0; i < block.length; i++) block[i] = (byte) rnd.nextInt();
        for (int p = 0; p < slots; p++) KeyColumns.quantizeQ8_0(keys, p * n, block, pad, stride, p, n);
        return block;
    }

    @Test
    void q8_0ColumnsHoldGgmlsBlocksOfEachRow() {
        Random rnd = new Random(2);
        for (int n : ROW_LENGTHS) {
            int stride = 16, slots = 11;
            float[] keys = KvKernelsTest.random(rnd, slots * n, 2);
            byte[] block = q8Columns(rnd, keys, slots, stride, n, 3);
            for (int p = 0; p < slots; p++) {
                byte[] row = KvKernelsTest.quantizeReference(keys, p * n, n);
                float[] got = new float[n + 1];
                KeyColumns.dequantizeQ8_0(block, 3, stride, p, got, 1, n);
                for (int i = 0; i < n; i++) assertThat(got[1 + i]).as("n=%d p=%d i=%d", n, p, i).isEqualTo(KvKernelsTest.value(row, 0, i));
            }
        }
    }

    @Test
    void columnScoresAreTheScalarFmaChainBitForBit() {
        Random rnd = new Random(5);
        for (int n : new int[] {32, 64, 128}) {
            for (int stride : new int[] {1, 5, 16, 17, 32}) {
                for (int slots : new int[] {stride, Math.max(1, stride / 2), stride - 1}) {
                    for (int heads : new int[] {1, 2, 3, 4, 5, 7, 8, 12}) {
                        float[] keys = KvKernelsTest.random(rnd, stride * n, 2), q = KvKernelsTest.random(rnd, heads * n + 3, 1);
                        int outStride = slots + 3;
                        String at = String.format("n=%d stride=%d slots=%d heads=%d", n, stride, slots, heads);
                        // float columns: value i of position p at 2 + i*stride + p
                        float[] kt = KvKernelsTest.random(rnd, 2 + n * stride, 5);
                        for (int p = 0; p < slots; p++) for (int i = 0; i < n; i++) kt[2 + i * stride + p] = keys[p * n + i];
                        float[] got = new float[heads * outStride + 1];
                        KeyColumns.scores(q, 3, heads, kt, 2, stride, slots, n, 0.125f, got, 1, outStride);
                        byte[] q8 = q8Columns(rnd, keys, slots, stride, n, 7);
                        float[] gotQ8 = new float[heads * outStride + 1];
                        KeyColumns.scoresQ8_0(q, 3, heads, q8, 7, stride, slots, n, 0.125f, gotQ8, 1, outStride);
                        for (int h = 0; h < heads; h++) {
                            for (int p = 0; p < slots; p++) {
                                float chain = 0;
                                double exact = 0, magnitude = 0;
                                for (int i = 0; i < n; i++) {
                                    chain = Math.fma(q[3 + h * n + i], keys[p * n + i], chain);
                                    exact += (double) q[3 + h * n + i] * keys[p * n + i];
                                    magnitude += Math.abs((double) q[3 + h * n + i] * keys[p * n + i]);
                                }
                                assertThat(got[1 + h * outStride + p]).as("float %s h=%d p=%d", at, h, p).isEqualTo(chain * 0.125f);
                                assertThat((double) got[1 + h * outStride + p]).isCloseTo(0.125 * exact, org.assertj.core.data.Offset.offset(1e-6 * magnitude));

                                byte[] row = KvKernelsTest.quantizeReference(keys, p * n, n);
                                float acc = 0;
                                double exactQ8 = 0, magQ8 = 0;
                                for (int b = 0; b < n / 32; b++) {
                                    float block = 0;
                                    for (int j = 0; j < 32; j++) block = Math.fma(q[3 + h * n + b * 32 + j], row[b * 34 + 2 + j], block);
                                    float d = Float.float16ToFloat((short) ((row[b * 34] & 0xFF) | (row[b * 34 + 1] << 8)));
                                    acc = Math.fma(block, d, acc);
                                }
                                for (int i = 0; i < n; i++) {
                                    exactQ8 += (double) q[3 + h * n + i] * KvKernelsTest.value(row, 0, i);
                                    magQ8 += Math.abs((double) q[3 + h * n + i] * KvKernelsTest.value(row, 0, i));
                                }
                                assertThat(gotQ8[1 + h * outStride + p]).as("q8_0 %s h=%d p=%d", at, h, p).isEqualTo(acc * 0.125f);
                                assertThat((double) gotQ8[1 + h * outStride + p]).isCloseTo(0.125 * exactQ8, org.assertj.core.data.Offset.offset(1e-6 * magQ8 + 1e-30));
                            }
                            for (int p = slots; p < outStride; p++) {
                                assertThat(got[1 + h * outStride + p]).as("nothing written past the slots").isZero();
                                assertThat(gotQ8[1 + h * outStride + p]).isZero();
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void badShapesAreRefused() {
        assertThatThrownBy(() -> KeyColumns.scoresQ8_0(new float[16], 0, 1, new byte[34 * 16], 0, 16, 16, 16, 1, new float[16], 0, 16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 32");
        assertThatThrownBy(() -> KeyColumns.scoresQ8_0(new float[64], 0, 1, new byte[34 * 16], 0, 16, 16, 64, 1, new float[16], 0, 16))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> KeyColumns.scores(new float[64], 0, 1, new float[64 * 16], 0, 16, 17, 64, 1, new float[32], 0, 17))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slots 17 of a block of 16");
        assertThatThrownBy(() -> KeyColumns.quantizeQ8_0(new float[64], 0, new byte[34 * 2 * 16], 0, 16, 16, 64))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessage("slot 16 of a block of 16");
    }
}
