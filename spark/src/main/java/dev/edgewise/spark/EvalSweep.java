package dev.edgewise.spark;

import dev.edgewise.engine.eval.EvalMetrics;
import dev.edgewise.engine.eval.EvalScore;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of {@link EdgewiseEval#evaluate}: the figures of every sweep point, and the result
 * rows they were aggregated from.
 *
 * @param points  one per (branches, budget), in sweep order (branches outer, budgets inner)
 * @param results one row per question and sweep point (already computed: using it runs no job)
 */
public record EvalSweep(List<Point> points, Dataset<Row> results) {

    /** One sweep point and its aggregate figures. */
    public record Point(int branches, int budget, EvalMetrics metrics) {}

    public EvalSweep {
        points = List.copyOf(points);
    }

    /** The figures of one point. */
    public EvalMetrics metrics(int branches, int budget) {
        for (Point p : points) if (p.branches() == branches && p.budget() == budget) return p.metrics();
        throw new IllegalArgumentException("no sweep point with " + branches + " branches and budget " + budget);
    }

    static EvalSweep of(int[] branchPoints, int[] budgetPoints, List<Row> rows, StructType schema, SparkSession spark) {
        Map<List<Integer>, List<EvalScore>> byPoint = new LinkedHashMap<>();
        for (int b : branchPoints) for (int budget : budgetPoints) byPoint.put(List.of(b, budget), new ArrayList<>());
        for (Row r : rows) {
            List<EvalScore> scores = byPoint.get(List.of(r.<Integer>getAs("sweep_branches"), r.<Integer>getAs("sweep_budget")));
            scores.add(new EvalScore(r.getAs("predicted"), r.getAs("correct"), r.getAs("reasoned"), r.getAs("switch_probability"),
                    r.getAs("branches"), r.getAs("thinking_tokens"), r.getAs("answer_tokens"), r.getAs("forced_branches"),
                    r.getAs("ttft_ms"), r.getAs("latency_ms")));
        }
        List<Point> points = new ArrayList<>();
        for (var e : byPoint.entrySet()) {
            if (!e.getValue().isEmpty()) points.add(new Point(e.getKey().get(0), e.getKey().get(1), EvalMetrics.of(e.getValue())));
        }
        return new EvalSweep(points, spark.createDataFrame(rows, schema));
    }
}
