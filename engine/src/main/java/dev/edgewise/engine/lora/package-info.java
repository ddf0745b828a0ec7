/**
 * LoRA adapters for every {@link dev.edgewise.engine.Architecture}: loading (PEFT safetensors and llama.cpp GGUF), merging into the
 * weights, and the kernel that applies them on the fly.
 *
 * <p>For every adapted projection {@code y = W x} the adapted layer computes
 * {@code y = W x + s B (A x)}, with A {@code [r][in]}, B {@code [out][r]} and
 * {@code s = user_scale * alpha / r} ({@code alpha / sqrt(r)} for rsLoRA; a GGUF adapter with
 * {@code alpha = 0} has {@code s = user_scale}, llama.cpp's rule). Several adapters add up.
 *
 * <p>An <em>activated</em> LoRA (aLoRA: PEFT {@code alora_invocation_tokens}, GGUF
 * {@code adapter.alora.invocation_tokens}) adds its term only from the last occurrence of its
 * invocation sequence in the prompt on; {@link dev.edgewise.engine.lora.AdapterActivation} states the
 * rule and decides, per request, which rows get which adapter slot.
 *
 * <ul>
 *   <li>{@link dev.edgewise.engine.lora.LoraAdapter#load} reads an adapter, converting its factors
 *       to an {@link dev.edgewise.engine.lora.AdapterPrecision}; {@code validate(config)} checks it
 *       against a model.</li>
 *   <li>{@link dev.edgewise.engine.lora.LoraFuser#fuse} merges a fixed mix of adapters into a copy
 *       of the weights (only the touched matrices are new): no per-token cost.</li>
 *   <li>{@link dev.edgewise.engine.lora.LoraKernels#addDelta} adds one pair's term to a projection's
 *       output for a batch or for some rows of it: per-sequence adapters over shared base weights.</li>
 * </ul>
 *
 * <p>Integrating the on-the-fly path into a forward pass: after each {@code MatMul.matmul(pool, W, in,
 * out, b)} of an adapted projection, and before anything else touches {@code out} (biases, RoPE,
 * SwiGLU), call {@code addDelta(pool, adapter.pair(layer, target), scale, in, out, rows..., scratch)}
 * for each adapter active in the batch, where {@code in} is exactly the matmul's input (the
 * normalised hidden state for q/k/v/gate/up, the attention output for o, {@code silu(gate) * up} for
 * down). Precompute {@code scale = adapter.scale(userScale)} once, keep one
 * {@link dev.edgewise.engine.lora.LoraScratch} per forward instance sized with {@code forModel}, and
 * skip pairs that are null (targets the adapter does not touch).
 */
package dev.edgewise.engine.lora;
