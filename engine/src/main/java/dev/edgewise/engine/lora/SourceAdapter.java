package dev.edgewise.engine.lora;

import java.nio.file.Path;
import java.util.List;

/**
 * What a reader found in an adapter file, before the factors are converted into their in-memory
 * precision: metadata plus the (still memory-mapped) A/B tensor pairs, sorted by layer and target.
 *
 * @param dataFile     the file holding the tensors (the GGUF itself, or the PEFT .safetensors)
 * @param architecture the adapter's declared base architecture (GGUF {@code general.architecture}),
 *                     or null when the format does not record one (PEFT)
 * @param alphaZeroMeansUnscaled llama.cpp's rule for GGUF adapters: {@code alpha == 0} means
 *                     {@code s = user_scale}. PEFT has no such rule.
 * @param invocationTokens the activated-LoRA invocation sequence ({@link AdapterActivation}), or null
 */
record SourceAdapter(String name, Path source, Path dataFile, String format, String architecture, float alpha, boolean rsLora,
                     boolean alphaZeroMeansUnscaled, int[] invocationTokens, List<Pair> pairs) {

    record Pair(int layer, LoraTarget target, SourceTensor a, SourceTensor b) {}
}
