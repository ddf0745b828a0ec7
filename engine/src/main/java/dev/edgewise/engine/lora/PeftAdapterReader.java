package dev.edgewise.engine.lora;

import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.loader.SafeTensor;
import dev.edgewise.loader.SafeTensorsFile;
import dev.edgewise.quant.GGMLType;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the tensors of a Hugging Face PEFT LoRA ({@code adapter_model.safetensors}). Names look like
 * {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight} (A {@code [r, in]}) and
 * {@code ....lora_B.weight} (B {@code [out, r]}); the {@code base_model.model.} and {@code model.}
 * prefixes are optional, as is an adapter name before {@code .weight} ({@code lora_A.default.weight},
 * as in-memory PEFT state dicts spell it). dtypes F32, F16 and BF16 are read.
 */
final class PeftAdapterReader {
    private PeftAdapterReader() {}

    private static final Pattern NAME = Pattern.compile(
            "(?:base_model\\.model\\.)?(?:model\\.)?layers\\.(\\d{1,9})\\.([a-z_]+\\.[a-z_]+)\\.lora_([AB])(?:\\.[A-Za-z0-9_-]+)?\\.weight");

    static SourceAdapter read(String name, Path configFile, PeftConfig config, SafeTensorsFile st) {
        String file = st.path().toString();
        PairCollector pairs = new PairCollector(file);
        for (SafeTensor t : st.tensors()) {
            Matcher m = NAME.matcher(t.name());
            if (!m.matches()) throw unexpected(file, t.name());
            LoraTarget target = LoraTarget.fromPeftName(m.group(2));
            if (target == null || !target.peftName().equals(m.group(2))) {
                throw new ModelFormatException(file + ": tensor '" + t.name() + "' adapts '" + m.group(2)
                        + "', which Edgewise cannot adapt; LoRA is supported on " + PeftConfig.supportedModules());
            }
            pairs.add(Integer.parseInt(m.group(1)), target, m.group(3).equals("A"), tensor(st, t, file));
        }
        return new SourceAdapter(name, configFile.toAbsolutePath().getParent(), st.path(), "peft", null, config.alpha(), config.rsLora(), false,
                config.invocationTokens(), pairs.pairs(config.r()));
    }

    private static ModelFormatException unexpected(String file, String name) {
        if (name.contains("lora_magnitude_vector")) {
            return new ModelFormatException(file + ": tensor '" + name + "' is a DoRA magnitude; DoRA is not supported");
        }
        if (name.contains("lora_")) {
            return new ModelFormatException(file + ": tensor '" + name + "' is a LoRA factor of a module Edgewise cannot adapt; "
                    + "LoRA is supported on " + PeftConfig.supportedModules() + " of model.layers.N (not embed_tokens or lm_head)");
        }
        return new ModelFormatException(file + ": unexpected tensor '" + name + "' in a LoRA adapter "
                + "(expected ...layers.N.<module>.lora_A.weight / lora_B.weight; fully saved modules and biases are not supported)");
    }

    private static SourceTensor tensor(SafeTensorsFile st, SafeTensor t, String file) {
        GGMLType type = switch (t.dtype()) {
            case "F32" -> GGMLType.F32;
            case "F16" -> GGMLType.F16;
            case "BF16" -> GGMLType.BF16;
            default -> throw new ModelFormatException(file + ": tensor '" + t.name() + "' has dtype " + t.dtype()
                    + "; LoRA factors must be F32, F16 or BF16");
        };
        long[] shape = t.shape();
        if (shape.length != 2 || shape[0] <= 0 || shape[1] <= 0 || shape[0] > Integer.MAX_VALUE || shape[1] > Integer.MAX_VALUE) {
            throw new ModelFormatException(file + ": tensor '" + t.name() + "' has shape " + Arrays.toString(shape)
                    + ", expected a non-empty 2-D matrix");
        }
        return new SourceTensor(t.name(), type, (int) shape[0], (int) shape[1], st.data(t), false);
    }
}
