package dev.edgewise.engine.constraint;

/** A JSON schema the constraint cannot enforce (its message names the keyword and where it is). */
public final class UnsupportedSchemaException extends IllegalArgumentException {
    public UnsupportedSchemaException(String message) {
        super(message);
    }
}
