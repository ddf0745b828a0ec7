package dev.edgewise.engine.kv;

/** The KV block pool has no free block left for a sequence that needs one. Nothing was changed. */
public class KvCacheFullException extends RuntimeException {
    public KvCacheFullException(String message) {
        super(message);
    }
}
