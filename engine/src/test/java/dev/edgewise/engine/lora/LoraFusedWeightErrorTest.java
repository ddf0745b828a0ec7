package dev.edgewise.engine.lora;

import dev.edgewise.engine.ModelConfig;
import dev.edgewise.engine.ModelWeights;
import dev.edgewise.kernels.WeightMatrix;
import dev.edgewise.kernels.WorkerPool;
import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.testing.Fixtures;
import dev.edgewise.quant.Float16;
import dev.edgewise.quant.GGMLType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The extra weight error of {@link FusedPrecision#SAME_TYPE}: fused rows requantized to the base type,
 * against the exact fused weights {@code float64(dequant(W)) + s B A}, on the fixture models. Each
 * type is held to its quantizer's own rounding bound, expressed in the block scale {@code d} the
 * fused block stores (ggml: Q8_0 rounds to nearest, |err| <= d/2; Q4_0 maps the largest magnitude to
 * -8 and clamps +8 to 7, |err| <= d; both plus the F16 rounding of d, at most |q| * d * 2^-11) or,
 * for the float types, in units of the value's own rounding (half an ulp: 2^-11 relative for F16,
 * 2^-8 for BF16).
 */
class LoraFusedWeightErrorTest {
    static WorkerPool pool;

    @BeforeAll
    static void setUp() {
        pool = new WorkerPool(2);
    }

    @AfterAll
    static void tearDown() {
        pool.close();
    }

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource({
            "small-q8_0.gguf,   small-r16, Q8_0, 0.57",
            "small-q4_0.gguf,   small-r8,  Q4_0, 1.01",
            "small-iq4_nl.gguf, small-r8,  Q8_0, 0.57",   // IQ4_NL has no quantizer: fused rows become Q8_0
            "small-f16.gguf,    small-r8,  F16,  1.0",
            "small-bf16.gguf,   small-r8,  BF16, 1.0",
    })
    void sameTypeErrorStaysWithinTheQuantizersRoundingBound(String model, String adapterName, GGMLType fusedType, double bound)
            throws IOException {
        try (GGUFFile g = GGUFFile.open(Fixtures.path("models/" + model));
             LoraAdapter adapter = LoraAdapter.load(Fixtures.path("lora/" + adapterName), AdapterPrecision.F32)) {
            ModelConfig c = ModelConfig.from(g);
            ModelWeights base = ModelWeights.from(g, c);
            float s = adapter.scale(1f);
            double worstAbs = 0, worstRelative = 0, maxWeight = 0;
            try (FusedWeights f = LoraFuser.fuse(base, c, List.of(new ScaledAdapter(adapter, 1f)), FusedPrecision.SAME_TYPE, pool)) {
                for (int l = 0; l < c.nLayers(); l++) {
                    for (LoraTarget t : LoraTarget.values()) {
                        WeightMatrix fused = t.of(f.weights().layers()[l]);
                        assertThat(fused.type()).isEqualTo(fusedType);
                        double[][] exactAndMagnitude = exactFused(t.of(base.layers()[l]), adapter.pair(l, t), s);
                        double[] exact = exactAndMagnitude[0], magnitude = exactAndMagnitude[1];
                        float[] got = AdapterStorage.dequantize(fused);
                        for (int i = 0; i < got.length; i++) {
                            // minus what float32 accumulation of the sum may contribute (a few ulps of its terms),
                            // which dominates only where the terms cancel to a tiny weight
                            double raw = Math.abs(got[i] - exact[i]);
                            double err = Math.max(0, raw - 0x1p-21 * magnitude[i]);
                            worstAbs = Math.max(worstAbs, raw);
                            maxWeight = Math.max(maxWeight, Math.abs(exact[i]));
                            worstRelative = Math.max(worstRelative, err / unit(fused, i, exact[i]));
                        }
                    }
                }
            }
            System.out.printf(Locale.ROOT, "SAME_TYPE %-18s + %-9s -> %-4s max abs weight error %.3e (max |w| %.2f), %.3f of the rounding unit%n",
                    model, adapterName, fusedType, worstAbs, maxWeight, worstRelative);
            assertThat(worstRelative).as("%s: error in units of the type's rounding step", model).isLessThanOrEqualTo(bound);
            assertThat(worstRelative).as("the requantization must actually round").isGreaterThan(0.1);
        }
    }

    /** {float64(dequant(W)) + s B A, and |W| + |s| sum |B A| (the magnitude of the summed terms)}, row-major. */
    static double[][] exactFused(WeightMatrix w, LoraPair p, double s) {
        float[] wf = AdapterStorage.dequantize(w), a = AdapterStorage.dequantize(p.a()), b = AdapterStorage.dequantize(p.b());
        int in = w.cols(), r = p.rank();
        double[] out = new double[wf.length], magnitude = new double[wf.length];
        for (int o = 0; o < w.rows(); o++) {
            for (int i = 0; i < in; i++) {
                double d = 0, m = 0;
                for (int k = 0; k < r; k++) {
                    double term = (double) b[o * r + k] * a[k * in + i];
                    d += term;
                    m += Math.abs(term);
                }
                out[o * in + i] = wf[o * in + i] + s * d;
                magnitude[o * in + i] = Math.abs(wf[o * in + i]) + Math.abs(s) * m;
            }
        }
        return new double[][]{out, magnitude};
    }

    /** The rounding step of element {@code i}: the block scale d for Q8_0/Q4_0, half an ulp-ish unit for F16/BF16. */
    static double unit(WeightMatrix m, int i, double value) {
        int row = i / m.cols(), col = i % m.cols();
        return switch (m.type()) {
            case Q8_0, Q4_0 -> {
                long block = row * m.rowBytes() + (long) (col / 32) * m.type().typeSize;
                double d = Math.abs(Float16.toFloat(m.data().get(ValueLayout.JAVA_SHORT_UNALIGNED, block)));
                yield d == 0 ? Double.MIN_VALUE : d;
            }
            case F16 -> Math.max(Math.abs(value) * 0x1p-11, 0x1p-25); // subnormal halves have a fixed step of 2^-24
            case BF16 -> Math.abs(value) * 0x1p-8 + Double.MIN_VALUE;
            default -> throw new AssertionError(m.type());
        };
    }
}
