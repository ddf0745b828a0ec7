/**
 * Qwen2 byte-level BPE tokenizer, bit-exact with llama.cpp's {@code tokenizer.ggml.model = "gpt2"},
 * {@code tokenizer.ggml.pre = "qwen2"} path, plus streaming UTF-8 detokenization and chat prompts
 * ({@code ChatTemplate}: the file's Jinja template through {@code dev.edgewise.engine.template}, or the
 * built-in Qwen2.5 ChatML).
 *
 * <p>Pipeline of {@link dev.edgewise.engine.tokenizer.Tokenizer#encode}: special/added token partition
 * ({@code SpecialTokenSplitter}), the Qwen2 pre-tokenizer regex as a hand-written scanner
 * ({@code Qwen2PreTokenizer}), then rank-ordered BPE merges over the GPT-2 byte-to-unicode mapped
 * bytes of each pre-token ({@code BpeMerger}).
 */
package dev.edgewise.engine.tokenizer;
