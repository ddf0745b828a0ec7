package dev.edgewise.engine.lora;

import dev.edgewise.loader.ModelFormatException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * Matches A and B tensors into pairs while a reader walks a file, and checks what can be checked
 * without a model: no duplicates, no half pairs, ranks that agree between A and B and across pairs.
 */
final class PairCollector {
    private final String file;
    /** Keyed by layer * targets + target ordinal, so iteration is in (layer, target) order. */
    private final TreeMap<Long, SourceTensor[]> slots = new TreeMap<>();

    PairCollector(String file) {
        this.file = file;
    }

    /**
     * Highest layer index accepted. Qwen2 models have at most 80 layers; the cap keeps a corrupt
     * index from sizing the adapter's lookup table (the model's real count is checked by validate).
     */
    static final int MAX_LAYER = 4095;

    void add(int layer, LoraTarget target, boolean isA, SourceTensor t) {
        if (layer > MAX_LAYER) {
            throw new ModelFormatException(file + ": tensor '" + t.name() + "' names layer " + layer + ", beyond any supported model (at most "
                    + (MAX_LAYER + 1) + " layers)");
        }
        long key = (long) layer * LoraTarget.values().length + target.ordinal();
        SourceTensor[] slot = slots.computeIfAbsent(key, k -> new SourceTensor[2]);
        int i = isA ? 0 : 1;
        if (slot[i] != null) {
            throw new ModelFormatException(file + ": tensors '" + slot[i].name() + "' and '" + t.name()
                    + "' are both the LoRA " + (isA ? "A" : "B") + " of layer " + layer + " " + target.ggufName());
        }
        slot[i] = t;
    }

    /**
     * The complete pairs, sorted by layer then target.
     *
     * @param expectedRank the rank the file's metadata declares, or 0 if it declares none
     */
    List<SourceAdapter.Pair> pairs(int expectedRank) {
        if (slots.isEmpty()) throw new ModelFormatException(file + ": contains no LoRA tensors");
        List<SourceAdapter.Pair> out = new ArrayList<>();
        SourceAdapter.Pair first = null;
        int nTargets = LoraTarget.values().length;
        for (var e : slots.entrySet()) {
            int layer = (int) (e.getKey() / nTargets);
            LoraTarget target = LoraTarget.values()[(int) (e.getKey() % nTargets)];
            SourceTensor a = e.getValue()[0], b = e.getValue()[1];
            if (a == null || b == null) {
                SourceTensor present = a != null ? a : b;
                throw new ModelFormatException(file + ": tensor '" + present.name() + "' has no matching LoRA "
                        + (a == null ? "A" : "B") + " tensor for layer " + layer + " " + target.ggufName());
            }
            if (a.rows() != b.cols()) {
                throw new ModelFormatException(file + ": rank mismatch in layer " + layer + " " + target.ggufName()
                        + ": A '" + a.name() + "' has " + a.shape() + " (rank " + a.rows() + ") but B '" + b.name()
                        + "' has " + b.shape() + " (rank " + b.cols() + ")");
            }
            SourceAdapter.Pair p = new SourceAdapter.Pair(layer, target, a, b);
            if (expectedRank > 0 && a.rows() != expectedRank) {
                throw new ModelFormatException(file + ": tensor '" + a.name() + "' has " + a.shape() + ", rank "
                        + a.rows() + ", but the adapter config declares r = " + expectedRank);
            }
            if (first != null && a.rows() != first.a().rows()) {
                throw new ModelFormatException(file + ": tensor '" + a.name() + "' has rank " + a.rows() + " but '"
                        + first.a().name() + "' has rank " + first.a().rows()
                        + "; Edgewise needs one rank per adapter (one scale alpha/r for all pairs)");
            }
            if (first == null) first = p;
            out.add(p);
        }
        out.sort(Comparator.comparingInt(SourceAdapter.Pair::layer).thenComparing(SourceAdapter.Pair::target));
        return out;
    }
}
