package dev.edgewise.server.metrics;

/** Events per second over a sliding window, in one-second slots (thread-safe). */
final class RateWindow {
    private static final long SLOT = 1_000_000_000L;
    private final long[] slotStart;
    private final long[] counts;

    RateWindow(long windowNanos) {
        int slots = (int) Math.max(1, windowNanos / SLOT);
        slotStart = new long[slots];
        counts = new long[slots];
        java.util.Arrays.fill(slotStart, Long.MIN_VALUE);
    }

    synchronized void add(long nowNanos, long n) {
        long s = Math.floorDiv(nowNanos, SLOT);
        int i = (int) Math.floorMod(s, slotStart.length);
        if (slotStart[i] != s) {
            slotStart[i] = s;
            counts[i] = 0;
        }
        counts[i] += n;
    }

    synchronized double perSecond(long nowNanos) {
        long s = Math.floorDiv(nowNanos, SLOT);
        long total = 0;
        for (int i = 0; i < slotStart.length; i++) {
            if (slotStart[i] != Long.MIN_VALUE && s - slotStart[i] < slotStart.length) total += counts[i];
        }
        return (double) total / slotStart.length;
    }
}
