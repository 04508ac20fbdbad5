package ctxlab.verify;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The AAPCS64 properties {@code ctxlab verify --arch arm64} checks; {@link #id()} is used in output and corpus headers. */
public enum Arm64Property {
    RESTORE("x19-x29, x30 and sp come from the restore context (and FPCR, when the routine switches it)"),
    DREGS("d8-d15 (the low 64 bits of v8-v15) come from the restore context"),
    RESUME("control arrives at the restored lr (restore->x30)"),
    SAVE("the save context holds the entry x19-x30, sp and d8-d15 (and FPCR, when switched)"),
    ROUNDTRIP("A -> B -> A gives A back x19-x29, sp, d8-d15 (and FPCR) at its own return address"),
    MEMORY("writes only into the 176-byte save context (AAPCS64 has no red zone)"),
    ALIGNMENT("sp is 16-byte aligned at every instruction boundary"),
    TERMINATION("arrives within the instruction budget, without a fault"),
    MAKECONTEXT("a fresh context starts at its entry with sp = 0 (mod 16) and FPCR 0 (the default)");

    private final String summary;

    Arm64Property(String summary) {
        this.summary = summary;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String summary() {
        return summary;
    }

    public static Optional<Arm64Property> byId(String id) {
        return Arrays.stream(values()).filter(p -> p.id().equals(id.strip().toLowerCase(Locale.ROOT))).findFirst();
    }
}
