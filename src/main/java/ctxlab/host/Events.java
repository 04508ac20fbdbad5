package ctxlab.host;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The child's side of the parent–child protocol: one JSON object per line on stdout, flushed at
 * once, so that whatever the child said before it crashed reaches the parent.
 * Every object has an "event" field: code, running, scenario, strands, bench, error, done.
 */
final class Events {
    static final ObjectMapper JSON = new ObjectMapper();
    private final PrintStream out;

    Events(PrintStream out) {
        this.out = out;
    }

    /** A mutable ordered map starting with the event name. */
    static Map<String, Object> event(String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", name);
        return m;
    }

    void emit(Map<String, Object> event) {
        try {
            out.println(JSON.writeValueAsString(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }
}
