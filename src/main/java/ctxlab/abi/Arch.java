package ctxlab.abi;

import ctxlab.emu.Arm64Reg;
import ctxlab.emu.Reg;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The architecture a convention is written for. Each has its own register enum ({@link Reg},
 * {@link Arm64Reg}); a convention's registers are values of its architecture's enum, so the model
 * is one {@link Convention} for both, read per architecture here.
 */
public enum Arch {
    X86_64("x86-64", Reg.class),
    ARM64("arm64", Arm64Reg.class);

    private final String id;
    private final Class<? extends Enum<?>> registers;

    Arch(String id, Class<? extends Enum<?>> registers) {
        this.id = id;
        this.registers = registers;
    }

    /** What convention files, the CLI and JSON call it. */
    public String id() {
        return id;
    }

    public Class<? extends Enum<?>> registers() {
        return registers;
    }

    public static Optional<Arch> byId(String id) {
        return Arrays.stream(values()).filter(a -> a.id.equals(id.strip().toLowerCase(Locale.ROOT))).findFirst();
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(Arch::id).toList();
    }

    // ------------------------------------------------------------------ register names, per architecture

    private static final List<Reg> X86_GPRS = List.of(Reg.RAX, Reg.RBX, Reg.RCX, Reg.RDX, Reg.RSI, Reg.RDI, Reg.RBP,
            Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.R13, Reg.R14, Reg.R15);

    /** A general-purpose register (x86-64: rax..r15 without rsp; arm64: x0-x30, fp = x29, lr = x30), or empty. */
    public Optional<Enum<?>> gpr(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT).replaceFirst("^%", "");
        if (this == X86_64) {
            for (Reg r : X86_GPRS) if (r.name().toLowerCase(Locale.ROOT).equals(n)) return Optional.of(r);
            return Optional.empty();
        }
        if (n.equals("fp")) return Optional.of(Arm64Reg.X29);
        if (n.equals("lr")) return Optional.of(Arm64Reg.X30);
        if (n.matches("x([0-9]|[12][0-9]|30)")) return Optional.of(Arm64Reg.x(Integer.parseInt(n.substring(1))));
        return Optional.empty();
    }

    /** A register a slot can hold or a round trip preserve: a general-purpose one, and on arm64 d0-d31 too. */
    public Optional<Enum<?>> saved(String name) {
        Optional<Enum<?>> g = gpr(name);
        if (g.isPresent() || this == X86_64) return g;
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.matches("d([0-9]|[12][0-9]|3[01])")) return Optional.of(Arm64Reg.d(Integer.parseInt(n.substring(1))));
        return Optional.empty();
    }

    /** The registers that carry a call's first arguments, in order. */
    public List<Enum<?>> argumentRegisters() {
        return this == X86_64 ? List.of(Reg.RDI, Reg.RSI, Reg.RDX, Reg.RCX, Reg.R8, Reg.R9)
                : List.of(Arm64Reg.X0, Arm64Reg.X1, Arm64Reg.X2, Arm64Reg.X3, Arm64Reg.X4, Arm64Reg.X5, Arm64Reg.X6, Arm64Reg.X7);
    }

    /** The stack pointer. */
    public Enum<?> sp() {
        return this == X86_64 ? Reg.RSP : Arm64Reg.SP;
    }

    /** The program counter. */
    public Enum<?> pc() {
        return this == X86_64 ? Reg.RIP : Arm64Reg.PC;
    }

    /** The stack pointer's name in convention files: rsp, sp. */
    public String spName() {
        return this == X86_64 ? "rsp" : "sp";
    }

    /** What the error messages list as the registers of this architecture. */
    public String gprList() {
        return this == X86_64 ? "rax, rbx, ..., r15; rsp is described by slots" : "x0-x30 (fp, lr); sp is described by slots";
    }

    /** A register's name as convention files and messages write it. */
    public static String name(Enum<?> r) {
        if (r == Reg.FPCW) return "x87 CW";
        return r.name().toLowerCase(Locale.ROOT);
    }
}
