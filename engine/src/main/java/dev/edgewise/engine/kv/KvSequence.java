package dev.edgewise.engine.kv;

import java.util.Arrays;

/**
 * One sequence's view of the paged cache: its block table and how many positions it holds.
 * Created, forked and released through {@link PagedKvCache}.
 */
public final class KvSequence {
    private final int id;
    int[] blocks;
    int blockCount;
    int length;
    boolean released;

    KvSequence(int id, int[] blocks, int blockCount, int length) {
        this.id = id;
        this.blocks = blocks;
        this.blockCount = blockCount;
        this.length = length;
    }

    public int id() {
        return id;
    }

    /** Positions stored (the next token goes at this position). */
    public int length() {
        return length;
    }

    public boolean released() {
        return released;
    }

    /** A copy of the block table. */
    public int[] blockTable() {
        return Arrays.copyOf(blocks, blockCount);
    }

    /** The pool block holding positions {@code [index·blockSize, (index+1)·blockSize)}: sequences reading the same id share those positions. */
    public int block(int index) {
        return blocks[index];
    }

    @Override
    public String toString() {
        return "KvSequence#" + id + "[" + length + " positions in " + blockCount + " blocks]";
    }
}
