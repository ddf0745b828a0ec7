package dev.edgewise.engine;

import java.util.List;

/**
 * Finds stop strings in streamed text. Text that might be the start of a stop string is held
 * back until it is known not to be, so a listener never sees any part of a stop string.
 */
final class StopStringMatcher {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopStringMatcher(List<String> stops) {
        this.stops = stops;
    }

    boolean stopped() {
        return stopped;
    }

    /** Adds generated text; returns the part that is now safe to emit. */
    String accept(String text) {
        if (stopped) return "";
        pending.append(text);
        if (stops.isEmpty()) return drain(pending.length());
        int cut = -1;
        for (String s : stops) {
            int at = pending.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        return drain(pending.length() - longestStopPrefixSuffix());
    }

    /** Everything still held back (the generation ended without completing a stop string). */
    String flush() {
        return stopped ? "" : drain(pending.length());
    }

    private int longestStopPrefixSuffix() {
        int best = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, pending.length()); len > best; len--) {
                if (endsWithPrefix(s, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }

    private boolean endsWithPrefix(String s, int len) {
        int start = pending.length() - len;
        for (int i = 0; i < len; i++) if (pending.charAt(start + i) != s.charAt(i)) return false;
        return true;
    }

    private String drain(int n) {
        String out = pending.substring(0, n);
        pending.delete(0, n);
        return out;
    }
}
