/**
 * Model and adapter file formats: {@link dev.edgewise.loader.GGUFFile} (GGUF v2/v3 reader, memory-mapped),
 * {@link dev.edgewise.loader.GGUFWriter} (GGUF v3 writer), and {@link dev.edgewise.loader.SafeTensorsFile}
 * (safetensors reader, for PEFT LoRA adapters).
 *
 * <p>Readers validate the whole header before exposing anything, and never allocate or loop on a size read from
 * the file before checking it against the bytes that remain. Problems are reported as
 * {@link dev.edgewise.loader.ModelFormatException} with the file, the field or tensor and the byte offset.
 * Choices that are stricter than ggml's loader:
 * <ul>
 *   <li>tensor dimensions must be at least 1 (ggml tolerates 0-element tensors; no model has them);</li>
 *   <li>tensor types must be known and {@link dev.edgewise.quant.GGMLType#supported() supported} at open time;</li>
 *   <li>BOOL bytes must be 0 or 1; keys and tensor names must be valid UTF-8 (other strings are decoded with
 *       U+FFFD replacements, since byte-level tokens can hold partial characters);</li>
 *   <li>arrays nest at most 8 deep; keys and names are at most 64 KiB, strings at most 256 MiB.</li>
 * </ul>
 * And more lenient: tensor data need not be packed in info order (ggml requires it), only aligned, in bounds
 * and non-overlapping; {@code general.alignment} may have any integer type (ggml requires UINT32).
 */
package dev.edgewise.loader;
