package ctxlab.trace;

import java.util.List;
import java.util.Optional;

/**
 * What the trace knows about a context-switch convention: the named slots of its save and restore
 * storage, which registers it preserves, and where the resume address is. The namer, the step
 * warnings and the arrival verdict read the convention only through this interface, so that
 * tracing another convention (Boost.Context, libaco, …) is one more implementation.
 */
public interface TraceLayout {
    /** A named slot. {@code register} is the register it keeps ("rbx", "rsp", "mxcsr"), or null. */
    record Slot(String name, int offset, int width, String register) {}

    /** Where the switch resumes the other side. */
    enum Resume {
        /** The saved rsp points at the resume address; the routine ends with a ret that pops it (Cem). */
        AT_SAVED_RSP,
        /** A slot holds the resume address itself ({@link #resumeSlot()}). */
        IN_SLOT
    }

    /** The convention's name, for titles ("Cem"). */
    String name();

    /** Bytes of one context. */
    int size();

    List<Slot> slots();

    /** Registers the switch must carry from the restore context into the CPU (and save). */
    List<String> preserved();

    Resume resume();

    /** The slot holding the resume address when {@link #resume()} is {@link Resume#IN_SLOT}. */
    default Optional<Slot> resumeSlot() {
        return Optional.empty();
    }

    /** The slot covering an offset of a context, if any. */
    default Optional<Slot> slotAt(long offset) {
        return slots().stream().filter(s -> offset >= s.offset() && offset < s.offset() + s.width()).findFirst();
    }

    /** Offset of the slot holding the saved rsp (every convention here keeps one). */
    default int stackPointerOffset() {
        return slotFor("rsp").orElseThrow(() -> new IllegalStateException(name() + " keeps no rsp slot")).offset();
    }

    default Optional<Slot> slotFor(String register) {
        return slots().stream().filter(s -> register.equals(s.register())).findFirst();
    }
}
