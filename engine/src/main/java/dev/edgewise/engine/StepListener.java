package dev.edgewise.engine;

/**
 * Observes the scheduler's batched steps (a timing hook for metrics), called on the scheduler
 * thread after every forward pass; it must be quick and must not call back into the model.
 */
@FunctionalInterface
public interface StepListener {
    /**
     * @param decodeRows  rows of decoding sequences in the step
     * @param prefillRows prompt rows in the step
     * @param nanos       wall time of the step (forward pass and sampling)
     */
    void onStep(int decodeRows, int prefillRows, long nanos);
}
