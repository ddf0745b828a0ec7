package dev.edgewise.engine.vote;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Canonical form of an answer, used as the vote key: two answers vote together exactly when their
 * normalised forms are equal.
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>Clean-up, repeated until nothing changes: Unicode minus to '-', whitespace runs to one
 *       space, trim; strip a surrounding {@code $$..$$}, {@code $..$}, {@code \(..\)} or
 *       {@code \[..\]}; drop a trailing period; {@code \text{x}} (and {@code \textbf}, {@code \textit},
 *       {@code \textrm}, {@code \mathrm}, {@code \mathbf}, {@code \mbox}) to {@code x}; remove
 *       {@code \left}, {@code \right}, {@code \displaystyle} and the spacing commands {@code \, \! \; \:};
 *       {@code \dfrac}/{@code \tfrac} to {@code \frac}; {@code \%} to {@code %}; {@code {,}} to
 *       {@code ,}.</li>
 *   <li>A number (sign, valid thousands grouping, decimals, exponent) becomes its plain decimal
 *       value without trailing zeros: {@code 1,000 -> 1000}, {@code 3.50 -> 3.5}, {@code 3.0 -> 3},
 *       {@code +3 -> 3}, {@code -0 -> 0}, {@code 1e3 -> 1000}, {@code .5 -> 0.5}. Exponents beyond
 *       +-100 keep scientific form so that {@code 1e999999} cannot blow up.</li>
 *   <li>Percent is kept as a distinct unit: {@code 50\%}, {@code 50.0 %} -> {@code 50%}; it is never
 *       equated with {@code 50} or {@code 0.5}, since which one the question wants is unknown.</li>
 *   <li>A fraction of integers, {@code a/b} or {@code \frac{a}{b}} (optional signs, {@code b != 0}),
 *       is reduced with the sign in front: {@code \frac{6}{4} -> 3/2}, {@code 4/2 -> 2},
 *       {@code 1/-2 -> -1/2}. Decimals are not turned into fractions or back ({@code 0.5} stays
 *       {@code 0.5}, distinct from {@code 1/2}): guessing would merge answers that differ.</li>
 *   <li>Anything else: whitespace is removed unless it separates two letters/digits ({@code x + 1 ->
 *       x+1}, {@code \frac {1} {2} -> \frac{1}{2}}, but {@code \pi r} and {@code new york} keep
 *       their space because removing it would change the meaning; so does LaTeX's control space
 *       {@code \ }).</li>
 *   <li>Pure text (no digit, backslash or math symbol {@code = + * / ^ _ < > { } | $}) is
 *       lower-cased: {@code Yes -> yes}, {@code \text{(B)} -> (b)}.</li>
 * </ol>
 * Not attempted: units, {@code x = 3} prefixes, degree signs, reordering sets or tuples.
 */
public final class AnswerNormalizer {
    private AnswerNormalizer() {}

    /** Longest string treated as a number; longer digit strings are compared as text. */
    private static final int MAX_NUMBER_LENGTH = 400;
    /** Beyond this exponent magnitude a number keeps scientific notation. */
    private static final int MAX_PLAIN_EXPONENT = 100;

    private static final Pattern TEXT_COMMAND =
            Pattern.compile("\\\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox)\\s*\\{");
    private static final Pattern DROPPED_COMMANDS =
            Pattern.compile("\\\\(?:left|right|displaystyle)(?![a-zA-Z])|\\\\[,!;:]");
    private static final Pattern NUMBER = Pattern.compile(
            "([-+]?(?:(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?)(?: ?(%))?");
    private static final Pattern SLASH_FRACTION = Pattern.compile("([-+]?\\d+)\\s*/\\s*([-+]?\\d+)");
    private static final Pattern LATEX_FRACTION =
            Pattern.compile("([-+]?)\\\\frac\\s*\\{\\s*([-+]?\\d+)\\s*}\\s*\\{\\s*([-+]?\\d+)\\s*}");
    private static final Pattern MATH_SYMBOL = Pattern.compile("[\\p{N}\\\\=+*/^_<>{}|$]");

    /** The canonical vote key of {@code answer} (see the class comment for the rules). */
    public static String normalize(String answer) {
        Objects.requireNonNull(answer, "answer");
        String s = answer;
        // Each clean-up step shortens the string or rewrites characters that never come back
        // (Unicode minus, tabs/newlines), so this loop terminates after a few rounds.
        for (String previous = null; !s.equals(previous); ) {
            previous = s;
            s = cleanUpOnce(s);
        }
        if (s.length() <= MAX_NUMBER_LENGTH) {
            String number = canonicalNumber(s);
            if (number != null) {
                return number;
            }
            String fraction = canonicalFraction(s);
            if (fraction != null) {
                return fraction;
            }
        }
        s = tightenSpaces(s);
        // tightening can make a number ("+ 9" -> "+9"): key it as that number, unless a comma joined
        // parts ("1, 234" is a list, not 1234; found by fuzzing)
        if (s.indexOf(',') < 0 && s.length() <= MAX_NUMBER_LENGTH) {
            String number = canonicalNumber(s);
            if (number != null) return number;
            String fraction = canonicalFraction(s);
            if (fraction != null) return fraction;
        }
        return MATH_SYMBOL.matcher(s).find() ? s : s.toLowerCase(Locale.ROOT);
    }

    private static String cleanUpOnce(String s) {
        s = s.replace('\u2212', '-').replaceAll("\\s+", " ").strip();
        s = unwrap(s, "$$", "$$");
        s = unwrap(s, "$", "$");
        s = unwrap(s, "\\(", "\\)");
        s = unwrap(s, "\\[", "\\]");
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        s = unwrapTextCommands(s);
        s = DROPPED_COMMANDS.matcher(s).replaceAll("");
        return s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
                .replace("\\%", "%").replace("{,}", ",");
    }

    private static String unwrap(String s, String open, String close) {
        boolean wrapped = s.length() >= open.length() + close.length() && s.startsWith(open) && s.endsWith(close);
        return wrapped ? s.substring(open.length(), s.length() - close.length()) : s;
    }

    /** {@code \text{x}} -> {@code x} for every complete occurrence; unbalanced ones stay as they are. */
    private static String unwrapTextCommands(String s) {
        Matcher m = TEXT_COMMAND.matcher(s);
        StringBuilder out = new StringBuilder();
        int copied = 0;
        int searchFrom = 0;
        while (m.find(searchFrom)) {
            int open = m.end() - 1;
            int close = Braces.closing(s, open, s.length());
            if (close < 0) {
                break;
            }
            out.append(s, copied, m.start()).append(s, open + 1, close);
            copied = close + 1;
            searchFrom = close + 1; // nested \text inside is handled by the next clean-up round
        }
        return out.append(s, copied, s.length()).toString();
    }

    /** Plain decimal form of a whole-string number (optionally with %), or null. */
    private static String canonicalNumber(String s) {
        Matcher m = NUMBER.matcher(s);
        if (!m.matches()) {
            return null;
        }
        String digits;
        try {
            // stripTrailingZeros maps every zero (including -0.0) to BigDecimal.ZERO, printed as "0".
            BigDecimal value = new BigDecimal(m.group(1).replace(",", "")).stripTrailingZeros();
            boolean plain = Math.abs((long) value.scale()) <= MAX_PLAIN_EXPONENT;
            digits = plain ? value.toPlainString() : value.toString();
        } catch (NumberFormatException | ArithmeticException e) { // exponent outside the int range
            return null;
        }
        return digits + (m.group(2) == null ? "" : "%");
    }

    /** Reduced {@code a/b} (or the integer) for a whole-string fraction of integers, or null. */
    private static String canonicalFraction(String s) {
        String sign = "";
        String num;
        String den;
        Matcher m = SLASH_FRACTION.matcher(s);
        if (m.matches()) {
            num = m.group(1);
            den = m.group(2);
        } else if ((m = LATEX_FRACTION.matcher(s)).matches()) {
            sign = m.group(1);
            num = m.group(2);
            den = m.group(3);
        } else {
            return null;
        }
        BigInteger a = new BigInteger(num);
        BigInteger b = new BigInteger(den);
        if (b.signum() == 0) {
            return null;
        }
        if (sign.equals("-")) {
            a = a.negate();
        }
        if (b.signum() < 0) {
            a = a.negate();
            b = b.negate();
        }
        BigInteger g = a.gcd(b); // b != 0, so g > 0
        a = a.divide(g);
        b = b.divide(g);
        return b.equals(BigInteger.ONE) ? a.toString() : a + "/" + b;
    }

    /** Drops every space that does not sit between two letters or digits or after a backslash. */
    private static String tightenSpaces(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            // a space after a backslash is LaTeX's control space "\ ", a command: it stays (found by fuzzing:
            // "s\ :" became "s\:", which the clean-up of a second normalisation then dropped)
            if (c != ' ' || (i > 0 && s.charAt(i - 1) == '\\') || (i > 0 && i + 1 < s.length()
                    && Character.isLetterOrDigit(s.charAt(i - 1)) && Character.isLetterOrDigit(s.charAt(i + 1)))) {
                out.append(c);
            }
        }
        return out.toString();
    }
}
