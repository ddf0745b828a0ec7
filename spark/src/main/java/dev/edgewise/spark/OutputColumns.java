package dev.edgewise.spark;

import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.vote.VoteResult;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The columns {@link EdgewiseGenerator} appends, each optional (an empty name leaves it out): the
 * text, its token ids and finish reason (the first branch's, or the winning branch's when the
 * reasoning pipeline voted), the voted answer, every branch, and the timings.
 */
final class OutputColumns implements Serializable {
    static final StructType BRANCH = new StructType()
            .add("text", DataTypes.StringType)
            .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false))
            .add("finish_reason", DataTypes.StringType);
    /** Times in milliseconds; tokens over all branches. */
    static final StructType TIMINGS = new StructType()
            .add("prompt_tokens", DataTypes.IntegerType)
            .add("generated_tokens", DataTypes.IntegerType)
            .add("thinking_tokens", DataTypes.IntegerType)
            .add("forced_branches", DataTypes.IntegerType)
            .add("reasoned", DataTypes.BooleanType)
            .add("prompt_ms", DataTypes.DoubleType)
            .add("ttft_ms", DataTypes.DoubleType)
            .add("decode_ms", DataTypes.DoubleType)
            .add("total_ms", DataTypes.DoubleType);

    private enum Kind { TEXT, TOKENS, FINISH_REASON, ANSWER, BRANCHES, TIMINGS }

    private final List<Kind> kinds = new ArrayList<>();
    private final List<StructField> fields = new ArrayList<>();

    OutputColumns(String text, String tokens, String finishReason, String answer, String branches, String timings) {
        add(Kind.TEXT, text, DataTypes.StringType);
        add(Kind.TOKENS, tokens, DataTypes.createArrayType(DataTypes.IntegerType, false));
        add(Kind.FINISH_REASON, finishReason, DataTypes.StringType);
        add(Kind.ANSWER, answer, DataTypes.StringType);
        add(Kind.BRANCHES, branches, DataTypes.createArrayType(BRANCH, false));
        add(Kind.TIMINGS, timings, TIMINGS);
    }

    private void add(Kind kind, String name, DataType type) {
        if (name == null || name.isEmpty()) return;
        for (StructField f : fields) if (f.name().equals(name)) throw new IllegalArgumentException("output column '" + name + "' is named twice");
        kinds.add(kind);
        fields.add(DataTypes.createStructField(name, type, kind == Kind.ANSWER));
    }

    /** {@code input} with the output columns appended. */
    StructType appendTo(StructType input) {
        StructType out = input;
        for (StructField f : fields) {
            for (String existing : input.fieldNames()) {
                if (existing.equals(f.name())) throw new IllegalArgumentException("output column '" + f.name() + "' already exists in the input");
            }
            out = out.add(f);
        }
        return out;
    }

    /** Output values of a plain generation, voted over its branches. */
    Object[] values(GenerationResult r, VoteResult vote) {
        var t = r.timings();
        int thinking = 0, forced = 0;
        for (BranchResult b : r.branches()) {
            thinking += b.thinkingTokens();
            if (b.forcedAt() >= 0) forced++;
        }
        Row timings = RowFactory.create(t.promptTokens(), t.generatedTokens(), thinking, forced, false, t.promptNanos() / 1e6,
                t.firstTokenNanos() / 1e6, t.decodeNanos() / 1e6, (t.firstTokenNanos() + t.decodeNanos()) / 1e6);
        return values(r.branches().getFirst(), vote, r.branches(), timings);
    }

    /** Output values of a reasoning-pipeline run: the text is the winning branch's. */
    Object[] values(ReasoningResult r) {
        var t = r.timings();
        Row timings = RowFactory.create(t.promptTokens(), t.responseTokens(), t.thinkingTokens(), t.forcedBranches(), r.reasoned(),
                t.prefillNanos() / 1e6, t.timeToFirstTokenNanos() / 1e6, t.decodeNanos() / 1e6, t.totalNanos() / 1e6);
        BranchResult shown = r.branches().get(Math.max(0, r.vote().winningBranch()));
        return values(shown, r.vote(), r.branches(), timings);
    }

    private Object[] values(BranchResult shown, VoteResult vote, List<BranchResult> branches, Row timings) {
        Object[] v = new Object[kinds.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (kinds.get(i)) {
                case TEXT -> shown.text();
                case TOKENS -> boxed(shown.tokens());
                case FINISH_REASON -> reason(shown);
                case ANSWER -> vote.display().orElse(null);
                case BRANCHES -> seq(branches.stream().map(b -> RowFactory.create(b.text(), boxed(b.tokens()), reason(b))).toList());
                case TIMINGS -> timings;
            };
        }
        return v;
    }

    private static String reason(BranchResult b) {
        return b.finishReason().name().toLowerCase(Locale.ROOT);
    }

    /** Token ids as the external type of {@code array<int>} (a Scala sequence). */
    private static Seq<Integer> boxed(int[] tokens) {
        List<Integer> l = new ArrayList<>(tokens.length);
        for (int t : tokens) l.add(t);
        return seq(l);
    }

    private static <E> Seq<E> seq(List<E> list) {
        return CollectionConverters.asScala(list).toSeq();
    }
}
