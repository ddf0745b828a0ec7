package dev.edgewise.cli;

/** A command line that parses but asks for something impossible (reported as one line). */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
