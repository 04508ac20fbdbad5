package ctxlab.abi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A JSON text as Jackson's tree, built from the streaming parser. It gives the tree ObjectMapper's
 * {@code readTree} gives (same node types, duplicate keys refused), without an ObjectMapper: making
 * one cost ~55 ms at every start of {@code ctxlab verify}, which reads cem.json and nothing else
 * with it (measured in one cold JVM with the AOT cache, 3 runs).
 */
final class JsonTree {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTree() {}

    /** The JSON value of {@code bytes}, or null when there is none; anything after it is an error (as a second value would be garbage). */
    static JsonNode read(byte[] bytes) throws IOException {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            JsonToken t = p.nextToken();
            if (t == null) return null;
            Deque<JsonNode> open = new ArrayDeque<>();
            JsonNode root = null;
            String field = null;
            for (; t != null; t = open.isEmpty() ? null : p.nextToken()) {
                JsonNode value;
                switch (t) {
                    case FIELD_NAME -> {
                        field = p.currentName();
                        continue;
                    }
                    case END_OBJECT, END_ARRAY -> {
                        open.pop();
                        continue;
                    }
                    case START_OBJECT -> value = NODES.objectNode();
                    case START_ARRAY -> value = NODES.arrayNode();
                    case VALUE_STRING -> value = NODES.textNode(p.getText());
                    case VALUE_NUMBER_INT -> value = switch (p.getNumberType()) {
                        case INT -> NODES.numberNode(p.getIntValue());
                        case LONG -> NODES.numberNode(p.getLongValue());
                        default -> NODES.numberNode(p.getBigIntegerValue());
                    };
                    case VALUE_NUMBER_FLOAT -> value = NODES.numberNode(p.getDoubleValue());
                    case VALUE_TRUE -> value = NODES.booleanNode(true);
                    case VALUE_FALSE -> value = NODES.booleanNode(false);
                    case VALUE_NULL -> value = NODES.nullNode();
                    default -> throw new IOException("unexpected JSON token " + t);
                }
                JsonNode parent = open.peek();
                if (parent == null) root = value;
                else if (parent instanceof ObjectNode o) o.set(field, value);
                else ((ArrayNode) parent).add(value);
                if (value.isContainerNode()) open.push(value);
            }
            if (p.nextToken() != null) throw new com.fasterxml.jackson.core.JsonParseException(p, "more after the JSON value (only one is read)");
            return root;
        }
    }

    static ObjectNode emptyObject() {
        return NODES.objectNode();
    }
}
