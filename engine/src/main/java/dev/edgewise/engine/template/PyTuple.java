package dev.edgewise.engine.template;

import java.util.AbstractList;
import java.util.List;

/** A Python tuple: a list in every respect but its repr, {@code (a, b)} ({@code dict.items()} pairs, tuple literals). */
final class PyTuple extends AbstractList<Object> {
    private final List<Object> items;

    PyTuple(List<Object> items) {
        this.items = items;
    }

    static PyTuple of(Object a, Object b) {
        return new PyTuple(java.util.Arrays.asList(a, b));
    }

    @Override
    public Object get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }
}
