package dev.edgewise.engine.vote;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a branch's final answer is found in its text.
 *
 * <p>Search order: the last complete {@code \boxed{...}} (also {@code \boxed {...}} and
 * {@code \fbox{...}}), then, if configured, the last match of a caller regex, then the last number.
 * The result is the raw answer text (trimmed, never blank); {@link AnswerNormalizer} makes it a
 * vote key.
 *
 * <p>"Number" means: optional sign, digits with optional valid thousands grouping ({@code 1,234}),
 * optional decimals, optional exponent ({@code 2e5}), or a bare fraction part ({@code .5}). A number
 * must not continue a word or another number: the character before it must not be a letter, digit,
 * underscore or '.', so {@code x2}, {@code H2O} and the {@code 3} in {@code 1.2.3} are not numbers.
 * Trailing letters are allowed ({@code 5th} and {@code 10kg} give 5 and 10). A sign belongs to the
 * number only when it does not follow a letter, digit or closing bracket, so {@code 10-3} ends in
 * {@code 3} while {@code x = -3} ends in {@code -3}.
 */
public final class AnswerExtractor {
    private static final Pattern BOXED = Pattern.compile("\\\\(?:boxed|fbox)\\s*\\{");

    private static final Pattern NUMBER = Pattern.compile(
            "(?:(?<![\\p{L}\\p{N}_.)\\]}])[-+\u2212])?"      // sign, unless it is a binary operator
            + "(?<![\\p{L}\\p{N}_.])"                          // not inside a word or another number
            + "(?:(?:\\d{1,3}(?:,\\d{3})+(?!\\d)|\\d+)(?:\\.\\d+)?|\\.\\d+)"
            + "(?:[eE][-+]?\\d+)?");

    private final Pattern regex; // null: no caller regex

    private AnswerExtractor(Pattern regex) {
        this.regex = regex;
    }

    /** Last {@code \boxed{...}}, else the last number. */
    public static AnswerExtractor defaults() {
        return new AnswerExtractor(null);
    }

    /**
     * Last {@code \boxed{...}}, else the last match of {@code regex} (its group 1 when the pattern has
     * a group that took part in the match, else the whole match), else the last number.
     *
     * @throws IllegalArgumentException when the regex does not compile
     */
    public static AnswerExtractor withRegex(String regex) {
        Objects.requireNonNull(regex, "regex");
        try {
            return new AnswerExtractor(Pattern.compile(regex));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid answer regex '" + regex + "': " + e.getMessage(), e);
        }
    }

    /** The raw (not normalised) answer found in {@code text}, or empty when there is none. */
    public Optional<String> extract(String text) {
        Objects.requireNonNull(text, "text");
        Optional<String> boxed = lastBoxed(text);
        if (boxed.isPresent()) {
            return boxed;
        }
        if (regex != null) {
            Optional<String> matched = lastMatch(regex, text, true);
            if (matched.isPresent()) {
                return matched;
            }
        }
        return lastMatch(NUMBER, text, false);
    }

    /**
     * Content of the last {@code \boxed{...}} whose braces balance and whose content is not blank.
     * An unbalanced occurrence can never be closed by an earlier one reaching past it (the earlier
     * group's depth stays above that of the unclosed one), so each earlier candidate only needs to
     * be scanned up to the last unbalanced start: the whole search stays linear in the text length.
     */
    private static Optional<String> lastBoxed(String text) {
        Matcher m = BOXED.matcher(text);
        int count = 0;
        int[] opens = new int[8];
        while (m.find()) {
            if (count == opens.length) {
                opens = Arrays.copyOf(opens, count * 2);
            }
            opens[count++] = m.end() - 1; // index of '{'
        }
        int limit = text.length();
        for (int k = count - 1; k >= 0; k--) {
            int open = opens[k];
            int close = Braces.closing(text, open, limit);
            if (close < 0) {
                limit = open; // unbalanced: ignore it, earlier ones must close before it
                continue;
            }
            String content = text.substring(open + 1, close).strip();
            if (!content.isEmpty()) {
                return Optional.of(content);
            }
        }
        return Optional.empty();
    }

    /** The last non-blank match (group 1 when asked for and present), trimmed. */
    private static Optional<String> lastMatch(Pattern p, String text, boolean preferGroup1) {
        Matcher m = p.matcher(text);
        String last = null;
        while (m.find()) {
            String s = preferGroup1 && m.groupCount() >= 1 && m.group(1) != null ? m.group(1) : m.group();
            if (!s.isBlank()) {
                last = s.strip();
            }
        }
        return Optional.ofNullable(last);
    }
}
