package ctxlab.emu;

import ctxlab.asm.Assembly;
import ctxlab.asm.Relocation;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An {@link Assembly}'s code as emulation runs it: every PC-relative call or jump to a symbol the
 * code does not define ({@code call _exit@PLT}, {@code jmp foo}, {@code call *hook@GOTPCREL(%rip)})
 * is pointed at a stub in an "externals" page, so that reaching it stops the run with the symbol's
 * name ({@link EmulationException.Kind#EXTERNAL}) instead of running on from GNU as's zero field
 * (a rel32 of 0 lands on the next instruction, silently).
 *
 * <p>One stub per reference, not per symbol: the stop then also names the line that referenced it,
 * even for a tail jump, which leaves no return address behind. A stub is one {@code hlt} byte (at
 * user privilege it raises #GP, which {@link Machine} reports as the stop); a call or jump through
 * memory ({@code call *hook@GOTPCREL(%rip)}) gets an 8-byte slot holding its stub's address, as the
 * GOT would hold the function's.
 * Other references to undefined data ({@code movq counter(%rip), %rax}) keep GNU as's bytes.
 * The page lies {@value #DISTANCE_HEX} past the code's end, well within a rel32's ±2 GiB.
 * {@link Assembly#code()} itself is never changed: listings keep showing GNU as's bytes.
 */
public final class Externals {
    private Externals() {}

    /** From the code's page-aligned end to the externals page. */
    public static final long DISTANCE = 0x1000_0000L;
    static final String DISTANCE_HEX = "256 MiB";

    /**
     * The stop for one reference.
     *
     * @param address where the stub's hlt is
     * @param symbol  as written ("_exit@PLT")
     * @param from    the address of the referencing instruction
     * @param where   "file:line" of that instruction (or its address)
     */
    public record Stub(long address, String symbol, long from, String where) {
        /** "calls _exit@PLT (from file:line)". */
        public String message() {
            return "calls " + symbol + " (from " + where + ")";
        }
    }

    /**
     * What to put in memory: {@code code} at {@code base}, and when {@code stubs} is not empty,
     * {@code page} (one page of hlt and GOT slots) at {@code pageAddress}.
     */
    public record Image(long base, byte[] code, long pageAddress, byte[] page, List<Stub> stubs) {
        public Image {
            stubs = List.copyOf(stubs);
        }
    }

    /** Where the externals page of {@code a} goes by default. */
    public static long pageFor(Assembly a) {
        return a.base() + Machine.pages(Math.max(1, a.size())) + DISTANCE;
    }

    /** {@link #link(Assembly, long)} at {@link #pageFor}. */
    public static Image link(Assembly a) {
        return link(a, pageFor(a));
    }

    /** The code with its calls and jumps to undefined symbols pointed at stubs in a page at {@code pageAddress}. */
    public static Image link(Assembly a, long pageAddress) {
        byte[] code = a.code();
        byte[] page = new byte[(int) Machine.PAGE_SIZE];
        Arrays.fill(page, (byte) 0xF4);
        List<Stub> stubs = new ArrayList<>();
        ByteBuffer bb = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer pb = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        int slots = (int) Machine.PAGE_SIZE / 2;     // hlt stubs in the first half, GOT slots in the second
        int nextStub = 0, nextSlot = slots;
        for (Relocation r : a.relocations()) {
            if (r.kind() == Relocation.Kind.DATA || r.width() != 4) continue;
            // call/jmp *sym@GOTPCREL(%rip) (or through any memory operand) reads the target from memory: a slot
            boolean got = !directBranch(code, (int) r.offset());
            if (nextStub >= slots || (got && nextSlot + 8 > page.length)) {
                throw new IllegalArgumentException("more references to undefined symbols than one externals page holds");
            }
            long stub = pageAddress + nextStub++;
            long insn = a.base() + r.instruction();
            long fieldEnd = a.base() + r.offset() - r.addend();   // P - A: where the CPU adds the field to
            long target = stub;
            if (got) {
                target = pageAddress + nextSlot;
                pb.putLong(nextSlot, stub);
                nextSlot += 8;
            }
            long rel = target - fieldEnd;
            if (rel != (int) rel) throw new IllegalArgumentException("externals page out of rel32 reach of " + Long.toHexString(insn));
            bb.putInt((int) r.offset(), (int) rel);
            String where = a.lineAt(insn) == null ? String.format("0x%x", insn) : a.lineAt(insn).where().toString();
            stubs.add(new Stub(stub, r.symbol(), insn, where));
        }
        return new Image(a.base(), code, pageAddress, page, stubs);
    }

    /** The rel32 field at {@code field} is a direct call, jmp or jcc's (e8, e9, 0f 8x), not a memory operand's. */
    private static boolean directBranch(byte[] code, int field) {
        int op = field >= 1 ? code[field - 1] & 0xFF : -1;
        if (op == 0xE8 || op == 0xE9) return true;
        return op >= 0x80 && op <= 0x8F && field >= 2 && code[field - 2] == 0x0F;
    }

    /**
     * Maps {@code a}'s code read+execute at its base with hlt after it (code that runs off its end
     * stops there), and its externals page read+execute (the first free page from
     * {@link #pageFor}), and makes every stub a named stop of {@code m}.
     */
    public static Image load(Machine m, Assembly a) {
        long pageAddress = pageFor(a);
        Image img = a.relocations().isEmpty() ? link(a, pageAddress) : null;
        if (img == null) {
            for (int tries = 0; ; tries++) {
                try {
                    m.map(pageAddress, Machine.PAGE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
                    break;
                } catch (EmulationException e) {
                    if (e.kind() != EmulationException.Kind.MAP || tries >= 64) throw e;
                    pageAddress += Machine.PAGE_SIZE;   // taken: the next one
                }
            }
            img = link(a, pageAddress);
            m.write(pageAddress, img.page());
            for (Stub s : img.stubs()) m.external(s);
        }
        long pages = Machine.pages(Math.max(1, a.size()));
        m.map(a.base(), pages, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
        byte[] image = new byte[(int) pages];
        Arrays.fill(image, (byte) 0xF4);
        System.arraycopy(img.code(), 0, image, 0, img.code().length);
        m.write(a.base(), image);
        return img;
    }
}
