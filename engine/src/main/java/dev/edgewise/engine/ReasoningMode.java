package dev.edgewise.engine;

import java.util.Locale;

/** Whether a request reasons (adapter on, budget, branches): decided by the switcher, or forced. */
public enum ReasoningMode {
    AUTO, ON, OFF;

    public static ReasoningMode parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("reasoning must be auto, on or off, got '" + s + "'");
        }
    }
}
