package dev.edgewise.server;

import dev.edgewise.engine.Model;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.LoraAdapter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model a server serves, with its resident adapters (chosen per request by name) and the
 * reasoning pipeline's heads.
 *
 * @param model    the loaded model
 * @param id       its name in /v1/models and responses
 * @param adapters resident adapters by name
 * @param heads    switcher/verifier heads, or null
 * @param created  load time, seconds since the epoch
 */
public record ServedModel(Model model, String id, Map<String, LoraAdapter> adapters, Heads heads, long created) implements AutoCloseable {

    /** Loads the model, each {@code --lora} adapter (F16, resident) and the heads; closes what it opened on failure. */
    public static ServedModel load(ServerOptions options) throws IOException {
        Model model = Model.load(options.modelPath(), options.modelOptions());
        try {
            Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
            for (Map.Entry<String, Path> e : options.loras().entrySet()) {
                adapters.put(e.getKey(), model.loadAdapter(e.getValue(), AdapterPrecision.F16));
            }
            Heads heads = options.headsPath() == null ? null : Heads.load(options.headsPath());
            if (heads != null) heads.validate(model.config().dim(), model.config().nLayers());
            return new ServedModel(model, options.modelName(), Map.copyOf(adapters), heads, System.currentTimeMillis() / 1000);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @Override
    public void close() {
        model.close(); // closes the resident adapters too
    }
}
