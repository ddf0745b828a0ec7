package dev.edgewise.cli;

import dev.edgewise.engine.Model;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.AdapterSpec;
import dev.edgewise.engine.lora.FusedPrecision;
import dev.edgewise.engine.lora.ScaledAdapter;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** LoRA adapter flags: {@code --lora PATH[:SCALE]} (repeatable, adapters add up) and how they are applied. */
final class LoraOptionsMixin {
    @Option(names = "--lora", paramLabel = "[NAME=]PATH[:SCALE]",
            description = "LoRA adapter: a PEFT directory or a llama.cpp adapter .gguf, with an optional scale (default 1) and a name "
                    + "(chat's /lora NAME; default: the file name); repeatable")
    List<String> lora = new ArrayList<>();

    @Option(names = "--lora-mode", paramLabel = "MODE", defaultValue = "dynamic",
            description = "dynamic: applied on the fly (can be switched per request); fused: added into the weights at load (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--lora-precision", paramLabel = "TYPE",
            description = "dynamic adapters held as f32, f16 or q8_0 (default: f16; logits: f32)")
    String precision;

    @Option(names = "--lora-fused-type", paramLabel = "TYPE", defaultValue = "same",
            description = "fused matrices stored as: same (requantized to the base type), f16 or f32 (default: ${DEFAULT-VALUE})")
    String fusedType;

    /** The adapters' names, in the order they were given ({@link #apply} returns them in that order). */
    List<String> names() {
        List<String> names = new ArrayList<>();
        for (String arg : lora) {
            String n = AdapterSpec.parse(arg).name();
            if (names.contains(n)) throw new UsageException("--lora: two adapters named '" + n + "'; name them with NAME=PATH");
            names.add(n);
        }
        return names;
    }

    /**
     * Loads the adapters into {@code model}: fused into its weights, or resident for dynamic use.
     * Returns the adapters a request must name (empty when fused or none given).
     */
    List<ScaledAdapter> apply(Model model, AdapterPrecision defaultPrecision) throws IOException {
        if (lora.isEmpty()) return List.of();
        boolean fused = switch (mode.toLowerCase(Locale.ROOT)) {
            case "dynamic" -> false;
            case "fused" -> true;
            default -> throw new UsageException("--lora-mode must be dynamic or fused, got '" + mode + "'");
        };
        AdapterPrecision p = fused ? AdapterPrecision.F32 : precision == null ? defaultPrecision : parsePrecision(precision);
        List<ScaledAdapter> set = new ArrayList<>();
        for (String arg : lora) {
            AdapterSpec spec = AdapterSpec.parse(arg);
            set.add(new ScaledAdapter(model.loadAdapter(spec.path(), p), spec.scale()));
        }
        if (!fused) return set;
        model.fuseAdapters(set, switch (fusedType.toLowerCase(Locale.ROOT)) {
            case "same" -> FusedPrecision.SAME_TYPE;
            case "f16" -> FusedPrecision.F16;
            case "f32" -> FusedPrecision.F32;
            default -> throw new UsageException("--lora-fused-type must be same, f16 or f32, got '" + fusedType + "'");
        });
        for (ScaledAdapter a : set) model.unloadAdapter(a.adapter()); // in the weights now
        return List.of();
    }

    private static AdapterPrecision parsePrecision(String s) {
        try {
            return AdapterPrecision.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--lora-precision must be f32, f16 or q8_0, got '" + s + "'");
        }
    }
}
