package ctxlab.host;

import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Keystone-assembled bytes made executable on the host: a page range is mapped read-write, the
 * bytes are copied in, and the range becomes read-execute — never writable and executable at once.
 *
 * <p>The code has to be assembled for the address it will run at (branches and labels assume
 * it), so the address range is {@linkplain #reserve() reserved} first, inaccessible, and the
 * sources are assembled for its base. Loading then needs a {@link VerificationGate.Verified}
 * token for exactly those bytes at exactly that base.
 */
public final class HostCode implements AutoCloseable {
    /** Address space reserved for one unit of code: far more than the switch plus the strand bodies. */
    public static final long RESERVATION = 1 << 20;

    /** An inaccessible address range to assemble code for. */
    public static final class Reservation implements AutoCloseable {
        private final long base;
        private final long size;
        private boolean open = true;

        private Reservation(long base, long size) {
            this.base = base;
            this.size = size;
        }

        public long base() {
            return base;
        }

        public long size() {
            return size;
        }

        @Override
        public synchronized void close() {
            if (open) {
                open = false;
                Libc.munmap(base, size);
            }
        }
    }

    private final Reservation reservation;
    private final Assembly assembly;
    private final long codeSize;

    private HostCode(Reservation reservation, Assembly assembly) {
        this.reservation = reservation;
        this.assembly = assembly;
        this.codeSize = Pages.roundUp(assembly.size());
    }

    public static Reservation reserve() {
        Host.require();
        if (Libc.pageSize() != Pages.PAGE) throw new HostException("page size is " + Libc.pageSize() + ", expected 4096");
        return new Reservation(Libc.mmap(RESERVATION, Libc.PROT_NONE, Libc.MAP_NORESERVE), RESERVATION);
    }

    /**
     * Maps verified code executable at its base, inside the reservation (which the code then owns).
     *
     * @throws UnverifiedCodeException if the token does not cover these bytes at this base
     */
    public static HostCode load(Reservation reservation, Assembly assembly, VerificationGate.Verified token) {
        if (token == null || !token.covers(assembly)) {
            throw new UnverifiedCodeException(String.format(
                    "refusing to run %d bytes at 0x%x on the host: they have not passed emulated verification in this process"
                            + " (a Verified token from the verification gate must cover exactly these bytes at this base)",
                    assembly.size(), assembly.base()));
        }
        return map(reservation, assembly);
    }

    /** For the crash-isolated child only, when the user asked for unverified code explicitly. */
    static HostCode loadUnverified(Reservation reservation, Assembly assembly, Child.Sandbox sandbox) {
        if (sandbox == null || !Child.inSandbox()) {
            throw new UnverifiedCodeException("unverified code runs only in the crash-isolated child process");
        }
        return map(reservation, assembly);
    }

    private static HostCode map(Reservation reservation, Assembly assembly) {
        if (assembly.base() != reservation.base()) {
            throw new HostException(String.format("code assembled for 0x%x cannot run at 0x%x", assembly.base(), reservation.base()));
        }
        if (assembly.size() > reservation.size()) {
            throw new HostException(assembly.size() + " bytes of code do not fit the " + reservation.size() + "-byte reservation");
        }
        HostCode code = new HostCode(reservation, assembly);
        long base = reservation.base();
        Libc.mprotect(base, code.codeSize, Libc.PROT_READ | Libc.PROT_WRITE);
        MemorySegment.copy(assembly.code(), 0, HostMemory.ALL, java.lang.foreign.ValueLayout.JAVA_BYTE, base, assembly.size());
        Libc.mprotect(base, code.codeSize, Libc.PROT_READ | Libc.PROT_EXEC);
        return code;
    }

    /**
     * Reserves, assembles the files for the reservation's base, passes them through the standard
     * verification gate and loads them.
     */
    public static HostCode build(List<SourceFile> files) {
        return build(files, VerificationGate.standard());
    }

    /** Assembles for a fresh reservation and loads what passes {@code gate} (another convention's gate). */
    public static HostCode build(List<SourceFile> files, VerificationGate gate) {
        Reservation r = reserve();
        try {
            Assembly a = Assembler.assemble(files, r.base());
            return load(r, a, gate.check(a));
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    public Assembly assembly() {
        return assembly;
    }

    public long base() {
        return reservation.base();
    }

    public long address(String symbol) {
        return assembly.address(symbol);
    }

    /** Whether {@code pc} lies in this code. */
    public boolean contains(long pc) {
        return pc >= base() && pc < base() + assembly.size();
    }

    /** A downcall to a routine of this code. */
    public MethodHandle function(String symbol, FunctionDescriptor descriptor, Linker.Option... options) {
        return Libc.LINKER.downcallHandle(MemorySegment.ofAddress(address(symbol)), descriptor, options);
    }

    @Override
    public void close() {
        reservation.close();
    }

    /** Bytes without a matching Verified token. */
    public static final class UnverifiedCodeException extends HostException {
        public UnverifiedCodeException(String message) {
            super(message);
        }
    }
}
