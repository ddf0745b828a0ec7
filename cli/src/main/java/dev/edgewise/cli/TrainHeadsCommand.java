package dev.edgewise.cli;

import dev.edgewise.engine.heads.train.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code edgewise train-heads}: trains the switcher or the verifier head on the user's own model, adapter and
 * data, with features read on the real inference path ({@code ReasoningRequest.captureFeatures}).
 */
@Command(name = "train-heads", mixinStandardHelpOptions = true,
        description = "Train the switcher or verifier head for your model and adapter (writes/merges a heads file).",
        subcommands = {TrainSwitcherCommand.class, TrainVerifierCommand.class})
final class TrainHeadsCommand {

    /** Options both heads share. */
    static final class Common {
        @Option(names = "--data", paramLabel = "FILE", required = true, description = "JSONL training data")
        Path data;

        @Option(names = "--out", paramLabel = "HEADS", required = true, description = "heads file to write; a head it already holds of the other kind is kept")
        Path out;

        @Option(names = "--cache", paramLabel = "FILE", description = "feature cache (JSONL, resumable; default: OUT.<head>-features.jsonl)")
        Path cache;

        @Option(names = "--holdout", paramLabel = "F", defaultValue = "0.25", description = "share of examples (questions) held out (default: ${DEFAULT-VALUE})")
        double holdout;

        @Option(names = "--learning-rate", paramLabel = "LR", defaultValue = "0.01", description = "Adam step size (default: ${DEFAULT-VALUE})")
        double learningRate;

        @Option(names = "--epochs", paramLabel = "N", defaultValue = "2000", description = "maximum full-batch steps (default: ${DEFAULT-VALUE})")
        int epochs;

        @Option(names = "--patience", paramLabel = "N", defaultValue = "100", description = "early stopping: steps without a better held-out loss (default: ${DEFAULT-VALUE})")
        int patience;

        @Option(names = "--l2", paramLabel = "X", defaultValue = "0.001", description = "weight decay (default: ${DEFAULT-VALUE})")
        double l2;

        @Option(names = "--json", description = "print the report as one JSON document")
        boolean json;

        Path cacheFile(String head) {
            return cache != null ? cache : out.resolveSibling(out.getFileName() + "." + head + "-features.jsonl");
        }

        TrainingOptions options(long seed, double targetRecall) {
            try {
                return new TrainingOptions(seed, learningRate, epochs, patience, l2, targetRecall);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
    }
}
