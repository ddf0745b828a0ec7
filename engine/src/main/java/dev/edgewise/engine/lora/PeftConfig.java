package dev.edgewise.engine.lora;

import dev.edgewise.loader.ModelFormatException;
import dev.edgewise.loader.json.Json;
import dev.edgewise.loader.json.JsonParseException;

import java.util.List;
import java.util.Map;

/**
 * The fields of a PEFT {@code adapter_config.json} that decide how an adapter is applied. Anything
 * that would change the arithmetic beyond {@code W + s * B * A} with one scale is rejected rather
 * than silently ignored: a wrong answer is worse than a refusal.
 *
 * <ul>
 *   <li>{@code peft_type} must be LORA (if present); {@code use_dora} must be false.</li>
 *   <li>{@code r} a positive integer, {@code lora_alpha} a finite number (both required: PEFT always writes them).</li>
 *   <li>{@code use_rslora} true selects {@code s = alpha / sqrt(r)}.</li>
 *   <li>{@code fan_in_fan_out} true is for GPT-2 style Conv1D layers, which Qwen2 does not have: rejected.</li>
 *   <li>{@code bias} other than "none", {@code lora_bias} true, a non-empty {@code modules_to_save},
 *       {@code rank_pattern}, {@code alpha_pattern} or {@code target_parameters}: rejected.</li>
 *   <li>{@code target_modules}: a list whose entries must name the seven supported projections
 *       (e.g. "lm_head", "embed_tokens" are rejected); a string (a regex, or "all-linear") is accepted
 *       and the tensors decide.</li>
 * </ul>
 * <ul>
 *   <li>{@code alora_invocation_tokens} (PEFT 0.18+): a non-empty list of token ids makes the adapter an
 *       activated LoRA (see {@link AdapterActivation}); null or absent, a plain one.</li>
 * </ul>
 * Other fields (dropout, init, task type, layers_to_transform, ...) do not affect inference.
 *
 * @param invocationTokens the aLoRA invocation sequence, or null for a plain LoRA
 */
record PeftConfig(int r, float alpha, boolean rsLora, int[] invocationTokens) {

    static PeftConfig parse(String file, String text) {
        Object root;
        try {
            root = Json.parse(text);
        } catch (JsonParseException e) {
            throw new ModelFormatException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> j)) throw new ModelFormatException(file + ": not a JSON object");

        Object type = j.get("peft_type");
        if (type != null && !"LORA".equals(type)) {
            throw new ModelFormatException(file + ": peft_type is " + quote(type) + ", Edgewise supports only LORA");
        }
        if (isTrue(file, j, "use_dora")) throw new ModelFormatException(file + ": use_dora is true; DoRA adapters are not supported");
        if (isTrue(file, j, "fan_in_fan_out")) {
            throw new ModelFormatException(file + ": fan_in_fan_out is true (weights stored transposed, for Conv1D models "
                    + "such as GPT-2); Qwen2 adapters have it false");
        }
        if (isTrue(file, j, "lora_bias")) throw new ModelFormatException(file + ": lora_bias is true; LoRA biases are not supported");
        Object bias = j.get("bias");
        if (bias != null && !"none".equals(bias)) {
            throw new ModelFormatException(file + ": bias is " + quote(bias) + "; only \"none\" is supported (trained biases are not applied)");
        }
        requireEmpty(file, j, "modules_to_save", "fully fine-tuned modules are not supported");
        requireEmpty(file, j, "rank_pattern", "per-module ranks are not supported");
        requireEmpty(file, j, "alpha_pattern", "per-module alphas are not supported");
        requireEmpty(file, j, "target_parameters", "LoRA on bare parameters is not supported");

        Object targets = j.get("target_modules");
        if (targets instanceof List<?> list) {
            for (Object t : list) {
                if (!(t instanceof String s)) throw new ModelFormatException(file + ": target_modules entry " + quote(t) + " is not a string");
                String module = s.substring(s.lastIndexOf('.') + 1);
                if (LoraTarget.fromPeftName(module) == null) {
                    throw new ModelFormatException(file + ": target module \"" + s + "\" is not supported; Edgewise applies LoRA to "
                            + supportedModules() + " only");
                }
            }
        } else if (targets != null && !(targets instanceof String)) {
            throw new ModelFormatException(file + ": target_modules is " + quote(targets) + ", expected a list or a string");
        }

        Object r = j.get("r");
        if (!(r instanceof Long rank) || rank <= 0 || rank > Integer.MAX_VALUE) {
            throw new ModelFormatException(file + ": r is " + quote(r) + ", expected a positive integer");
        }
        Object a = j.get("lora_alpha");
        if (!(a instanceof Number alpha) || !Double.isFinite(alpha.doubleValue())) {
            throw new ModelFormatException(file + ": lora_alpha is " + quote(a) + ", expected a number");
        }
        return new PeftConfig(rank.intValue(), alpha.floatValue(), isTrue(file, j, "use_rslora"), invocationTokens(file, j));
    }

    private static int[] invocationTokens(String file, Map<?, ?> j) {
        Object v = j.get("alora_invocation_tokens");
        if (v == null) return null;
        if (!(v instanceof List<?> list) || list.isEmpty()) {
            throw new ModelFormatException(file + ": alora_invocation_tokens is " + quote(v) + ", expected a non-empty list of token ids");
        }
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!(list.get(i) instanceof Long id) || id < 0 || id > Integer.MAX_VALUE) {
                throw new ModelFormatException(file + ": alora_invocation_tokens[" + i + "] is " + quote(list.get(i))
                        + ", expected a token id (a non-negative integer)");
            }
            ids[i] = id.intValue();
        }
        return ids;
    }

    static String supportedModules() {
        StringBuilder sb = new StringBuilder();
        for (LoraTarget t : LoraTarget.values()) sb.append(sb.isEmpty() ? "" : ", ").append(t.peftModule());
        return sb.toString();
    }

    private static boolean isTrue(String file, Map<?, ?> j, String key) {
        Object v = j.get(key);
        if (v == null) return false;
        if (!(v instanceof Boolean b)) throw new ModelFormatException(file + ": " + key + " is " + quote(v) + ", expected true or false");
        return b;
    }

    private static void requireEmpty(String file, Map<?, ?> j, String key, String why) {
        Object v = j.get(key);
        boolean empty = v == null || (v instanceof List<?> l && l.isEmpty()) || (v instanceof Map<?, ?> m && m.isEmpty());
        if (!empty) throw new ModelFormatException(file + ": " + key + " is " + quote(v) + "; " + why);
    }

    private static String quote(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    }
}
