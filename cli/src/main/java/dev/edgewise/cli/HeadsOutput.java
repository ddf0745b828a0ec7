package dev.edgewise.cli;

import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.heads.SwitcherHead;
import dev.edgewise.engine.heads.VerifierHead;
import dev.edgewise.engine.heads.train.Report;
import dev.edgewise.loader.ModelFormatException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What {@code train-heads} writes: the heads file (merged with what it held) and the report. */
final class HeadsOutput {
    private HeadsOutput() {}

    /**
     * Writes {@code out} with the new head and whatever other head the file already held (a switcher run keeps
     * the file's verifier and the other way round); the file is replaced atomically.
     */
    static void writeMerged(Path out, SwitcherHead s, VerifierHead v) throws IOException {
        if (Files.exists(out)) {
            Heads old = Heads.load(out);
            int dim = s != null ? s.dim() : v.dim();
            if (s == null) s = keep(out, "switcher", old.switcher().orElse(null), dim);
            if (v == null) v = keep(out, "verifier", old.verifier().orElse(null), dim);
        }
        Heads.write(out, s, v);
    }

    private static <H> H keep(Path out, String what, H head, int dim) {
        int headDim = head instanceof SwitcherHead sh ? sh.dim() : head instanceof VerifierHead vh ? vh.dim() : dim;
        if (headDim != dim) {
            throw new ModelFormatException(out + " holds a " + what + " of input width " + headDim + " (another model?), this model's width is "
                    + dim + ": pass another --out");
        }
        return head;
    }

    /** The report as a JSON-ready map. */
    static Map<String, Object> json(String head, Report r, Path out, Map<String, Object> extra) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("head", head);
        j.put("out", out.toString());
        j.put("train_examples", r.trainRows());
        j.put("held_out_examples", r.heldOutRows());
        j.put("auc", r.auc());
        j.put("accuracy", r.accuracy());
        j.put("threshold", r.threshold());
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("true_positives", r.confusion().truePositives());
        c.put("false_positives", r.confusion().falsePositives());
        c.put("true_negatives", r.confusion().trueNegatives());
        c.put("false_negatives", r.confusion().falseNegatives());
        j.put("confusion", c);
        j.put("epochs", r.epochs());
        j.put("best_epoch", r.bestEpoch());
        j.put("held_out_loss", r.heldOutLoss());
        j.putAll(extra);
        return j;
    }

    static void print(PrintWriter o, String head, String positive, String negative, Report r, Path out) {
        Metrics m = new Metrics(r);
        o.printf(Locale.ROOT, "%s head written to %s%n", head, out);
        o.printf(Locale.ROOT, "examples: %d train, %d held out; Adam steps %d (kept step %d, held-out loss %.4f)%n",
                r.trainRows(), r.heldOutRows(), r.epochs(), r.bestEpoch(), r.heldOutLoss());
        o.printf(Locale.ROOT, "held-out AUC %.4f, accuracy %.4f at threshold %.6f%n", r.auc(), r.accuracy(), r.threshold());
        o.printf(Locale.ROOT, "confusion (rows: true label, columns: decision)%n");
        o.printf(Locale.ROOT, "  %-10s %8s %8s%n", "", positive, negative);
        o.printf(Locale.ROOT, "  %-10s %8d %8d%n", positive, m.tp, m.fn);
        o.printf(Locale.ROOT, "  %-10s %8d %8d%n", negative, m.fp, m.tn);
    }

    private record Metrics(int tp, int fp, int tn, int fn) {
        Metrics(Report r) {
            this(r.confusion().truePositives(), r.confusion().falsePositives(), r.confusion().trueNegatives(), r.confusion().falseNegatives());
        }
    }
}
