package dev.edgewise.cli;

import dev.edgewise.engine.heads.VerifierHead;
import dev.edgewise.engine.vote.AnswerExtractor;
import dev.edgewise.engine.vote.AnswerNormalizer;
import dev.edgewise.engine.vote.Ballot;
import dev.edgewise.engine.vote.VoteMethod;
import dev.edgewise.engine.vote.Voter;
import dev.edgewise.loader.ModelFormatException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The verifier's training rows (one per branch) grouped by question, and what the held-out questions score with
 * a verifier-weighted vote, a majority vote and the greedy answer. A vote is right when its answer is the gold
 * one, or (labelled branches without gold) the answer of a branch labelled correct.
 */
final class VoteComparison {
    private final AnswerExtractor extractor;
    private final List<float[]> features = new ArrayList<>();
    private final List<Boolean> labels = new ArrayList<>();
    private final List<Integer> groupOf = new ArrayList<>();
    private final List<String> texts = new ArrayList<>();
    private final Map<String, Integer> groupIds = new LinkedHashMap<>();
    private final List<Set<String>> rightAnswers = new ArrayList<>();
    private final List<Boolean> greedy = new ArrayList<>();

    VoteComparison(AnswerExtractor extractor) {
        this.extractor = extractor;
    }

    /** Adds one data item's cached branches. */
    void add(TrainingData.Question q, Map<String, Object> item, String where) {
        Integer g = groupIds.get(q.question());
        if (g == null) {
            g = groupIds.size();
            groupIds.put(q.question(), g);
            rightAnswers.add(new HashSet<>());
            greedy.add(null);
        }
        if (q.answer() != null) rightAnswers.get(g).add(AnswerNormalizer.normalize(q.answer()));
        if (item.get("greedy_correct") instanceof Boolean b) greedy.set(g, b);
        if (!(item.get("branches") instanceof List<?> branches)) throw new ModelFormatException(where + ": no \"branches\"");
        for (Object o : branches) {
            if (!(o instanceof Map<?, ?> b) || !(b.get("correct") instanceof Boolean c) || !(b.get("text") instanceof String text)) {
                throw new ModelFormatException(where + ": a branch needs \"text\", \"correct\" and \"features\"");
            }
            features.add(FeatureCache.decode(b.get("features"), where));
            labels.add(c);
            groupOf.add(g);
            texts.add(text);
            if (c && b.get("answer") instanceof String a) rightAnswers.get(g).add(a);
        }
    }

    float[][] features() { return features.toArray(new float[0][]); }

    boolean[] labels() {
        boolean[] out = new boolean[labels.size()];
        for (int i = 0; i < out.length; i++) out[i] = labels.get(i);
        return out;
    }

    int[] groups() { return groupOf.stream().mapToInt(Integer::intValue).toArray(); }

    /** Accuracy over held-out questions; greedy is NaN when no held-out question had a greedy run. */
    record Accuracy(int questions, double weighted, double majority, double greedy) {}

    Accuracy heldOutAccuracy(VerifierHead head, int[] heldOutRows) {
        Map<Integer, List<Integer>> rowsByGroup = new TreeMap<>();
        for (int r : heldOutRows) rowsByGroup.computeIfAbsent(groupOf.get(r), k -> new ArrayList<>()).add(r);
        int weighted = 0, majority = 0, greedyRight = 0, greedyKnown = 0;
        for (Map.Entry<Integer, List<Integer>> e : rowsByGroup.entrySet()) {
            List<Ballot> scored = new ArrayList<>(), plain = new ArrayList<>();
            for (int k = 0; k < e.getValue().size(); k++) {
                int r = e.getValue().get(k);
                scored.add(new Ballot(k, texts.get(r), head.score(features.get(r), 0)));
                plain.add(new Ballot(k, texts.get(r)));
            }
            Set<String> right = rightAnswers.get(e.getKey());
            if (right.contains(new Voter(extractor, VoteMethod.WEIGHTED).vote(scored).answer().orElse(null))) weighted++;
            if (right.contains(new Voter(extractor, VoteMethod.MAJORITY).vote(plain).answer().orElse(null))) majority++;
            Boolean g = greedy.get(e.getKey());
            if (g != null) {
                greedyKnown++;
                if (g) greedyRight++;
            }
        }
        int n = rowsByGroup.size();
        return new Accuracy(n, weighted / (double) n, majority / (double) n, greedyKnown == 0 ? Double.NaN : greedyRight / (double) greedyKnown);
    }
}
