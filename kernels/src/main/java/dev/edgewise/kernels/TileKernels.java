package dev.edgewise.kernels;

/**
 * The float register tiles of batches at one vector width ({@code FloatTiles}, one copy per species,
 * held by {@code SpeciesKernels} in a {@code static final} field, so each call is bound statically):
 * rows already decoded to floats times every vector of a batch.
 */
interface TileKernels {

    /**
     * {@code out[b*rows + r + i] = sum_c w[i*cols + c] * x[b*cols + c]} for the {@code n} rows
     * (4, 2 or 1) decoded at {@code w[i*cols ..)} and every vector {@code b < batch}. {@code w} is
     * the decoding scratch: at least {@code 4*cols + 16*L} floats, the tiles' accumulators after
     * the four rows.
     */
    void decodedRowsTimesBatch(float[] w, int n, int cols, float[] x, int batch, float[] out, int rows, int r);
}
