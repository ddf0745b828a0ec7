package dev.edgewise.kernels;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Q8_0 KV kernels against plain scalar references written from ggml's C. */
class KvKernelsTest {
    private static final int[] ROW_LENGTHS = {32, 64, 96, 128, 256};

    /** ggml's {@code quantize_row_q8_0_ref}, transcribed: d = amax/127, id = 1/d, q = roundf(x*id), d as F16. */
    static byte[] quantizeReference(float[] x, int off, int n) {
        byte[] out = new byte[n / 32 * 34];
        for (int b = 0; b < n / 32; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[off + b * 32 + j]));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            short h = Float.floatToFloat16(d);
            out[b * 34] = (byte) h;
            out[b * 34 + 1] = (byte) (h >> 8);
            for (int j = 0; j < 32; j++) {
                float v = x[off + b * 32 + j] * id;
                // C roundf: halfway cases away from zero
                float r = (float) (Math.signum(v) * Math.floor(Math.abs((double) v) + 0.5));
                out[b * 34 + 2 + j] = (byte) (int) r;
            }
        }
        return out;
    }

    /** The value a Q8_0 row stores at index i: q * d. */
    static float value(byte[] q8, int off, int i) {
        int b = off + i / 32 * 34;
        float d = Float.float16ToFloat((short) ((q8[b] & 0xFF) | (q8[b + 1] << 8)));
        return q8[b + 2 + i % 32] * d;
    }

    static float[] random(Random rnd, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian() * scale;
        return a;
    }

    @Test
    void quantizationIsGgmlsReferenceRounding() {
        Random rnd = new Random(1);
        for (int n : ROW_LENGTHS) {
            for (float scale : new float[] {1e-3f, 1, 40}) {
                float[] x = random(rnd, n + 5, scale);
                byte[] got = new byte[KvKernels.q8_0Bytes(n) + 7];
                KvKernels.quantizeQ8_0(x, 5, got, 7, n);
                byte[] want = quantizeReference(x, 5, n);
                byte[] gotRow = java.util.Arrays.copyOfRange(got, 7, got.length);
                assertThat(gotRow).as("n=%d scale=%s", n, scale).isEqualTo(want);
            }
        }
    }

    @Test
    void halfwayCasesRoundAwayFromZeroAndZeroBlocksStayZero() {
        float[] x = new float[64];
        x[0] = 127; // amax 127: d = 1, so x*id is x itself
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.5f;
        x[4] = -126.5f;
        byte[] q = new byte[68];
        KvKernels.quantizeQ8_0(x, 0, q, 0, 64);
        assertThat(new byte[] {q[2], q[3], q[4], q[5], q[6]}).containsExactly(127, 3, -3, 1, -127);
        for (int i = 34; i < 68; i++) assertThat(q[i]).as("all-zero block, byte %d", i).isZero();
    }

    @Test
    void axpyAndAccumulateAreExactlyTheScalarFma() {
        Random rnd = new Random(3);
        for (int n : ROW_LENGTHS) {
            int rows = 16, rowBytes = KvKernels.q8_0Bytes(n);
            float[] v = random(rnd, rows * n, 3);
            byte[] block = new byte[rows * rowBytes + 10];
            for (int r = 0; r < rows; r++) KvKernels.quantizeQ8_0(v, r * n, block, 10 + r * rowBytes, n);
            float[] w = random(rnd, rows + 1, 0.3f);
            float[] y0 = random(rnd, n + 2, 1);

            float[] want = y0.clone();
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < n; i++) {
                    int b = 10 + r * rowBytes + i / 32 * 34;
                    float d = Float.float16ToFloat((short) ((block[b] & 0xFF) | (block[b + 1] << 8)));
                    want[2 + i] = Math.fma(block[b + 2 + i % 32], w[1 + r] * d, want[2 + i]);
                }
            }
            float[] axpy = y0.clone();
            for (int r = 0; r < rows; r++) KvKernels.axpyQ8_0(w[1 + r], block, 10 + r * rowBytes, axpy, 2, n);
            assertThat(axpy).as("axpy n=%d", n).containsExactly(want);

            float[] acc = y0.clone();
            KvKernels.accumulateQ8_0(w, 1, block, 10, rows, acc, 2, n);
            assertThat(acc).as("accumulate n=%d", n).containsExactly(want);
            // fewer rows than the block holds (a block being filled)
            float[] partial = y0.clone(), partialWant = y0.clone();
            KvKernels.accumulateQ8_0(w, 1, block, 10, 5, partial, 2, n);
            for (int r = 0; r < 5; r++) KvKernels.axpyQ8_0(w[1 + r], block, 10 + r * rowBytes, partialWant, 2, n);
            assertThat(partial).containsExactly(partialWant);
        }
    }

    @Test
    void severalHeadsAtOnceEqualOneHeadAtATimeBitForBit() {
        Random rnd = new Random(4);
        for (int n : new int[] {32, 64, 128}) {
            for (int heads : new int[] {1, 3, 4, 5, 7, 8, 9, 12}) {
                int rows = 13, rowBytes = KvKernels.q8_0Bytes(n), stride = 20;
                float[] kv = random(rnd, rows * n, 2);
                byte[] block = new byte[rows * rowBytes];
                for (int r = 0; r < rows; r++) KvKernels.quantizeQ8_0(kv, r * n, block, r * rowBytes, n);
                float[] q = random(rnd, heads * n + 1, 1);

                float[] w = random(rnd, heads * stride + 3, 0.2f), y0 = random(rnd, heads * n + 5, 1);
                float[] got = y0.clone(), want = y0.clone(), gotF = y0.clone(), wantF = y0.clone();
                KvKernels.accumulateQ8_0(w, 3, stride, heads, block, 0, rows, got, 5, n);
                KvKernels.accumulate(w, 3, stride, heads, kv, 0, rows, gotF, 5, n);
                for (int h = 0; h < heads; h++) {
                    KvKernels.accumulateQ8_0(w, 3 + h * stride, block, 0, rows, want, 5 + h * n, n);
                    for (int r = 0; r < rows; r++) VectorOps.axpy(w[3 + h * stride + r], kv, r * n, wantF, 5 + h * n, n);
                }
                assertThat(got).as("Q8_0 n=%d heads=%d", n, heads).containsExactly(want);
                assertThat(gotF).as("float n=%d heads=%d", n, heads).containsExactly(wantF);
            }
        }
        // float rows of any length (vector loop and scalar tail) equal the axpy sequence
        for (int n : new int[] {1, 5, 16, 17, 48, 100}) {
            float[] v = random(rnd, 4 * n, 1), w = random(rnd, 8, 1), y = random(rnd, 2 * n, 1), want = y.clone();
            KvKernels.accumulate(w, 0, 4, 2, v, 0, 4, y, 0, n);
            for (int h = 0; h < 2; h++) for (int r = 0; r < 4; r++) VectorOps.axpy(w[h * 4 + r], v, r * n, want, h * n, n);
            assertThat(y).as("float n=%d", n).containsExactly(want);
        }
    }

    @Test
    void rowsThatAreNotWholeBlocksAreRefused() {
        assertThatThrownBy(() -> KvKernels.accumulateQ8_0(new float[16], 0, 16, 1, new byte[34 * 16], 0, 16, new float[16], 0, 16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 32");
        assertThatThrownBy(() -> KvKernels.accumulateQ8_0(new float[16], 0, 16, 1, new byte[34], 0, 16, new float[64], 0, 64))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
