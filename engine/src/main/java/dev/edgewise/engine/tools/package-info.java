/**
 * Tool calls in model output: {@link dev.edgewise.engine.tools.ToolCallParser} turns what a model
 * wrote into content text plus structured {@link dev.edgewise.engine.tokenizer.ChatTemplate.ToolCall}s
 * (the type the chat templates render back), in the formats of the supported families (Qwen2.5,
 * Qwen3 and QwQ's {@code <tool_call>} blocks; DeepSeek-R1's tool-call tokens), as llama.cpp's
 * common/chat.cpp reads them. {@link dev.edgewise.engine.tools.ToolCallStream} does the same while
 * text streams in, releasing only text that cannot belong to a call. Malformed output is content,
 * never an exception.
 */
package dev.edgewise.engine.tools;
