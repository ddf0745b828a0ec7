package dev.edgewise.engine.template;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables of one frame: the globals, the render's variables, a loop iteration, a macro call. A lookup
 * walks outwards; {@code set} always binds in the innermost frame, so a {@code set} inside a loop body is
 * gone after the iteration, as in Jinja.
 */
final class Scope {
    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Map<String, Object> v = s.vars;
            if (v.containsKey(name)) return v.get(name);
        }
        return Undefined.name(name);
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
