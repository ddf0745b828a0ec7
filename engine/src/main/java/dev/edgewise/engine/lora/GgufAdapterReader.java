package dev.edgewise.engine.lora;

import dev.edgewise.loader.GGUFFile;
import dev.edgewise.loader.GGUFTensor;
import dev.edgewise.loader.GGUFValue;
import dev.edgewise.loader.GGUFValueType;
import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.quant.Dequantize;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a llama.cpp LoRA adapter (what {@code convert_lora_to_gguf.py} writes): {@code general.type =
 * adapter}, {@code adapter.type = lora}, optional {@code adapter.lora.alpha} (default 0, which means
 * "no alpha/r scaling"), and per target the tensors {@code blk.N.<target>.weight.lora_a} with ggml
 * {@code ne [in, r]} and {@code .lora_b} with {@code ne [r, out]}: row-major A {@code [r][in]} and
 * B {@code [out][r]}, exactly the layouts {@link LoraPair} holds.
 *
 * <p>GGUF adapters carry no rsLoRA flag and llama.cpp always scales by {@code alpha / r}:
 * {@code convert_lora_to_gguf.py} copies {@code lora_alpha} and ignores {@code use_rslora}. So
 * {@code rsLora()} is false for them and an rsLoRA adapter converted to GGUF is scaled as llama.cpp
 * scales it, not as PEFT would; load the PEFT form to get PEFT's scale. Extra tensors that
 * mergekit-extract-lora adds (norm weights, token_embd factors) are rejected.
 *
 * <p>{@code adapter.alora.invocation_tokens} (what {@code convert_lora_to_gguf.py} writes from a PEFT
 * {@code alora_invocation_tokens}) makes the adapter an activated LoRA ({@link AdapterActivation}).
 */
final class GgufAdapterReader {
    private GgufAdapterReader() {}

    private static final Pattern NAME = Pattern.compile("blk\\.(\\d{1,9})\\.([a-z0-9_]+)\\.weight\\.lora_([ab])");
    private static final Pattern ANY_LORA = Pattern.compile(".*\\.lora_[ab]");

    static SourceAdapter read(GGUFFile gguf) {
        String file = gguf.path().toString();
        String type = gguf.getString("general.type", null);
        if (!"adapter".equals(type)) {
            throw new ModelFormatException(file + ": general.type is " + (type == null ? "missing" : "'" + type + "'")
                    + ", expected 'adapter' (is this a model rather than a LoRA adapter?)");
        }
        String adapterType = gguf.getString("adapter.type", null);
        if (!"lora".equals(adapterType)) {
            throw new ModelFormatException(file + ": adapter.type is " + (adapterType == null ? "missing" : "'" + adapterType + "'")
                    + ", expected 'lora' (control vectors and other adapters are not LoRA)");
        }
        String arch = gguf.getString("general.architecture", null);
        if (arch == null) throw new ModelFormatException(file + ": metadata key 'general.architecture' is missing");
        float alpha = gguf.getFloat("adapter.lora.alpha", 0f);
        if (!Float.isFinite(alpha)) throw new ModelFormatException(file + ": adapter.lora.alpha is " + alpha);

        PairCollector pairs = new PairCollector(file);
        for (GGUFTensor t : gguf.tensors()) {
            Matcher m = NAME.matcher(t.name());
            if (!m.matches()) {
                if (ANY_LORA.matcher(t.name()).matches()) {
                    throw new ModelFormatException(file + ": tensor '" + t.name() + "' adapts a matrix Edgewise cannot adapt; "
                            + "LoRA is supported on " + supportedTargets() + " (not on token_embd or output)");
                }
                throw new ModelFormatException(file + ": unexpected tensor '" + t.name() + "' in a LoRA adapter "
                        + "(expected blk.N.<target>.weight.lora_a / .lora_b)");
            }
            LoraTarget target = LoraTarget.fromGgufName(m.group(2));
            if (target == null) {
                throw new ModelFormatException(file + ": tensor '" + t.name() + "' adapts '" + m.group(2)
                        + "', which Edgewise cannot adapt; LoRA is supported on " + supportedTargets());
            }
            pairs.add(Integer.parseInt(m.group(1)), target, m.group(3).equals("a"), tensor(gguf, t, file));
        }
        String name = gguf.getString("general.name", stem(gguf.path().getFileName().toString()));
        return new SourceAdapter(name, gguf.path(), gguf.path(), "gguf", arch, alpha, false, true, invocationTokens(gguf, file),
                pairs.pairs(0));
    }

    /**
     * {@code adapter.alora.invocation_tokens}, or null without the key. llama.cpp writes (and its
     * loader accepts only) an array of UINT32; an array of INT32 is accepted too, because gguf-py's
     * {@code add_array} types Python ints as INT32 unless told otherwise, so hand-made files carry
     * it, and the ids are the same numbers. Negative ids and an empty array are refused.
     */
    static int[] invocationTokens(GGUFFile gguf, String file) {
        String key = "adapter.alora.invocation_tokens";
        if (!gguf.has(key)) return null;
        GGUFValue v = gguf.metadata().get(key);
        if (v.type() != GGUFValueType.ARRAY || (v.elementType() != GGUFValueType.UINT32 && v.elementType() != GGUFValueType.INT32)) {
            String actual = v.type() == GGUFValueType.ARRAY ? "an array of " + v.elementType() : v.type().toString();
            throw new ModelFormatException(file + ": " + key + " is " + actual + ", expected an array of UINT32 token ids");
        }
        int[] ids = gguf.getIntArray(key);
        if (ids.length == 0) throw new ModelFormatException(file + ": " + key + " is empty; an activated LoRA needs its invocation sequence");
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0) throw new ModelFormatException(file + ": " + key + "[" + i + "] = " + ids[i] + " is not a token id");
        }
        return ids;
    }

    private static SourceTensor tensor(GGUFFile gguf, GGUFTensor t, String file) {
        long[] ne = t.ne();
        if (ne.length != 2) {
            throw new ModelFormatException(file + ": tensor '" + t.name() + "' has ne " + Arrays.toString(ne)
                    + ", expected 2 dimensions");
        }
        if (!t.type().supported() || !Dequantize.canDequantize(t.type())) {
            throw new ModelFormatException(file + ": tensor '" + t.name() + "' has type " + t.type() + ", which Edgewise cannot read");
        }
        if (ne[0] <= 0 || ne[1] <= 0 || ne[0] > Integer.MAX_VALUE || ne[1] > Integer.MAX_VALUE) {
            throw new ModelFormatException(file + ": tensor '" + t.name() + "' has impossible ne " + Arrays.toString(ne));
        }
        return new SourceTensor(t.name(), t.type(), (int) ne[1], (int) ne[0], gguf.data(t), true);
    }

    static String supportedTargets() {
        StringBuilder sb = new StringBuilder();
        for (LoraTarget t : LoraTarget.values()) sb.append(sb.isEmpty() ? "" : ", ").append(t.ggufName());
        return sb.toString();
    }

    static String stem(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }
}
