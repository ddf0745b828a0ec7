package dev.edgewise.engine.heads.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A seeded held-out split by group (a question and all its branches stay on one side, so the held-out
 * vote is over questions never seen in training).
 *
 * @param train   row indices to train on, ascending
 * @param holdout row indices held out, ascending
 */
public record Split(int[] train, int[] holdout) {

    /**
     * Holds out about {@code fraction} of the groups, chosen by a seeded shuffle.
     *
     * @param groupOf the group of each row (rows of one group need not be adjacent)
     * @throws IllegalArgumentException if either side would be empty
     */
    public static Split byGroup(int[] groupOf, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) throw new IllegalArgumentException("held-out fraction " + fraction + " is not in (0, 1)");
        Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
        for (int r = 0; r < groupOf.length; r++) groups.computeIfAbsent(groupOf[r], g -> new ArrayList<>()).add(r);
        List<Integer> keys = new ArrayList<>(groups.keySet());
        if (keys.size() < 2) throw new IllegalArgumentException("need at least 2 questions to hold some out, got " + keys.size());
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = keys.size() - 1; i > 0; i--) { // Fisher-Yates
            int j = rnd.nextInt(i + 1);
            Integer t = keys.get(i);
            keys.set(i, keys.get(j));
            keys.set(j, t);
        }
        int held = (int) Math.max(1, Math.min(keys.size() - 1, Math.round(fraction * keys.size())));
        boolean[] out = new boolean[groupOf.length];
        for (int k = 0; k < held; k++) for (int r : groups.get(keys.get(k))) out[r] = true;
        int nHeld = 0;
        for (boolean b : out) if (b) nHeld++;
        int[] train = new int[groupOf.length - nHeld], holdout = new int[nHeld];
        for (int r = 0, a = 0, b = 0; r < groupOf.length; r++) {
            if (out[r]) holdout[b++] = r;
            else train[a++] = r;
        }
        return new Split(train, holdout);
    }

    /** One group per row. */
    public static Split byRow(int rows, double fraction, long seed) {
        int[] g = new int[rows];
        for (int i = 0; i < rows; i++) g[i] = i;
        return byGroup(g, fraction, seed);
    }
}
