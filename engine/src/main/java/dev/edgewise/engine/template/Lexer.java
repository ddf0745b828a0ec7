package dev.edgewise.engine.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into tokens the way Jinja2's lexer does with transformers' settings: {@code \r\n} and
 * {@code \r} become {@code \n}, one trailing newline is dropped ({@code keep_trailing_newline=False}),
 * {@code trim_blocks} drops the first newline after a block or comment tag, {@code lstrip_blocks} drops the
 * spaces and tabs before a block or comment tag that starts a line, and {@code -} on a tag strips all
 * whitespace on that side ({@code +} turns the two options off for that tag). {@code {% raw %}} blocks are
 * passed through as text.
 */
final class Lexer {
    private static final String[] OPERATORS = {"//", "**", "==", "!=", "<=", ">=",
            "+", "-", "*", "/", "%", "~", "<", ">", "=", ".", ",", ":", "|", "(", ")", "[", "]", "{", "}"};

    private final String src;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private int line = 1;
    /** The previous tag ended a line (or nothing came before): lstrip_blocks may strip before the next tag. */
    private boolean lineStarting = true;
    /** The previous tag ended with '-': strip the whitespace that starts the next text. */
    private boolean stripNext;

    private Lexer(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        this.src = s;
    }

    static List<Token> tokenize(String source) {
        Lexer lx = new Lexer(source);
        lx.run();
        return lx.out;
    }

    private void run() {
        while (pos < src.length()) {
            int tag = nextTag(pos);
            String text = src.substring(pos, tag < 0 ? src.length() : tag);
            int textLine = line;
            line += count(text);
            if (stripNext) text = stripLeading(text);
            stripNext = false;
            if (tag < 0) {
                emitText(text, textLine);
                pos = src.length();
                break;
            }
            char kind = src.charAt(tag + 1);
            char sign = tag + 2 < src.length() ? src.charAt(tag + 2) : 0;
            if (sign == '-') {
                text = stripTrailing(text);
            } else if (sign != '+' && kind != '{') {
                int l = text.lastIndexOf('\n') + 1;
                if ((l > 0 || lineStarting) && l < text.length() && PyStrings.isAllSpace(text, l)) text = text.substring(0, l);
            }
            emitText(text, textLine);
            pos = tag + 2 + (sign == '-' || sign == '+' ? 1 : 0);
            switch (kind) {
                case '#' -> comment(tag);
                case '%' -> {
                    if (!raw()) expression(Token.Kind.BLOCK_BEGIN, Token.Kind.BLOCK_END, '%');
                }
                default -> expression(Token.Kind.VAR_BEGIN, Token.Kind.VAR_END, '}');
            }
        }
        out.add(new Token(Token.Kind.EOF, "", line));
    }

    private int nextTag(int from) {
        int i = from;
        while ((i = src.indexOf('{', i)) >= 0 && i + 1 < src.length()) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
            i++;
        }
        return -1;
    }

    private void emitText(String text, int textLine) {
        if (!text.isEmpty()) out.add(new Token(Token.Kind.TEXT, text, textLine));
    }

    private void comment(int tag) {
        int end = src.indexOf("#}", pos);
        if (end < 0) throw new TemplateError("missing end of comment tag", line, false);
        line += count(src.substring(pos, end));
        boolean strip = end > pos && src.charAt(end - 1) == '-';
        boolean keep = end > pos && src.charAt(end - 1) == '+';
        pos = end + 2;
        afterTag(strip, !keep);
    }

    /** After a block or comment end: '-' strips what follows, else trim_blocks drops one newline. */
    private void afterTag(boolean strip, boolean trimNewline) {
        lineStarting = false;
        if (strip) {
            stripNext = true;
            int p = pos;
            while (p < src.length() && PyStrings.isSpace(src.charAt(p))) if (src.charAt(p++) == '\n') lineStarting = true;
        } else if (trimNewline && pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
            line++;
            lineStarting = true;
        }
    }

    /** {@code {% raw %}...{% endraw %}}: returns false if this block tag is not {@code raw}. */
    private boolean raw() {
        int p = skipSpaces(pos);
        if (!src.startsWith("raw", p)) return false;
        p = skipSpaces(p + 3);
        boolean strip = src.startsWith("-%}", p);
        if (!strip && !src.startsWith("%}", p)) return false;
        int bodyStart = p + (strip ? 3 : 2);
        int i = bodyStart;
        while (true) {
            i = src.indexOf("{%", i);
            if (i < 0) throw new TemplateError("missing {% endraw %} for the raw block", line, false);
            int q = skipSpaces(i + 2 + (i + 2 < src.length() && "-+".indexOf(src.charAt(i + 2)) >= 0 ? 1 : 0));
            if (src.startsWith("endraw", q)) {
                int e = skipSpaces(q + 6);
                boolean endStrip = src.startsWith("-%}", e);
                if (endStrip || src.startsWith("%}", e)) {
                    String body = src.substring(bodyStart, i);
                    if (strip) body = stripLeading(body);
                    if (src.charAt(i + 2) == '-') body = stripTrailing(body);
                    emitText(body, line);
                    line += count(src.substring(pos, e));
                    pos = e + (endStrip ? 3 : 2);
                    afterTag(endStrip, true);
                    return true;
                }
            }
            i += 2;
        }
    }

    private void expression(Token.Kind begin, Token.Kind end, char closer) {
        int startLine = line;
        out.add(new Token(begin, "", line));
        int depth = 0;
        while (true) {
            while (pos < src.length() && PyStrings.isSpace(src.charAt(pos))) if (src.charAt(pos++) == '\n') line++;
            if (pos >= src.length()) {
                throw new TemplateError("unexpected end of template, the tag opened on line " + startLine + " is not closed", line, false);
            }
            if (depth == 0) {
                boolean strip = src.charAt(pos) == '-' && src.startsWith(closer + "}", pos + 1);
                boolean keep = closer == '%' && src.charAt(pos) == '+' && src.startsWith("%}", pos + 1);
                if (strip || keep || src.startsWith(closer + "}", pos)) {
                    pos += (strip || keep ? 3 : 2);
                    out.add(new Token(end, "", line));
                    if (end == Token.Kind.BLOCK_END) {
                        afterTag(strip, !keep);
                    } else {
                        lineStarting = false;
                        if (strip) afterTag(true, false);
                    }
                    return;
                }
            }
            char c = src.charAt(pos);
            if (c == '\'' || c == '"') {
                out.add(new Token(Token.Kind.STRING, string(c), line));
            } else if (Character.isDigit(c)) {
                number();
            } else if (Character.isLetter(c) || c == '_') {
                int s = pos;
                while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
                out.add(new Token(Token.Kind.NAME, src.substring(s, pos), line));
            } else {
                String op = null;
                for (String o : OPERATORS) if (src.startsWith(o, pos)) { op = o; break; }
                if (op == null) throw new TemplateError("unexpected char " + Py.repr(String.valueOf(c)), line, false);
                if (op.equals("(") || op.equals("[") || op.equals("{")) depth++;
                if (op.equals(")") || op.equals("]") || op.equals("}")) {
                    if (depth == 0) throw new TemplateError("unexpected '" + op + "'", line, false);
                    depth--;
                }
                pos += op.length();
                out.add(new Token(Token.Kind.OP, op, line));
            }
        }
    }

    private void number() {
        int s = pos;
        while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
        boolean isFloat = false;
        if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
            isFloat = true;
            pos++;
            while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int e = pos + 1;
            if (e < src.length() && (src.charAt(e) == '+' || src.charAt(e) == '-')) e++;
            if (e < src.length() && Character.isDigit(src.charAt(e))) {
                isFloat = true;
                pos = e;
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) pos++;
            }
        }
        out.add(new Token(isFloat ? Token.Kind.FLOAT : Token.Kind.INT, asciiDigits(src.substring(s, pos).replace("_", "")), line));
    }

    /**
     * Digits of any script as ASCII: Jinja's number pattern ({@code \d}) and Python's int()/float() take every
     * Unicode decimal digit ("۰.۵" is 0.5), Java's Double.parseDouble only ASCII ones (found by fuzzing).
     */
    private static String asciiDigits(String number) {
        StringBuilder sb = new StringBuilder(number.length());
        for (int i = 0; i < number.length(); i++) {
            char c = number.charAt(i);
            sb.append(Character.isDigit(c) ? (char) ('0' + Character.digit(c, 10)) : c);
        }
        return sb.toString();
    }

    /** A string literal with Python's escapes; unknown escapes keep their backslash. */
    private String string(char quote) {
        int startLine = line;
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= src.length()) throw new TemplateError("unterminated string", startLine, false);
            char c = src.charAt(pos++);
            if (c == quote) return sb.toString();
            if (c == '\n') line++;
            if (c != '\\' || pos >= src.length()) {
                sb.append(c);
                continue;
            }
            char e = src.charAt(pos++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append('\u000b');
                case 'a' -> sb.append('\u0007');
                case '0' -> sb.append('\0');
                case '\\', '\'', '"' -> sb.append(e);
                case '\n' -> line++;
                case 'x' -> sb.appendCodePoint(hex(2));
                case 'u' -> sb.appendCodePoint(hex(4));
                case 'U' -> sb.appendCodePoint(hex(8));
                default -> sb.append('\\').append(e);
            }
        }
    }

    private int hex(int digits) {
        if (pos + digits > src.length()) throw new TemplateError("truncated escape in string literal", line, false);
        try {
            int v = Integer.parseInt(src.substring(pos, pos + digits), 16);
            if (v < 0 || v > Character.MAX_CODE_POINT) throw new NumberFormatException();
            pos += digits;
            return v;
        } catch (NumberFormatException e) {
            throw new TemplateError("invalid escape in string literal", line, false);
        }
    }

    private int skipSpaces(int p) {
        while (p < src.length() && PyStrings.isSpace(src.charAt(p))) p++;
        return p;
    }

    private static String stripLeading(String s) {
        int i = 0;
        while (i < s.length() && PyStrings.isSpace(s.charAt(i))) i++;
        return s.substring(i);
    }

    private static String stripTrailing(String s) {
        int i = s.length();
        while (i > 0 && PyStrings.isSpace(s.charAt(i - 1))) i--;
        return s.substring(0, i);
    }

    private static int count(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == '\n') n++;
        return n;
    }
}
