package ctxlab.vectors;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * The layout of vector files: two-space indents, {@code "key": value}, arrays of plain values on one
 * line. The recorder writes it, so that a recorded file looks like a hand-written one and its diff
 * shows only what changed.
 */
final class JsonStyle {
    private JsonStyle() {}

    static String write(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        write(node, sb, 0);
        return sb.append('\n').toString();
    }

    private static void write(JsonNode n, StringBuilder sb, int indent) {
        if (n.isObject()) {
            if (n.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append("{\n");
            Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                pad(sb, indent + 1);
                string(e.getKey(), sb);
                sb.append(": ");
                write(e.getValue(), sb, indent + 1);
                if (it.hasNext()) sb.append(',');
                sb.append('\n');
            }
            pad(sb, indent);
            sb.append('}');
        } else if (n.isArray()) {
            boolean flat = true;
            for (JsonNode c : n) flat &= c.isValueNode();
            if (flat) {
                sb.append('[');
                for (int i = 0; i < n.size(); i++) {
                    if (i > 0) sb.append(", ");
                    write(n.get(i), sb, indent);
                }
                sb.append(']');
                return;
            }
            sb.append("[\n");
            for (int i = 0; i < n.size(); i++) {
                pad(sb, indent + 1);
                write(n.get(i), sb, indent + 1);
                if (i + 1 < n.size()) sb.append(',');
                sb.append('\n');
            }
            pad(sb, indent);
            sb.append(']');
        } else if (n.isTextual()) {
            string(n.asText(), sb);
        } else {
            sb.append(n.toString());
        }
    }

    private static void string(String s, StringBuilder sb) {
        sb.append('"').append(JsonStringEncoder.getInstance().quoteAsString(s)).append('"');
    }

    private static void pad(StringBuilder sb, int indent) {
        sb.append("  ".repeat(indent));
    }
}
