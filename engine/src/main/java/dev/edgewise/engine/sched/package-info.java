/**
 * The one decode scheduler of a model: every live KV sequence (plain generations, their branches,
 * reasoning runs, teacher-forced logits) is owned by a {@link dev.edgewise.engine.sched.Scheduler}
 * and advanced in batched steps.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>One thread.</b> The scheduler runs on its own daemon thread, started on the first
 *       request. Callers ({@code Model.generate}, {@code reason}, {@code logits}, from any number
 *       of threads) queue a {@link dev.edgewise.engine.sched.Job} and block until its result;
 *       listeners are called on the scheduler thread. The KV cache, the prefix cache and the
 *       forward pass are touched by that thread only, so none of them needs locks.</li>
 *   <li><b>Step boundaries.</b> Each cycle admits waiting jobs (FIFO) while the sequence limit
 *       ({@code ModelOptions.maxSequences}) allows; a job that finds too few KV blocks goes back to
 *       the head of the queue until running jobs give blocks back (or fails if nothing runs).
 *       Beyond {@code maxWaiting} queued jobs a request is refused with
 *       {@link dev.edgewise.engine.SchedulerFullException}. Cancellation is checked at every
 *       boundary; a cancelled job's sequences finish and release their blocks before its caller
 *       wakes.</li>
 *   <li><b>One forward pass per step.</b> Every running job adds rows to the
 *       {@link dev.edgewise.engine.sched.Step}: decoding branches their pending tokens first, then
 *       prompts ({@link dev.edgewise.engine.sched.Prefill}) up to {@code prefillChunk} tokens in
 *       all, so a long prompt is prefilled in chunks between decode steps of running sequences.
 *       Each row carries its own adapter slot; each logits row goes to its owner's
 *       {@link dev.edgewise.engine.sched.LogitsSink}: samplers run in parallel on the worker pool,
 *       then tokens are applied in row order. Hidden states (switcher, verifier) are captured at
 *       one layer per step; a job needing another layer waits a step.</li>
 *   <li><b>KV ownership.</b> A prompt's positions are reserved when its prefill starts, a
 *       branch's when its rows are added (a branch without room stops with {@code CACHE_FULL});
 *       finished sequences release their blocks at once. Full prompt blocks (and a finished
 *       branch's blocks) are registered with the {@link dev.edgewise.engine.kv.PrefixCache}, so a
 *       later prompt with the same prefix starts on them.</li>
 *   <li><b>Jobs are state machines.</b> {@code GenerationJob}: prefill, fork, decode.
 *       {@code ReasoningRun}: base prefill with the switcher reading its hidden states, optional
 *       adapter prefill, branches with the adapter on their response rows, verification prefills
 *       on each branch's own KV, vote. {@code LogitsJob}: teacher-forced rows, greedy extension.</li>
 * </ul>
 * A request's tokens do not depend on what runs beside it: each branch owns its sampler and
 * budget controller, and rows differ only in float rounding between batch layouts.
 */
package dev.edgewise.engine.sched;
