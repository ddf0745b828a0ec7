package dev.edgewise.loader;

/**
 * A model or adapter file is malformed or uses something Edgewise does not support. Unchecked, because
 * callers cannot recover from it beyond reporting it. The message names the file, the field or tensor
 * concerned and, where it has one, the byte offset.
 */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
