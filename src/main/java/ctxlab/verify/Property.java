package ctxlab.verify;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The seven properties {@code ctxlab verify} checks; {@link #id()} is the name used in output and corpus headers. */
public enum Property {
    RESTORE("rbx, rbp, r12-r15, rsp, rip and MXCSR come from the restore context"),
    SAVE("the save context holds the entry rbx, rbp, r12-r15, rsp and MXCSR"),
    ROUNDTRIP("A -> B -> A gives A back its registers, rsp + 8 and MXCSR"),
    MEMORY("writes only into the save context and the red zone"),
    FLAGS("DF is clear on arrival"),
    TERMINATION("arrives within the instruction budget, without a fault"),
    MAKECONTEXT("a fresh context starts with rsp = 8 (mod 16) and MXCSR 0x1f80");

    private final String summary;

    Property(String summary) {
        this.summary = summary;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String summary() {
        return summary;
    }

    public static Optional<Property> byId(String id) {
        return Arrays.stream(values()).filter(p -> p.id().equals(id.strip().toLowerCase(Locale.ROOT))).findFirst();
    }
}
