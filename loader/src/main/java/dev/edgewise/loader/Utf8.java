package dev.edgewise.loader;

import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** Checks that text the writers store can be encoded as UTF-8 (Java strings may hold lone surrogates). */
final class Utf8 {
    private Utf8() {}

    static void require(String s, String what) {
        Objects.requireNonNull(s, what);
        try {
            StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is not encodable as UTF-8 (lone surrogate)");
        }
    }
}
