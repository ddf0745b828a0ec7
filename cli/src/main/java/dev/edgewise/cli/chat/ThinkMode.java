package dev.edgewise.cli.chat;

import java.util.Locale;

/** How a chat turn thinks: as the template decides by default, switched on or off, or chosen by the switcher head. */
public enum ThinkMode {
    /** The template's own default ({@code enable_thinking} left unset). */
    DEFAULT,
    /** {@code enable_thinking = true}. */
    ON,
    /** {@code enable_thinking = false}. */
    OFF,
    /** The reasoning pipeline's switcher decides per turn (needs heads). */
    AUTO;

    static ThinkMode parse(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "on" -> ON;
            case "off" -> OFF;
            case "auto" -> AUTO;
            default -> throw new IllegalArgumentException("/think needs on, off or auto, got '" + s.strip() + "'");
        };
    }
}
