package dev.edgewise.loader.json;

/** Malformed JSON. The message gives the character offset, line and column of the problem. */
public class JsonParseException extends RuntimeException {
    private final int position;

    public JsonParseException(String message, int position) {
        super(message);
        this.position = position;
    }

    /** Offset (in chars) of the problem in the parsed text. */
    public int position() {
        return position;
    }
}
