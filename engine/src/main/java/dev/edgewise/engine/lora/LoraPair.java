package dev.edgewise.engine.lora;

import dev.edgewise.kernels.WeightMatrix;

import java.util.Objects;

/**
 * The two low-rank factors that adapt one matrix: {@code W' = W + s * B * A}.
 *
 * @param layer  decoder block index
 * @param target the adapted projection
 * @param a      A, {@code [r][in]} (rows r, cols in): projects the input down to rank r
 * @param b      B, {@code [out][r]} (rows out, cols r): projects back up
 */
public record LoraPair(int layer, LoraTarget target, WeightMatrix a, WeightMatrix b) {

    public LoraPair {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (layer < 0) throw new IllegalArgumentException("negative layer " + layer);
        if (a.rows() != b.cols()) {
            throw new IllegalArgumentException("blk." + layer + "." + target.ggufName() + ": A has " + a.rows()
                    + " rows but B has " + b.cols() + " columns; both must equal the rank");
        }
    }

    /** The rank r. */
    public int rank() {
        return a.rows();
    }

    /** Input width (columns of A). */
    public int inDim() {
        return a.cols();
    }

    /** Output width (rows of B). */
    public int outDim() {
        return b.rows();
    }

    /** Resident bytes of A and B. */
    public long bytes() {
        return a.rowBytes() * a.rows() + b.rowBytes() * b.rows();
    }
}
