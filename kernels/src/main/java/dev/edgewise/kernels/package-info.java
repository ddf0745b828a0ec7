/**
 * SIMD compute kernels for the transformer (Vector API, {@code jdk.incubator.vector}) and the
 * thread pool that runs them.
 *
 * <h2>What exists</h2>
 * <ul>
 *   <li>{@link dev.edgewise.kernels.MatMul}: {@code out = W x} for a batch of float32 vectors against a
 *       {@link dev.edgewise.kernels.WeightMatrix} read in place from a (mapped) {@code MemorySegment}.
 *       One vector (decode): hand-written fused kernels for F32, F16, BF16 (16-bit values widened in
 *       registers; the JDK 25 Vector API has no float16 conversion, so halves use an exact bit
 *       trick), Q8_0, Q4_0 and Q5_0 (quants widened to int lanes, nibbles split with int ops,
 *       converted to float and scaled by the block's F16 scale in registers), Q4_K and Q6_K (each
 *       weight vector decoded in registers to exactly the decoder's floats, sub-block scales and
 *       mins unpacked from one or two scalar loads, then one FMA with the activations). Two or more vectors (prompt
 *       chunks, branches), and every other format at any batch: rows are decoded four at a time
 *       into a per-thread float scratch, exactly as ggml dequantizes them (SIMD decoders for
 *       F16/BF16/Q8_0/Q4_0/Q5_0/Q4_K/Q6_K, {@code dev.edgewise.quant.Dequantize.row} for the
 *       rest), then multiplied by the batch in 4 rows x 4 vectors register tiles.</li>
 *   <li>{@link dev.edgewise.kernels.VectorOps}: dot, axpy, add, scale, rmsnorm (double sum of
 *       squares), softmax, SwiGLU's silu-times-up, max.</li>
 *   <li>Attention over cached keys and values: {@link dev.edgewise.kernels.KeyColumns} scores a GQA
 *       group's queries against keys stored as columns (a vector of positions per instruction, no
 *       lane sums; floats or Q8_0 read in place), {@link dev.edgewise.kernels.KvKernels} adds weighted
 *       value rows (floats or Q8_0, quants widened in registers) into the group's outputs.</li>
 *   <li>{@link dev.edgewise.kernels.Rope}: NeoX-style rotary embedding with double-precision angles.</li>
 *   <li>Integer kernels ({@code IntegerKernels}, Q8_0's and Q5_0's in {@code Q8Q5IntegerKernels}, the
 *       K-quants' in {@code KQuantIntegerKernels}):
 *       Q4_0 ({@link dev.edgewise.kernels.PackedQ4_0}), Q8_0, Q5_0, Q4_K, Q5_K and Q6_K
 *       ({@link dev.edgewise.kernels.PackedBlocks}) repacked at load into panels of 4-bit planes
 *       (and their high bits), multiplied against 8-bit activations in 16-bit lanes.</li>
 *   <li>{@link dev.edgewise.kernels.WorkerPool}: persistent spin-then-park workers for parallel
 *       loops, each split into 8 chunks per thread claimed from an atomic counter.</li>
 * </ul>
 *
 * <h2>Batching and threading</h2>
 * A batch pays for decoding once per row, whatever its size, and then runs 16 FMAs per 8 vector
 * loads (4 weight rows x 4 activation vectors), so prompt processing is compute-bound. The tiles
 * of different rows read the batch from L1/L2 while the weights stream from memory once per call.
 * {@code MatMul.matmul} hands the rows to the pool in groups of
 * {@link dev.edgewise.kernels.MatMul#ROW_GROUP} rows; the pool splits them into contiguous ranges of
 * groups, several per thread, which the threads claim as they go (so a descheduled core delays a
 * step by one range, not by its whole share), and each range is a contiguous slice of the matrix. The weight type is dispatched once
 * per call through the per-type table (per row for the decoders), not per block.
 *
 * <h2>C2 limits that shape the code</h2>
 * Every Vector API call must be inlined to become an instruction; a method whose inlined body
 * grows past C2's node budget ({@code NodeCountInliningCutoff}) silently leaves the rest as calls
 * that box vectors, 10-40x slower. Hence small kernels: hand-unrolled tiles wider than 4 x 4 or
 * decoders that spell out every sub-block (an 8-vector Q4_0 tile, a fully unrolled Q6_K decoder)
 * measured far slower and were replaced by loops.
 *
 * <h2>Vector width</h2>
 * Nothing assumes a width: kernels are correct on 128-bit NEON/SSE and on 256/512-bit AVX. C2 only
 * compiles Vector API code well when the species is a compile-time constant, so the kernels live in
 * classes whose species is a {@code static final}, loaded once per species (the normal load uses
 * {@code SPECIES_PREFERRED}; others are hidden-class copies made by {@code KernelsBySpecies}, see
 * {@link dev.edgewise.kernels.SimdKernels#forSpecies}). The tests run every kernel on 64-, 128-, 256-
 * and 512-bit species against scalar float64 references.
 *
 * <h2>Kernel structure</h2>
 * A per-type table, {@code WeightFormat}, gives for each ggml type with SIMD kernels its block
 * (size and bytes, from {@link dev.edgewise.quant.GGMLType}, the one place they are defined), the
 * vector widths its kernels fit, the class holding its fused kernels and decoders, whether it has a
 * two-vector kernel, and whether it packs for the integer kernels; every other type decodes with
 * quant's scalar dequantizer. The per-width classes, one per concern:
 * <ul>
 *   <li>{@code SpeciesKernels}: implements {@link dev.edgewise.kernels.SimdKernels}; the matmul
 *       dispatch by the table (once per call, and per row for the decoders) and the row decoding
 *       of batches;</li>
 *   <li>{@code FloatTiles}: the 4 x 4 float register tiles of batches over decoded rows;</li>
 *   <li>{@code VectorKernels}: the vector ops and the fixed-order lane sums every kernel uses;</li>
 *   <li>{@code ElementKernels}, {@code QuantKernels}, {@code KQuantKernels}: the fused
 *       kernels and row decoders of F32/F16/BF16, of the 32-element block quants (Q8_0, Q4_0,
 *       Q5_0) and of the K-quants (Q4_K, Q6_K);</li>
 *   <li>{@code IntegerKernels}, {@code Q8Q5IntegerKernels}, {@code KQuantIntegerKernels}: packed
 *       weights against 8-bit activations (Q4_0 and the quantizer; Q8_0 and Q5_0; the K-quants'
 *       super-blocks).</li>
 * </ul>
 * Each holds its width's copies of the others it calls in {@code static final} fields: the
 * receiver is then a constant, so C2 binds and inlines those calls as it would a static call
 * (hot loops stay monomorphic; a lane sum is inlined, never a boxed vector argument).
 *
 * <h2>Why activations stay float32</h2>
 * llama.cpp quantizes activations to Q8 for its integer dot products; that is faster but changes the
 * results. The engine is verified against an exact float64 reference to about 1e-3, and float32
 * activations with float32 FMA accumulation keep it there: each matmul output differs from the exact
 * product of the (exactly dequantized) weights by float rounding only. The exception is per
 * matrix: a {@link dev.edgewise.kernels.WeightMatrix} carrying a
 * {@link dev.edgewise.kernels.PackedQ4_0} or a
 * {@link dev.edgewise.kernels.PackedBlocks} (Q8_0, Q5_0, Q4_K, Q5_K, Q6_K) runs, at every batch, llama.cpp's
 * integer arithmetic on 8-bit activations ({@link dev.edgewise.kernels.Int8Activations}); the
 * engine attaches packings unless told to stay exact.
 */
package dev.edgewise.kernels;
