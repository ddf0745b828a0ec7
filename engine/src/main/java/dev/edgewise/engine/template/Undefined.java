package dev.edgewise.engine.template;

/**
 * Jinja's default (lenient) undefined value: a missing variable, key, attribute or out-of-range item. It
 * prints as "", is falsy, iterates as empty and has length 0; taking an attribute or item of it, calling it
 * or doing arithmetic with it is an error that carries {@link #message()}.
 */
record Undefined(String message) {
    static Undefined name(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined attribute(Object owner, Object name) {
        return new Undefined(name instanceof String s
                ? "'" + Py.typeName(owner) + " object' has no attribute '" + s + "'"
                : "'" + Py.typeName(owner) + " object' has no element " + Py.repr(name));
    }

    TemplateError error() {
        return new TemplateError(message);
    }
}
