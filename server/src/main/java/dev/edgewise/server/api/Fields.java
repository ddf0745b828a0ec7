package dev.edgewise.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of a request's fields. A field that is absent or JSON null reads as null (the
 * default applies); a field of the wrong type or out of range is a 400 naming it.
 */
final class Fields {
    private final ObjectNode node;
    private final String prefix;

    Fields(ObjectNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
    }

    Fields(ObjectNode node) {
        this(node, "");
    }

    String name(String field) {
        return prefix + field;
    }

    JsonNode raw(String field) {
        JsonNode n = node.get(field);
        return n == null || n.isNull() ? null : n;
    }

    boolean has(String field) {
        return raw(field) != null;
    }

    String string(String field) {
        JsonNode n = raw(field);
        if (n == null) return null;
        if (!n.isTextual()) throw wrongType(field, "a string", n);
        return n.textValue();
    }

    Boolean bool(String field) {
        JsonNode n = raw(field);
        if (n == null) return null;
        if (!n.isBoolean()) throw wrongType(field, "a boolean", n);
        return n.booleanValue();
    }

    /** An integer in [min, max]. */
    Integer integer(String field, long min, long max) {
        JsonNode n = raw(field);
        if (n == null) return null;
        if (!n.isNumber()) throw wrongType(field, "an integer", n);
        BigDecimal v = n.decimalValue();
        if (v.signum() != 0 && v.stripTrailingZeros().scale() > 0) throw ApiException.invalid(name(field), "'" + name(field) + "' must be an integer, got " + n);
        if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw ApiException.invalid(name(field), "'" + name(field) + "' must be between " + min + " and " + max + ", got " + n);
        }
        return v.intValueExact();
    }

    /** A long integer (seeds): any value that fits 64 bits. */
    Long longInteger(String field) {
        JsonNode n = raw(field);
        if (n == null) return null;
        if (!n.isNumber()) throw wrongType(field, "an integer", n);
        BigDecimal v = n.decimalValue();
        try {
            return v.longValueExact();
        } catch (ArithmeticException e) {
            throw ApiException.invalid(name(field), "'" + name(field) + "' must be a 64-bit integer, got " + n);
        }
    }

    /** A finite number in [min, max]. */
    Double number(String field, double min, double max) {
        JsonNode n = raw(field);
        if (n == null) return null;
        if (!n.isNumber()) throw wrongType(field, "a number", n);
        BigDecimal v = n.decimalValue();
        if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw ApiException.invalid(name(field), "'" + name(field) + "' must be between " + min + " and " + max + ", got " + n);
        }
        return v.doubleValue();
    }

    ObjectNode object(String field) {
        JsonNode n = raw(field);
        if (n == null) return null;
        if (!(n instanceof ObjectNode o)) throw wrongType(field, "an object", n);
        return o;
    }

    /** A string, or an array of at most {@code maxItems} strings (as {@code stop} is given). */
    List<String> stringOrList(String field, int maxItems) {
        JsonNode n = raw(field);
        if (n == null) return List.of();
        if (n.isTextual()) return List.of(n.textValue());
        if (!n.isArray()) throw wrongType(field, "a string or an array of strings", n);
        if (n.size() > maxItems) throw ApiException.invalid(name(field), "'" + name(field) + "' has " + n.size() + " items, at most " + maxItems + " are allowed");
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            JsonNode item = n.get(i);
            if (!item.isTextual()) throw ApiException.invalid(name(field), "'" + name(field) + "[" + i + "]' must be a string, got " + JsonBody.kind(item));
            out.add(item.textValue());
        }
        return out;
    }

    ApiException wrongType(String field, String expected, JsonNode got) {
        return ApiException.invalid(name(field), "'" + name(field) + "' must be " + expected + ", got " + JsonBody.kind(got));
    }
}
