package ctxlab.emu;

/**
 * An emulation or engine-call failure, with what the engine reported.
 *
 * <p>{@link #address()} is the faulting data address when known (unmapped/protected accesses), else the
 * pc; {@link #pc()} is the address of the faulting instruction (or the last instruction reached).
 * {@link #ucErr()} is the raw {@code uc_err} (0 for failures detected by {@link Machine} itself, e.g.
 * {@link Kind#BUDGET_EXHAUSTED}).
 */
public final class EmulationException extends RuntimeException {

    public enum Kind {
        UNMAPPED_READ, UNMAPPED_WRITE, UNMAPPED_FETCH,
        WRITE_PROT, READ_PROT, FETCH_PROT,
        INVALID_INSN, CPU_EXCEPTION,
        /**
         * An instruction that user code cannot execute by itself: it enters the kernel ({@code syscall},
         * {@code sysenter}, {@code int n}, {@code int3}) or is privileged ({@code cli}, {@code wrmsr},
         * {@code in}/{@code out}, {@code mov %cr0}, ...; {@code hlt} stays {@link #OTHER}, see
         * {@link Machine}). It did not execute; {@code address() == pc()} is its address and the
         * message names it.
         */
        PRIVILEGED,
        /**
         * Control reached the stub of a symbol the code does not define ({@code call _exit@PLT}, see
         * {@link Externals}): the run stops there, as a linked program would leave the code.
         * {@code address()} is the stub, {@code pc()} the referencing call or jump; the message is
         * "calls SYMBOL (from file:line)".
         */
        EXTERNAL,
        BUDGET_EXHAUSTED, TIMEOUT,
        MAP, ARG, OTHER
    }

    private final Kind kind;
    private final int ucErr;
    private final long address;
    private final long pc;

    public EmulationException(Kind kind, int ucErr, long address, long pc, String message) {
        this(kind, ucErr, address, pc, message, null);
    }

    public EmulationException(Kind kind, int ucErr, long address, long pc, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.ucErr = ucErr;
        this.address = address;
        this.pc = pc;
    }

    public Kind kind() {
        return kind;
    }

    public int ucErr() {
        return ucErr;
    }

    public long address() {
        return address;
    }

    public long pc() {
        return pc;
    }

    /** Maps a {@code uc_err} to a kind. */
    public static Kind kindOf(int ucErr) {
        return switch (ucErr) {
            case UcConst.UC_ERR_READ_UNMAPPED -> Kind.UNMAPPED_READ;
            case UcConst.UC_ERR_WRITE_UNMAPPED -> Kind.UNMAPPED_WRITE;
            case UcConst.UC_ERR_FETCH_UNMAPPED -> Kind.UNMAPPED_FETCH;
            case UcConst.UC_ERR_WRITE_PROT -> Kind.WRITE_PROT;
            case UcConst.UC_ERR_READ_PROT -> Kind.READ_PROT;
            case UcConst.UC_ERR_FETCH_PROT -> Kind.FETCH_PROT;
            case UcConst.UC_ERR_INSN_INVALID -> Kind.INVALID_INSN;
            case UcConst.UC_ERR_EXCEPTION -> Kind.CPU_EXCEPTION;
            case UcConst.UC_ERR_MAP -> Kind.MAP;
            case UcConst.UC_ERR_ARG -> Kind.ARG;
            default -> Kind.OTHER;
        };
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
