package dev.edgewise.spark;

import dev.edgewise.engine.Model;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.AdapterPrecision;
import dev.edgewise.engine.lora.AdapterSpec;
import dev.edgewise.engine.lora.LoraAdapter;
import dev.edgewise.engine.lora.ScaledAdapter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The models of this JVM (an executor, or the driver in local mode): each loaded once, on first use,
 * and shared by every task and job after it, with its adapters and heads. At most
 * {@code edgewise.spark.maxModels} (system property, default 2) stay loaded: beyond that the least
 * recently used idle model is closed. All are closed when the JVM exits.
 */
public final class ExecutorModels {
    private static final int MAX_MODELS = Integer.getInteger("edgewise.spark.maxModels", 2);
    private static final Map<ModelSpec, Entry> MODELS = new LinkedHashMap<>(8, 0.75f, true);
    private static final AtomicLong LOADS = new AtomicLong();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "edgewise-models-close"));
    }

    private ExecutorModels() {}

    /** Models loaded by this JVM since it started (each load of a file counts, reloads after eviction too). */
    public static long loads() {
        return LOADS.get();
    }

    /**
     * The model for {@code spec}, loaded now if this JVM has not loaded it yet; {@link Lease#close}
     * returns it. Concurrent tasks asking for the same model wait for one load.
     */
    static Lease acquire(ModelSpec spec) throws IOException {
        Entry e;
        synchronized (MODELS) {
            e = MODELS.computeIfAbsent(spec, Entry::new);
            e.users++;
        }
        try {
            e.ensureLoaded();
        } catch (IOException | RuntimeException | Error t) {
            release(e);
            throw t;
        }
        evictIdle();
        return new Lease(e);
    }

    private static void release(Entry e) {
        synchronized (MODELS) {
            e.users--;
            if (e.users == 0 && e.model == null) MODELS.remove(e.spec, e); // failed load: try afresh next time
        }
    }

    private static void evictIdle() {
        List<Entry> evicted = new ArrayList<>();
        synchronized (MODELS) {
            Iterator<Entry> it = MODELS.values().iterator();
            int excess = MODELS.size() - MAX_MODELS;
            while (excess > 0 && it.hasNext()) {
                Entry e = it.next();
                if (e.users == 0) {
                    it.remove();
                    evicted.add(e);
                    excess--;
                }
            }
        }
        for (Entry e : evicted) e.close();
    }

    private static void closeAll() {
        List<Entry> all;
        synchronized (MODELS) {
            all = new ArrayList<>(MODELS.values());
            MODELS.clear();
        }
        for (Entry e : all) e.close();
    }

    /** One model with the adapters and heads loaded into it so far. */
    private static final class Entry {
        final ModelSpec spec;
        int users; // guarded by MODELS
        private Model model;
        private final Map<String, LoraAdapter> adapters = new HashMap<>();
        private final Map<String, Heads> heads = new HashMap<>();

        Entry(ModelSpec spec) {
            this.spec = spec;
        }

        synchronized void ensureLoaded() throws IOException {
            if (model != null) return;
            JvmCheck.requireVectorModule();
            Path file = ModelFiles.resolve(spec.path());
            model = Model.load(file, spec.options());
            LOADS.incrementAndGet();
        }

        synchronized List<ScaledAdapter> adapters(List<String> specs) throws IOException {
            List<ScaledAdapter> set = new ArrayList<>(specs.size());
            for (String s : specs) {
                AdapterSpec a = AdapterSpec.parse(s);
                String key = a.path().toString();
                LoraAdapter loaded = adapters.get(key);
                if (loaded == null) {
                    loaded = model.loadAdapter(ModelFiles.resolve(key), AdapterPrecision.F16);
                    adapters.put(key, loaded);
                }
                set.add(new ScaledAdapter(loaded, a.scale()));
            }
            return set;
        }

        synchronized Heads heads(String path) throws IOException {
            Heads h = heads.get(path);
            if (h == null) {
                h = Heads.load(ModelFiles.resolve(path));
                h.validate(model.config().dim(), model.config().nLayers());
                heads.put(path, h);
            }
            return h;
        }

        synchronized void close() {
            if (model != null) model.close();
            model = null;
        }
    }

    /** A task's use of a model; closing it lets the model be evicted (it stays loaded until then). */
    static final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        Model model() {
            return entry.model;
        }

        /** The adapters named {@code PATH[:SCALE]}, loaded into this model once and kept resident. */
        List<ScaledAdapter> adapters(List<String> specs) {
            try {
                return entry.adapters(specs);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Switcher/verifier heads from a file, loaded once per model; null for a null path. */
        Heads heads(String path) {
            if (path == null) return null;
            try {
                return entry.heads(path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(entry);
            }
        }
    }
}
