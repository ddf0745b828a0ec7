package dev.edgewise.cli;

import dev.edgewise.engine.SamplingParams;
import picocli.CommandLine.Option;

import java.util.concurrent.ThreadLocalRandom;

/** Sampling flags, with llama.cpp's defaults. */
final class SamplingOptionsMixin {
    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8", description = "0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "X", defaultValue = "1.0", description = "1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", defaultValue = "64", description = "tokens the penalty looks back (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = {"-s", "--seed"}, paramLabel = "N", description = "random seed (default: random, printed)")
    Long seed;

    long resolvedSeed() {
        if (seed == null) seed = ThreadLocalRandom.current().nextLong(1L << 31);
        return seed;
    }

    SamplingParams params() {
        try {
            return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, resolvedSeed());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
