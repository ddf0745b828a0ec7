package dev.edgewise.engine.lora;

import dev.edgewise.engine.ModelConfig;
import dev.edgewise.engine.ProjectionDeltas;
import dev.edgewise.kernels.WorkerPool;

import java.util.List;

/**
 * On-the-fly LoRA for the forward pass: after each projection, adds {@code s·B·(A·x)} of the adapter
 * set each row selects. Sets are registered once and referred to by slot, so one batch can mix rows
 * without an adapter, with adapter A and with adapter B (each set's delta runs over just its rows),
 * and a sequence can switch its adapter on or off between steps.
 */
public final class DynamicLora implements ProjectionDeltas {
    private final WorkerPool pool;
    private final ModelConfig config;
    /** Copy-on-write: requests register sets on their own threads while the scheduler thread reads them. */
    private final List<List<ScaledAdapter>> slots = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final LoraScratch scratch = new LoraScratch();
    private int[] rowsOfSlot = new int[64];

    public DynamicLora(WorkerPool pool, ModelConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /** The slot of an adapter set (registering it on first use); an empty set is slot -1, no adapter. */
    public synchronized int slot(List<ScaledAdapter> set) {
        if (set == null || set.isEmpty()) return -1;
        for (int i = 0; i < slots.size(); i++) if (slots.get(i).equals(set)) return i;
        for (ScaledAdapter a : set) a.adapter().validate(config);
        slots.add(List.copyOf(set));
        return slots.size() - 1;
    }

    /** Forgets every set that uses {@code adapter} (their slots stay reserved but apply nothing). */
    public synchronized void remove(LoraAdapter adapter) {
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i).stream().anyMatch(a -> a.adapter() == adapter)) slots.set(i, List.of());
        }
    }

    @Override
    public void apply(int layer, LoraTarget target, float[] in, float[] out, int rows, int[] adapters) {
        for (int first = 0; first < rows; first++) {
            int slot = adapters[first];
            if (slot < 0 || isEarlier(adapters, first, slot)) continue;
            int n = 0;
            if (rowsOfSlot.length < rows) rowsOfSlot = new int[rows];
            for (int r = first; r < rows; r++) if (adapters[r] == slot) rowsOfSlot[n++] = r;
            for (ScaledAdapter a : slots.get(slot)) {
                LoraPair pair = a.adapter().pair(layer, target);
                if (pair == null) continue;
                if (n == rows) LoraKernels.addDelta(pool, pair, a.scale(), in, out, rows, scratch);
                else LoraKernels.addDelta(pool, pair, a.scale(), in, out, rowsOfSlot, n, scratch);
            }
        }
    }

    private static boolean isEarlier(int[] adapters, int row, int slot) {
        for (int r = 0; r < row; r++) if (adapters[r] == slot) return true;
        return false;
    }
}
