package dev.edgewise.spark;

import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * The sampling seed of each row, a function of the row alone, so that a retried task samples
 * exactly what the failed attempt did: a column's value, or a hash of the row's prompt mixed with a
 * base seed (equal prompts then get equal seeds), or one seed for every row (as {@code edgewise eval}).
 */
final class RowSeeds implements Serializable {
    private final int column;  // -1: not from a column
    private final boolean hashed;
    private final long base;

    private RowSeeds(int column, boolean hashed, long base) {
        this.column = column;
        this.hashed = hashed;
        this.base = base;
    }

    static RowSeeds fromColumn(int index) {
        return new RowSeeds(index, false, 0);
    }

    static RowSeeds hashOfPrompt(long base) {
        return new RowSeeds(-1, true, base);
    }

    static RowSeeds fixed(long seed) {
        return new RowSeeds(-1, false, seed);
    }

    /**
     * @param prompt the row's prompt in a canonical text form (see {@link PromptColumn#key})
     * @throws IllegalArgumentException when the seed column is null in this row
     */
    long seed(Row row, String prompt) {
        if (column >= 0) {
            if (row.isNullAt(column)) throw new IllegalArgumentException("seed column '" + row.schema().fields()[column].name() + "' is null in row " + row);
            return ((Number) row.get(column)).longValue();
        }
        return hashed ? mix(base ^ fnv1a(prompt)) : base;
    }

    /** FNV-1a over the UTF-8 bytes: stable across JVMs and versions (unlike identity hashes). */
    static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** SplitMix64's finaliser, so that near prompts and bases give unrelated seeds. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
