package ctxlab.trace;

import ctxlab.abi.ContextLayout;
import java.util.Arrays;
import java.util.List;

/** The Cem runtime's 64-byte context ({@link ContextLayout}) as a {@link TraceLayout}. */
public final class CemLayout implements TraceLayout {
    public static final CemLayout INSTANCE = new CemLayout();

    private static final List<Slot> SLOTS = Arrays.stream(ContextLayout.Slot.values())
            .map(s -> new Slot(s.label(), s.offset, s.width, s.label())).toList();

    private CemLayout() {}

    @Override public String name() { return "Cem"; }

    @Override public int size() { return ContextLayout.SIZE; }

    @Override public List<Slot> slots() { return SLOTS; }

    /** The callee-saved registers, rsp and MXCSR: every slot holds one (the x87 control word is not kept). */
    @Override public List<String> preserved() { return SLOTS.stream().map(Slot::register).toList(); }

    @Override public Resume resume() { return Resume.AT_SAVED_RSP; }
}
