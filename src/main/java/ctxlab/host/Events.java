package ctxlab.host;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.PrintStream;

/**
 * The parent–child protocol: one {@link ChildEvent} per line on the child's stdout, as JSON, flushed
 * at once, so that whatever the child said before it crashed reaches the parent.
 */
final class Events {
    // Every field is written, nulls included, and must be there when read: a line that lost one is
    // a broken protocol, caught here rather than as a null far from it.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ObjectWriter WRITER = JSON.writerFor(ChildEvent.class);
    private static final ObjectReader READER = JSON.readerFor(ChildEvent.class);

    private final PrintStream out;

    Events(PrintStream out) {
        this.out = out;
    }

    void emit(ChildEvent event) {
        out.println(write(event));
        out.flush();
    }

    static String write(ChildEvent event) {
        try {
            return WRITER.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Thrown for a line that is not an event of this build: not JSON, an unknown kind, a field missing or extra. */
    static final class MalformedEventException extends Exception {
        MalformedEventException(String message) {
            super(message);
        }
    }

    static ChildEvent read(String line) throws MalformedEventException {
        try {
            return READER.readValue(line);
        } catch (JsonProcessingException e) {
            // Jackson's own words without its "at [Source: ...]" trailer, on one line.
            String why = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
            throw new MalformedEventException(why.lines().findFirst().orElse(why));
        }
    }
}
