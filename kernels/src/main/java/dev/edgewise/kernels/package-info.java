/**
 * SIMD compute kernels for the transformer (Vector API, {@code jdk.incubator.vector}) and the
 * thread pool that runs them.
 *
 * <h2>What exists</h2>
 * <ul>
 *   <li>{@link dev.edgewise.kernels.MatMul}: {@code out = W x} for a batch of float32 vectors against a
 *       {@link dev.edgewise.kernels.WeightMatrix} read in place from a (mapped) {@code MemorySegment}.
 *       Hand-written kernels for F32, F16, BF16 (16-bit values widened in registers; the JDK 25
 *       Vector API has no float16 conversion, so halves use an exact bit trick), Q8_0 and Q4_0
 *       (quants loaded as bytes, nibbles split with and/shift, widened to float and scaled by the
 *       block's F16 scale in registers: no dequantized matrix is ever materialised). Every other
 *       ggml format takes a correct fallback: each row is dequantized once into a per-thread scratch
 *       row with {@code dev.edgewise.quant.Dequantize.row}, then dotted with the batch in SIMD.</li>
 *   <li>{@link dev.edgewise.kernels.VectorOps}: dot, axpy, add, scale, rmsnorm (double sum of
 *       squares), softmax, SwiGLU's silu-times-up, max.</li>
 *   <li>{@link dev.edgewise.kernels.Rope}: NeoX-style rotary embedding with double-precision angles.</li>
 *   <li>{@link dev.edgewise.kernels.WorkerPool}: persistent spin-then-park workers for parallel loops.</li>
 * </ul>
 *
 * <h2>Batching and threading</h2>
 * For each weight row the batch is processed in tiles of four vectors: each block (or vector) of
 * weights is decoded into registers once and fused into four accumulators, and the later tiles of a
 * row find it in cache, so weights stream from memory once per call whatever the batch (prompt
 * processing is then compute-bound rather than bandwidth-bound). {@code MatMul.matmul} hands the rows
 * to the pool in groups of {@link dev.edgewise.kernels.MatMul#ROW_GROUP} rows; the pool gives each
 * thread one contiguous range of groups, so a thread reads a contiguous slice of the matrix. The
 * weight type is dispatched once per call, not per row.
 *
 * <h2>Vector width</h2>
 * Nothing assumes a width: kernels are correct on 128-bit NEON/SSE and on 256/512-bit AVX. C2 only
 * compiles Vector API code well when the species is a compile-time constant, so the kernels live in
 * one class whose species is a {@code static final}, loaded once per species (the normal load uses
 * {@code SPECIES_PREFERRED}; others are hidden-class copies, see
 * {@link dev.edgewise.kernels.SimdKernels#forSpecies}). The tests run every kernel on 64-, 128-, 256-
 * and 512-bit species against scalar float64 references.
 *
 * <h2>Why activations stay float32</h2>
 * llama.cpp quantizes activations to Q8 for its integer dot products; that is faster but changes the
 * results. The engine is verified against an exact float64 reference to about 1e-3, and float32
 * activations with float32 FMA accumulation keep it there: each matmul output differs from the exact
 * product of the (exactly dequantized) weights by float rounding only. Integer dot products over
 * quantized activations are a possible later optimisation, behind a separate kernel.
 */
package dev.edgewise.kernels;
