package dev.edgewise.engine;

/**
 * The model's waiting queue is full ({@link ModelOptions#maxWaiting}): the request was refused
 * without being queued. Servers map it to HTTP 429 or 503 with {@code Retry-After}.
 */
public class SchedulerFullException extends RuntimeException {
    public SchedulerFullException(String message) {
        super(message);
    }
}
