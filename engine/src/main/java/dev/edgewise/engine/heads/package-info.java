/**
 * Small heads that read the transformer's hidden states: the <b>switcher</b> (answer directly, or turn on the
 * reasoning LoRA adapter?) and the <b>verifier</b> (how likely is a finished branch correct?), as in "Efficient
 * Reasoning on the Edge". Both run in F32/double on hidden states the forward pass already computes (vectors
 * of the model's embedding width {@code dim}); neither needs a second pass.
 *
 * <h2>Which hidden state ({@code layer})</h2>
 * {@code -1}: the final hidden state after the output RMSNorm, i.e. the LM head's input. {@code k >= 0}: the
 * residual stream after transformer block {@code k} (0-based; {@code k = nLayers - 1} is the residual stream
 * before the output norm).
 *
 * <h2>Switcher</h2>
 * The prompt's per-token hidden states are pooled by a {@link dev.edgewise.engine.heads.HiddenStatePooler}
 * ({@code mean}, {@code ema} over fixed-size chunks, or {@code last}; the exact EMA recurrence is documented
 * there), then {@code logit = fc2(relu(fc1(pooled)))}, {@code p = sigmoid(logit)}, and the prompt gets reasoning
 * when {@code p >= threshold}.
 *
 * <h2>Verifier</h2>
 * {@code score = sigmoid(weight . h + bias)} on the hidden state at the branch's last token (after the
 * verification prompt).
 *
 * <h2>Heads file format, version 1</h2>
 * A <a href="https://github.com/huggingface/safetensors">safetensors</a> file. This section, implemented by
 * {@code HeadsFile}, is the definition. Tensor names and shapes follow PyTorch's {@code nn.Linear} state dict
 * (weight {@code [out, in]}, row-major), so a trained module can be saved with
 * {@code safetensors.torch.save_file} under the prefixes below.
 * <table>
 *   <caption>{@code __metadata__} (all values are strings)</caption>
 *   <tr><th>key</th><th>value</th></tr>
 *   <tr><td>{@code edgewise.heads.version}</td><td>{@code "1"} (required)</td></tr>
 *   <tr><td>{@code switcher.layer}</td><td>integer &gt;= -1 (required with a switcher)</td></tr>
 *   <tr><td>{@code switcher.pooling}</td><td>{@code mean}, {@code ema} or {@code last} (required with a switcher;
 *       case-insensitive)</td></tr>
 *   <tr><td>{@code switcher.chunk}</td><td>EMA chunk in tokens, integer &gt;= 1; default 128</td></tr>
 *   <tr><td>{@code switcher.alpha}</td><td>EMA weight of the newest chunk, decimal in (0, 1]; default 0.5</td></tr>
 *   <tr><td>{@code switcher.threshold}</td><td>decimal in [0, 1]; default 0.5</td></tr>
 *   <tr><td>{@code verifier.layer}</td><td>integer &gt;= -1 (required with a verifier)</td></tr>
 *   <tr><td>{@code verifier.threshold}</td><td>decimal in [0, 1]; optional (absent: scores only rank or weight
 *       branches)</td></tr>
 * </table>
 * <table>
 *   <caption>tensors (dtype F32, F16 or BF16; widened to F32 on load)</caption>
 *   <tr><th>name</th><th>shape</th></tr>
 *   <tr><td>{@code switcher.fc1.weight}</td><td>{@code [hidden, dim]}; hidden is 8 in the paper, any &gt;= 1 is read
 *       from this shape</td></tr>
 *   <tr><td>{@code switcher.fc1.bias}</td><td>{@code [hidden]}</td></tr>
 *   <tr><td>{@code switcher.fc2.weight}</td><td>{@code [1, hidden]}</td></tr>
 *   <tr><td>{@code switcher.fc2.bias}</td><td>{@code [1]}</td></tr>
 *   <tr><td>{@code verifier.weight}</td><td>{@code [1, dim]}</td></tr>
 *   <tr><td>{@code verifier.bias}</td><td>{@code [1]}</td></tr>
 * </table>
 * A head is present when any tensor or metadata key carries its prefix ({@code switcher.} or
 * {@code verifier.}); it must then be complete. At least one head must be present; with both, their
 * {@code dim} must agree. Integers are plain decimal ({@code -?[0-9]+}); decimals are plain or exponent
 * notation ({@code 0.5}, {@code 1e-3}; no NaN, infinity or hex). Tensor values must be finite. Rejected with a
 * {@link dev.edgewise.loader.ModelFormatException} naming the file and the tensor or key: a missing or other
 * version, a missing or misshapen tensor, another dtype, a non-finite value, a missing required key, an unknown
 * pooling, a malformed or out-of-range number, any tensor not listed above, and any metadata key with a head
 * prefix not listed above (so a misspelt key cannot silently fall back to its default). Other metadata keys
 * (provenance, training details) are ignored. Whether the heads fit a model ({@code dim} equal to its embedding
 * width, layers below its block count) is checked by {@link dev.edgewise.engine.heads.Heads#validate}.
 * {@link dev.edgewise.engine.heads.Heads#write} writes F32 tensors, every switcher key, and
 * {@code verifier.threshold} only when the head has one. {@code edgewise train-heads} (package
 * {@code dev.edgewise.engine.heads.train}) trains both heads and writes this format.
 */
package dev.edgewise.engine.heads;
