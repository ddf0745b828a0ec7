package dev.edgewise.engine.template;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/** Python's {@code datetime.strftime} in the C locale, for the common directives (and glibc's {@code %-d}). */
final class Strftime {
    private Strftime() {}

    static String format(LocalDateTime t, String fmt) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char d = fmt.charAt(++i);
            boolean noPad = d == '-' && i + 1 < fmt.length();
            if (noPad) d = fmt.charAt(++i);
            int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
            switch (d) {
                case 'd' -> pad(sb, t.getDayOfMonth(), 2, noPad);
                case 'm' -> pad(sb, t.getMonthValue(), 2, noPad);
                case 'Y' -> sb.append(t.getYear());
                case 'y' -> pad(sb, t.getYear() % 100, 2, noPad);
                case 'H' -> pad(sb, t.getHour(), 2, noPad);
                case 'I' -> pad(sb, hour12, 2, noPad);
                case 'M' -> pad(sb, t.getMinute(), 2, noPad);
                case 'S' -> pad(sb, t.getSecond(), 2, noPad);
                case 'j' -> pad(sb, t.getDayOfYear(), 3, noPad);
                case 'f' -> pad(sb, t.getNano() / 1000, 6, false);
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'w' -> sb.append(t.getDayOfWeek().getValue() % 7);
                case 'u' -> sb.append(t.getDayOfWeek().getValue());
                case 'e' -> sb.append(t.getDayOfMonth() < 10 ? " " : "").append(t.getDayOfMonth());
                case 'F' -> sb.append(format(t, "%Y-%m-%d"));
                case 'T' -> sb.append(format(t, "%H:%M:%S"));
                case 'D' -> sb.append(format(t, "%m/%d/%y"));
                case 'R' -> sb.append(format(t, "%H:%M"));
                case 'c' -> sb.append(format(t, "%a %b %e %H:%M:%S %Y"));
                case 'x' -> sb.append(format(t, "%m/%d/%y"));
                case 'X' -> sb.append(format(t, "%H:%M:%S"));
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case '%' -> sb.append('%');
                case 'z', 'Z' -> { }
                default -> sb.append('%').append(noPad ? "-" : "").append(d);
            }
        }
        return sb.toString();
    }

    private static void pad(StringBuilder sb, int v, int width, boolean noPad) {
        String s = Integer.toString(v);
        if (!noPad) sb.append("0".repeat(Math.max(0, width - s.length())));
        sb.append(s);
    }
}
