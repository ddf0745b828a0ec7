package dev.edgewise.engine.template;

import java.util.ArrayList;
import java.util.List;

/** Python {@code str} behaviour: whitespace as {@code str.isspace()}, code-point characters, methods. */
final class PyStrings {
    private PyStrings() {}

    /** {@code str.isspace()} for one UTF-16 unit (every whitespace code point is in the BMP). */
    static boolean isSpace(char c) {
        return switch (c) {
            case ' ', '\t', '\n', '\u000b', '\f', '\r', '\u001c', '\u001d', '\u001e', '\u001f', '\u0085', '\u00a0',
                 '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000' -> true;
            default -> c >= '\u2000' && c <= '\u200a';
        };
    }

    static boolean isAllSpace(String s, int from) {
        for (int i = from; i < s.length(); i++) if (!isSpace(s.charAt(i))) return false;
        return true;
    }

    /** The characters of {@code s} as Python sees them: one string per code point. */
    static List<String> characters(String s) {
        List<String> out = new ArrayList<>(s.length());
        for (int i = 0; i < s.length(); ) {
            int n = Character.charCount(s.codePointAt(i));
            out.add(s.substring(i, i + n));
            i += n;
        }
        return out;
    }

    static int compareCodePoints(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i), y = b.codePointAt(j);
            if (x != y) return Integer.compare(x, y);
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** {@code strip}, {@code lstrip}, {@code rstrip}: {@code chars} null strips whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0, end = s.length();
        if (left) while (start < end && stripped(s, start, chars)) start += Character.charCount(s.codePointAt(start));
        if (right) while (end > start && stripped(s, Character.offsetByCodePoints(s, end, -1), chars)) end = Character.offsetByCodePoints(s, end, -1);
        return s.substring(start, end);
    }

    private static boolean stripped(String s, int at, String chars) {
        int cp = s.codePointAt(at);
        if (chars == null) return cp < 0x10000 && isSpace((char) cp);
        return chars.indexOf(Character.toString(cp)) >= 0;
    }

    /** {@code split(sep, maxsplit)}; {@code sep} null splits on whitespace runs and drops empty ends. */
    static List<Object> split(String s, String sep, long maxSplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    out.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new TemplateError("empty separator");
        int from = 0;
        while (maxSplit < 0 || out.size() < maxSplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) break;
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<Object> rsplit(String s, String sep, long maxSplit) {
        if (sep == null || maxSplit < 0) return split(s, sep, maxSplit);
        if (sep.isEmpty()) throw new TemplateError("empty separator");
        List<Object> out = new ArrayList<>();
        int end = s.length();
        while (out.size() < maxSplit) {
            int at = s.lastIndexOf(sep, end - sep.length());
            if (at < 0) break;
            out.addFirst(s.substring(at + sep.length(), end));
            end = at;
        }
        out.addFirst(s.substring(0, end));
        return out;
    }

    static List<Object> splitLines(String s, boolean keepEnds) {
        List<Object> out = new ArrayList<>();
        int start = 0, i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            boolean lineBreak = c == '\n' || c == '\r' || c == '\u000b' || c == '\f' || c == '\u001c' || c == '\u001d'
                    || c == '\u001e' || c == '\u0085' || c == '\u2028' || c == '\u2029';
            if (!lineBreak) {
                i++;
                continue;
            }
            int eol = (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') ? i + 2 : i + 1;
            out.add(s.substring(start, keepEnds ? eol : i));
            start = i = eol;
        }
        if (start < n) out.add(s.substring(start));
        return out;
    }

    /** {@code str.title()}: a cased character after an uncased one is upper case, the others lower. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            sb.appendCodePoint(cased ? (prevCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp)) : cp);
            prevCased = cased;
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int cp = s.codePointAt(0);
        int n = Character.charCount(cp);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(cp)).append(s.substring(n).toLowerCase(java.util.Locale.ROOT)).toString();
    }

    /** Python's {@code repr} of a string: single quotes unless the text has ' and no ". */
    static void repr(String s, StringBuilder sb) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        sb.append(q);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (cp == q) sb.append('\\').append(q);
                    else if (cp < 0x20 || cp == 0x7f) sb.append(String.format("\\x%02x", cp));
                    else if (!printable(cp)) sb.append(cp <= 0xff ? String.format("\\x%02x", cp) : cp <= 0xffff ? String.format("\\u%04x", cp) : String.format("\\U%08x", cp));
                    else sb.appendCodePoint(cp);
                }
            }
        }
        sb.append(q);
    }

    private static boolean printable(int cp) {
        int type = Character.getType(cp);
        if (cp == ' ') return true;
        return switch (type) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    static String checkedRepeat(String s, long times, int maxChars) {
        if (times <= 0) return "";
        if ((long) s.length() * times > maxChars) throw new TemplateError("string of more than " + maxChars + " characters");
        return s.repeat((int) times);
    }
}
