/**
 * ggml tensor element types and their scalar reference (de)quantizers, bit-exact with ggml
 * (ggml-org/llama.cpp: ggml/src/ggml-common.h, ggml/src/ggml-quants.c).
 *
 * <p>Block layouts (all little-endian; {@code half} = IEEE binary16; elements per block / bytes):
 * <ul>
 *   <li>F32 (1/4), F16 (1/2), BF16 (1/2): one value per element.
 *   <li>Q4_0 (32/18): {@code half d; u8 qs[16]}; x = (nibble - 8) * d; byte j = element j (low nibble), j+16 (high).
 *   <li>Q4_1 (32/20): {@code half d, m; u8 qs[16]}; x = nibble * d + m.
 *   <li>Q5_0 (32/22): {@code half d; u8 qh[4]; u8 qs[16]}; bit i of qh is element i's 5th bit; x = (q - 16) * d.
 *   <li>Q5_1 (32/24): {@code half d, m; u8 qh[4]; u8 qs[16]}; x = q * d + m.
 *   <li>Q8_0 (32/34): {@code half d; i8 qs[32]}; x = q * d.
 *   <li>Q2_K (256/84): {@code u8 scales[16]; u8 qs[64]; half d, dmin}; 16 groups of 16, scale/min nibbles, 2-bit q; x = d*sc*q - dmin*m.
 *   <li>Q3_K (256/110): {@code u8 hmask[32]; u8 qs[64]; u8 scales[12]; half d}; 16 groups of 16, 6-bit scales (bias 32), 2 low bits + inverted high bit; x = d*(sc-32)*(q-4).
 *   <li>Q4_K (256/144): {@code half d, dmin; u8 scales[12]; u8 qs[128]}; 8 groups of 32, 6-bit scales and mins; x = d*sc*q - dmin*m.
 *   <li>Q5_K (256/176): {@code half d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}; as Q4_K with a 5th bit from qh.
 *   <li>Q6_K (256/210): {@code u8 ql[128]; u8 qh[64]; i8 scales[16]; half d}; 16 groups of 16, 4+2-bit q; x = d*sc*(q-32).
 *   <li>IQ4_NL (32/18): {@code half d; u8 qs[16]}; x = d * kvalues_iq4nl[nibble], nibble order as Q4_0.
 *   <li>IQ4_XS (256/136): {@code half d; u16 scales_h; u8 scales_l[4]; u8 qs[128]}; 8 groups of 32, 6-bit scales (bias 32); x = d*(ls-32)*kvalues_iq4nl[nibble].
 * </ul>
 * {@link dev.edgewise.quant.Dequantize#row} reads every type above; {@link dev.edgewise.quant.Quantize#row}
 * writes F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K and Q6_K;
 * {@link dev.edgewise.quant.QuantPreset} picks each tensor's type as llama-quantize does.
 */
package dev.edgewise.quant;
