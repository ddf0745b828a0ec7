package dev.edgewise.spark;

import dev.edgewise.engine.tokenizer.ChatTemplate.Message;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The input column of a job: prompt text ({@code string}) or chat messages
 * ({@code array<struct<role: string, content: string>>}).
 */
final class PromptColumn implements Serializable {
    private final String name;
    private final int index;
    private final boolean messages;

    private PromptColumn(String name, int index, boolean messages) {
        this.name = name;
        this.index = index;
        this.messages = messages;
    }

    /** @throws IllegalArgumentException naming the column when it is missing or of another type */
    static PromptColumn of(StructType schema, String name) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("inputCol is not set");
        int index = indexOf(schema, name);
        DataType type = schema.fields()[index].dataType();
        if (type.equals(DataTypes.StringType)) return new PromptColumn(name, index, false);
        if (type instanceof ArrayType a && a.elementType() instanceof StructType s && hasString(s, "role") && hasString(s, "content")) {
            return new PromptColumn(name, index, true);
        }
        throw new IllegalArgumentException("input column '" + name + "' is " + type.simpleString()
                + ": expected string (a prompt) or array<struct<role:string,content:string>> (chat messages)");
    }

    static int indexOf(StructType schema, String name) {
        for (int i = 0; i < schema.fields().length; i++) if (schema.fields()[i].name().equals(name)) return i;
        throw new IllegalArgumentException("no column '" + name + "' in " + schema.simpleString());
    }

    private static boolean hasString(StructType s, String field) {
        for (StructField f : s.fields()) if (f.name().equals(field) && f.dataType().equals(DataTypes.StringType)) return true;
        return false;
    }

    boolean isMessages() {
        return messages;
    }

    /** The row's prompt text (text column only). */
    String text(Row row) {
        if (row.isNullAt(index)) throw new IllegalArgumentException("input column '" + name + "' is null in row " + row);
        return row.getString(index);
    }

    /** The row's chat messages (messages column only). */
    List<Message> messages(Row row) {
        if (row.isNullAt(index)) throw new IllegalArgumentException("input column '" + name + "' is null in row " + row);
        List<Row> rows = row.getList(index);
        if (rows.isEmpty()) throw new IllegalArgumentException("input column '" + name + "' holds no messages in row " + row);
        List<Message> out = new ArrayList<>(rows.size());
        for (Row m : rows) {
            String role = m.getAs("role"), content = m.getAs("content");
            if (role == null || content == null) throw new IllegalArgumentException("a message in column '" + name + "' has a null role or content: " + m);
            out.add(new Message(role, content));
        }
        return out;
    }

    /** The prompt as one string for seed hashing: the text, or each message's role and content. */
    String key(Row row) {
        if (!messages) return text(row);
        StringBuilder sb = new StringBuilder();
        for (Message m : messages(row)) sb.append(m.role()).append('\u0000').append(m.content()).append('\u0001');
        return sb.toString();
    }
}
