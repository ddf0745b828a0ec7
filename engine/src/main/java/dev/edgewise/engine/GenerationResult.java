package dev.edgewise.engine;

import dev.edgewise.engine.lora.AdapterActivation;
import dev.edgewise.engine.tokenizer.ChatTemplate;

import java.util.List;

/**
 * A finished generation: one or more branches decoded from one shared prompt.
 *
 * @param branches     every branch, in branch order
 * @param promptTokens the prompt as token ids
 * @param timings      prompt, first-token and decode times
 * @param adapterActivation which rows the request's adapters applied to; its
 *                     {@link AdapterActivation#invocationMissing()} is true when an activated LoRA stayed
 *                     off because its invocation sequence is not in the prompt
 */
public record GenerationResult(List<BranchResult> branches, int[] promptTokens, Timings timings, AdapterActivation adapterActivation) {

    public GenerationResult {
        branches = List.copyOf(branches);
        java.util.Objects.requireNonNull(adapterActivation, "adapterActivation");
    }

    /** A result of a request without adapters. */
    public GenerationResult(List<BranchResult> branches, int[] promptTokens, Timings timings) {
        this(branches, promptTokens, timings, AdapterActivation.NONE);
    }

    /** The first branch's text (the only one without branches). */
    public String text() {
        return branches.getFirst().text();
    }

    public int[] tokens() {
        return branches.getFirst().tokens();
    }

    public float[] logProbs() {
        return branches.getFirst().logProbs();
    }

    /** The first branch's tool calls; see {@link BranchResult#toolCalls()}. */
    public List<ChatTemplate.ToolCall> toolCalls() {
        return branches.getFirst().toolCalls();
    }

    public FinishReason finishReason() {
        return branches.getFirst().finishReason();
    }
}
