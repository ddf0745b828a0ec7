package dev.edgewise.server.metrics;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;

/** A Prometheus histogram: cumulative buckets by upper bound, a count and a sum (thread-safe). */
public final class Histogram {
    private final String name;
    private final String help;
    private final double[] bounds;
    private final AtomicLongArray counts;
    private final DoubleAdder sum = new DoubleAdder();

    public Histogram(String name, String help, double... bounds) {
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) throw new IllegalArgumentException("bucket bounds must increase: " + name);
        }
        this.name = name;
        this.help = help;
        this.bounds = bounds.clone();
        this.counts = new AtomicLongArray(bounds.length + 1); // the last counts values above every bound
    }

    public void observe(double value) {
        int i = 0;
        while (i < bounds.length && value > bounds[i]) i++;
        counts.incrementAndGet(i);
        sum.add(value);
    }

    public long count() {
        long c = 0;
        for (int i = 0; i < counts.length(); i++) c += counts.get(i);
        return c;
    }

    /** The value below which a fraction {@code q} of observations fell, to the resolution of the buckets. */
    public double quantileUpperBound(double q) {
        long total = count();
        if (total == 0) return Double.NaN;
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts.get(i);
            if (cumulative >= q * total) return bounds[i];
        }
        return Double.POSITIVE_INFINITY;
    }

    void write(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" histogram\n");
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts.get(i);
            out.append(name).append("_bucket{le=\"").append(PrometheusText.number(bounds[i])).append("\"} ").append(cumulative).append('\n');
        }
        cumulative += counts.get(bounds.length);
        out.append(name).append("_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
        out.append(name).append("_sum ").append(PrometheusText.number(sum.sum())).append('\n');
        out.append(name).append("_count ").append(cumulative).append('\n');
    }
}
