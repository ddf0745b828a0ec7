package dev.edgewise.engine.constraint;

import java.util.ArrayList;
import java.util.List;

/**
 * A point in a JSON document being generated, as a byte-level automaton: {@link #next} says which
 * byte may come next and where it leads. States are immutable, so one can be shared by every token
 * that reaches it and a walk over the vocabulary trie can branch without copying. Inside a string
 * the state is one of a few fixed ones per string ({@link StringLexer}), so it stays the same
 * object through plain text and a mask computed for it stays valid.
 *
 * <p>The output is JSON as RFC 8259 writes it, a little narrower: no leading or trailing
 * whitespace around the document, at most {@value #MAX_WS} whitespace bytes in a row, numbers of at
 * most {@value #MAX_DIGITS} digits before and after the point and 3 in the exponent, strings of
 * valid UTF-8 with no surrogate escapes. Every such text parses as standard JSON.
 */
abstract class JsonState {
    static final int MAX_WS = 16;
    static final int MAX_DIGITS = 15;

    /** The state after byte {@code b} (0-255), or null if {@code b} cannot come next. */
    abstract JsonState next(int b);

    /** Whether the document may end here. */
    boolean canEnd() {
        return false;
    }

    /** Whether the document is complete and nothing may follow. */
    boolean done() {
        return false;
    }

    /** What follows a value: the state after it ends. */
    @FunctionalInterface
    interface Cont {
        JsonState resume();
    }

    /** The end of the document. */
    static final JsonState DONE = new JsonState() {
        @Override JsonState next(int b) { return null; }
        @Override boolean canEnd() { return true; }
        @Override boolean done() { return true; }
    };

    /** After the top-level value: the end. */
    static final Cont TOP = () -> DONE;

    static boolean isWs(int b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    static boolean isDigit(int b) {
        return b >= '0' && b <= '9';
    }

    /** Whitespace (up to {@link #MAX_WS} bytes), then {@code inner}. */
    static final class Ws extends JsonState {
        private final JsonState inner;
        private final Ws[] chain; // the states after 0..MAX_WS whitespace bytes, made on first use
        private final int count;

        Ws(JsonState inner, int count) {
            this(inner, new Ws[MAX_WS + 1], count);
        }

        private Ws(JsonState inner, Ws[] chain, int count) {
            this.inner = inner;
            this.chain = chain;
            this.count = count;
            chain[count] = this;
        }

        @Override
        JsonState next(int b) {
            if (!isWs(b)) return inner.next(b);
            if (count == MAX_WS) return null;
            Ws w = chain[count + 1];
            return w != null ? w : new Ws(inner, chain, count + 1);
        }
    }

    /**
     * One of a set of exact texts (enum and const values, true/false/null, object keys). A text
     * that is complete while longer ones are still possible (numbers: 1 and 12) ends the value
     * when the next byte continues none of them.
     */
    static final class Literal extends JsonState {
        private final byte[][] texts;
        private final int pos;
        private final Cont k;

        private Literal(byte[][] texts, int pos, Cont k) {
            this.texts = texts;
            this.pos = pos;
            this.k = k;
        }

        /** The state before the first byte of one of {@code texts}. */
        static JsonState of(byte[][] texts, Cont k) {
            return new Literal(texts, 0, k);
        }

        @Override
        JsonState next(int b) {
            List<byte[]> alive = new ArrayList<>();
            boolean complete = false;
            for (byte[] t : texts) {
                if (t.length == pos) complete = true;
                else if ((t[pos] & 0xFF) == b) alive.add(t);
            }
            if (!alive.isEmpty()) {
                byte[][] a = alive.toArray(byte[][]::new);
                boolean allEnd = true;
                for (byte[] t : a) allEnd &= t.length == pos + 1;
                return allEnd ? k.resume() : new Literal(a, pos + 1, k);
            }
            return complete ? k.resume().next(b) : null;
        }

        @Override
        boolean canEnd() {
            for (byte[] t : texts) if (t.length == pos) return k.resume().canEnd();
            return false;
        }
    }

    /** A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, integers without fraction or exponent. */
    static final class Number extends JsonState {
        private static final int START = 0, MINUS = 1, ZERO = 2, INT = 3, DOT = 4, FRAC = 5, E = 6, E_SIGN = 7, EXP = 8;
        private final int phase, digits;
        private final boolean integer;
        private final Cont k;

        Number(int phase, int digits, boolean integer, Cont k) {
            this.phase = phase;
            this.digits = digits;
            this.integer = integer;
            this.k = k;
        }

        static JsonState start(boolean integer, Cont k) {
            return new Number(START, 0, integer, k);
        }

        private JsonState to(int p, int d) {
            return new Number(p, d, integer, k);
        }

        private boolean terminal() {
            return phase == ZERO || phase == INT || phase == FRAC || phase == EXP;
        }

        @Override
        JsonState next(int b) {
            boolean digit = isDigit(b);
            switch (phase) {
                case START:
                    if (b == '-') return to(MINUS, 0);
                    // fall through: the first digit
                case MINUS:
                    if (b == '0') return to(ZERO, 1);
                    return digit ? to(INT, 1) : null;
                case DOT:
                    return digit ? to(FRAC, 1) : null;
                case E:
                    if (b == '+' || b == '-') return to(E_SIGN, 0);
                    // fall through
                case E_SIGN:
                    return digit ? to(EXP, 1) : null;
                default:
                    break;
            }
            if (digit) {
                if (phase == INT || phase == FRAC) return digits < MAX_DIGITS ? to(phase, digits + 1) : null;
                if (phase == EXP) return digits < 3 ? to(EXP, digits + 1) : null;
                return null; // after a leading zero
            }
            if (!integer && b == '.' && (phase == ZERO || phase == INT)) return to(DOT, 0);
            if (!integer && (b == 'e' || b == 'E') && phase != EXP) return to(E, 0);
            return k.resume().next(b);
        }

        @Override
        boolean canEnd() {
            return terminal() && k.resume().canEnd();
        }
    }

    /**
     * The sub-state of a string's lexer at this point ({@link StringLexer}), or -1 outside strings.
     * Inside a string, bytes that do not close it lead to a state decided by the sub-state alone.
     */
    int stringSub() {
        return -1;
    }

    /** Inside a string value: escapes, strict UTF-8, control characters refused. */
    static final class Str extends JsonState {
        private final Str[] family; // the string's state for each lexer sub-state, made on first use
        private final Cont k;
        private final int sub;

        /** The state after a string's opening quote. */
        static JsonState open(Cont k) {
            return new Str(new Str[StringLexer.STATES], k, StringLexer.NORMAL);
        }

        private Str(Str[] family, Cont k, int sub) {
            this.family = family;
            this.k = k;
            this.sub = sub;
            family[sub] = this;
        }

        @Override
        JsonState next(int b) {
            int q = StringLexer.step(sub, b);
            if (q == StringLexer.REJECT) return null;
            if (q == StringLexer.CLOSE) return k.resume();
            Str s = family[q];
            return s != null ? s : new Str(family, k, q);
        }

        @Override
        int stringSub() {
            return sub;
        }
    }
}
