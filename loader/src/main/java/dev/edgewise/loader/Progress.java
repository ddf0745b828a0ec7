package dev.edgewise.loader;

/**
 * Receives how far a long piece of work has come (loading and packing a model, writing a file,
 * quantizing, evaluating a data set), for a progress display. Implementations must be cheap and
 * thread-safe: work spread over a pool may report from its workers.
 */
@FunctionalInterface
public interface Progress {
    /** Reports nothing. */
    Progress NONE = (stage, done, total) -> {};

    /**
     * @param stage what is being done now, e.g. "packing Q4_0"
     * @param done  units of that stage done so far
     * @param total units the stage has (0 when unknown)
     */
    void update(String stage, long done, long total);
}
