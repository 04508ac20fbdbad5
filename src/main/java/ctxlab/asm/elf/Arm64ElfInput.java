package ctxlab.asm.elf;

import ctxlab.asm.AsmException;
import ctxlab.asm.Assembly;
import ctxlab.asm.Relocation;
import ctxlab.asm.SourceLocation;
import ctxlab.disasm.Disassembler;
import ctxlab.disasm.Instruction;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An AArch64 routine ({@code e_machine} 183) taken from an ELF file as an {@link Assembly}: the
 * counterpart of {@link ElfInput}'s x86-64 code, with the same layout (the routine's section, or a
 * window of it, at the caller's page-aligned base, every byte at its section offset).
 *
 * <ul>
 *   <li>In a relocatable object, relocations against the routine's own section are applied as
 *       {@code ld} would (branches {@code CALL26}/{@code JUMP26}/{@code CONDBR19}/{@code TSTBR14},
 *       {@code ADR_PREL_LO21}, {@code ADR_PREL_PG_HI21} with {@code ADD_ABS_LO12_NC} and the
 *       {@code LDST*_ABS_LO12_NC} family, literal loads, {@code ABS64}/{@code PREL32} data). A branch in
 *       the routine to a symbol elsewhere ({@code bl _exit}: {@code R_AARCH64_CALL26} against an
 *       undefined symbol) gets a stop; any other reference out of the section inside the routine is
 *       refused naming routine, offset, relocation and symbol.</li>
 *   <li>In a shared library or executable, a direct branch leaving the code (to a PLT stub, named
 *       after its function: {@code _exit@PLT}) gets a stop.</li>
 * </ul>
 * A stop is a {@code brk #0xe0} appended after the code, the branch pointed at it, and a line for it
 * that names the symbol and the calling instruction: emulation reaching it stops there, and the
 * fault names the call (as {@link ctxlab.asm.Arm64Assembler} does for sources). Lines are Capstone's
 * AArch64 disassembly, located by DWARF line rows when the file has them.
 */
final class Arm64ElfInput {
    private Arm64ElfInput() {}

    static final int R_AARCH64_ABS64 = 257, R_AARCH64_ABS32 = 258, R_AARCH64_PREL64 = 260, R_AARCH64_PREL32 = 261,
            R_AARCH64_LD_PREL_LO19 = 273, R_AARCH64_ADR_PREL_LO21 = 274, R_AARCH64_ADR_PREL_PG_HI21 = 275,
            R_AARCH64_ADR_PREL_PG_HI21_NC = 276, R_AARCH64_ADD_ABS_LO12_NC = 277, R_AARCH64_LDST8_ABS_LO12_NC = 278,
            R_AARCH64_TSTBR14 = 279, R_AARCH64_CONDBR19 = 280, R_AARCH64_JUMP26 = 282, R_AARCH64_CALL26 = 283,
            R_AARCH64_LDST16_ABS_LO12_NC = 284, R_AARCH64_LDST32_ABS_LO12_NC = 285, R_AARCH64_LDST64_ABS_LO12_NC = 286,
            R_AARCH64_LDST128_ABS_LO12_NC = 299, R_AARCH64_JUMP_SLOT = 1026, R_AARCH64_GLOB_DAT = 1025;

    /** {@code brk #0xe0}: the stop a call out of the code goes to. */
    static final int STOP = 0xd4200000 | (0xe0 << 5);

    /** The last operand of a direct branch in Capstone's text: {@code #0x400120}. */
    private static final Pattern TARGET = Pattern.compile("#(0x[0-9a-fA-F]+|\\d+)$");
    private static final java.util.Set<String> BRANCHES = java.util.Set.of("b", "bl", "cbz", "cbnz", "tbz", "tbnz");

    /** A branch that leaves the code: where it is, what it is named, how. */
    private record Exit(long insn, String symbol, Relocation.Kind kind) {}

    static Assembly build(ElfFile elf, ElfFile.Symbol routine, long base) {
        String what = elf.name() + ": symbol '" + routine.name() + "'";
        ElfFile.Section sec = elf.section(routine.shndx());
        if (sec == null) throw new AsmException(what + " is in section " + routine.shndx() + ", which does not exist");
        if (!sec.code()) throw new AsmException(what + " is in " + sec.name() + ", not a code section");
        boolean relocatable = elf.type() == ElfFile.ET_REL;
        long start = relocatable ? routine.value() : routine.value() - sec.addr();
        if (start < 0 || start >= sec.size() || routine.size() < 0 || routine.size() > sec.size() - start) {
            throw new AsmException(what + " (value 0x" + Long.toHexString(routine.value()) + ", size " + routine.size()
                    + ") lies outside its section " + sec.name() + " (" + sec.size() + " bytes)");
        }
        if (routine.size() > ElfInput.MAX_ROUTINE) {
            throw new AsmException(what + " is " + routine.size() + " bytes long; at most " + ElfInput.MAX_ROUTINE);
        }
        if ((start & 3) != 0) throw new AsmException(what + " starts at section offset 0x" + Long.toHexString(start)
                + ", not on a 4-byte boundary: not AArch64 code");
        // Hand-written code often has no .size: to the next function or global symbol, as for x86-64.
        long size = routine.size() > 0 ? routine.size()
                : Math.min(ElfInput.MAX_ROUTINE, ElfInput.implicitEnd(elf, sec, routine, start, relocatable) - start);
        long from = 0, to = sec.size();
        if (sec.size() > ElfInput.WHOLE_SECTION) {
            from = Math.max(0, (start - ElfInput.WINDOW) & ~0xfffL);   // 4 KiB-aligned: adrp's page arithmetic holds
            to = Math.min(sec.size(), start + size + ElfInput.WINDOW);
        }
        byte[] code = elf.bytes(sec, from, to);
        long sectionAddr = relocatable ? 0 : sec.addr();
        long delta = from + sectionAddr;
        // adrp in linked code computes 4 KiB pages from the file's addresses: keep every byte at the
        // same page offset it has there (the zero bytes before the section are never executed).
        int pad = (int) (delta & 0xfff);
        if (pad != 0) {
            byte[] padded = new byte[pad + code.length];
            System.arraycopy(code, 0, padded, pad, code.length);
            code = padded;
            delta -= pad;
        }
        long routineOffset = start - from + pad;

        Map<String, Assembly.Symbol> symbols = new LinkedHashMap<>();
        for (List<ElfFile.Symbol> t : List.of(elf.symtab(), elf.dynsym())) {
            for (ElfFile.Symbol s : t) {
                if (s.shndx() != sec.index() || s.name().isEmpty() || s.type() == ElfFile.STT_SECTION || s.type() == ElfFile.STT_FILE) continue;
                if (s.name().startsWith("$x") || s.name().startsWith("$d")) continue;   // AArch64 mapping symbols
                long off = s.value() - delta;
                if (off < 0 || off > code.length) continue;
                symbols.putIfAbsent(s.name(), new Assembly.Symbol(s.name(), off, s.bind() != ElfFile.STB_LOCAL,
                        s.type() == ElfFile.STT_FUNC && s.size() > 0 ? s.size() : -1));
            }
        }

        List<Exit> exits = new ArrayList<>();
        if (relocatable) applyObjectRelocations(elf, sec, code, from, routineOffset, size, exits, routine.name());
        List<Instruction> insns;
        try (Disassembler d = Disassembler.openArm64()) {
            insns = d.disassemble(code, (int) routineOffset, (int) size, base + routineOffset, 0);
        }
        if (!relocatable) branchesOut(elf, insns, pad, code.length, base, delta, exits);

        TreeMap<Long, DwarfLines.Position> dwarf = DwarfLines.of(elf, sec);
        List<Assembly.Line> lines = new ArrayList<>();
        Map<Long, SourceLocation> located = new HashMap<>();
        long covered = routineOffset;
        Map<Long, Exit> exitAt = new HashMap<>();
        for (Exit x : exits) exitAt.put(x.insn(), x);
        for (Instruction i : insns) {
            long off = i.address() - base;
            var row = dwarf.floorEntry(off + delta);
            SourceLocation where = row != null && row.getKey() >= routineOffset + delta
                    ? new SourceLocation(row.getValue().file(), row.getValue().line())
                    : ElfInput.where(elf, routine.name(), off - routineOffset);
            located.put(off, where);
            String text = i.mnemonic() + (i.opStr().isEmpty() ? "" : " " + i.opStr());
            Exit x = exitAt.get(off);
            if (x != null) text = i.mnemonic() + " " + i.opStr().replaceAll("#(0x[0-9a-fA-F]+|\\d+)$", "") + x.symbol();
            lines.add(new Assembly.Line(off, i.size(), where, text, true));
            covered = off + i.size();
        }
        if (covered < routineOffset + size) {
            long bad = covered - routineOffset;
            throw new AsmException(elf.name() + ":" + routine.name() + "+0x" + Long.toHexString(bad)
                    + ": Capstone cannot decode the bytes there (" + ElfInput.hex(code, (int) covered, 8)
                    + "): data or a foreign instruction set");
        }

        // The stops, after the code on a 4-byte boundary.
        List<Relocation> relocations = new ArrayList<>();
        if (!exits.isEmpty()) {
            int at = (code.length + 3) & ~3;
            byte[] grown = Arrays.copyOf(code, at + 4 * exits.size());
            ByteBuffer bb = ByteBuffer.wrap(grown).order(ByteOrder.LITTLE_ENDIAN);
            for (Exit x : exits) {
                int insn = bb.getInt((int) x.insn());
                bb.putInt((int) x.insn(), branchTo(insn, at - x.insn(), elf.name() + ":" + routine.name() + "+0x"
                        + Long.toHexString(x.insn() - routineOffset)));
                bb.putInt(at, STOP);
                SourceLocation where = located.getOrDefault(x.insn(), ElfInput.where(elf, routine.name(), x.insn() - routineOffset));
                lines.add(new Assembly.Line(at, 4, where, "(stop) " + (x.kind() == Relocation.Kind.CALL ? "calls " : "jumps to ")
                        + x.symbol() + ", outside the code", true));
                relocations.add(new Relocation(x.insn(), 4, x.symbol(), 0, x.insn(), x.kind()));
                at += 4;
            }
            code = grown;
        }
        lines.sort((x, y) -> Long.compare(x.offset(), y.offset()));
        relocations.sort((x, y) -> Long.compare(x.offset(), y.offset()));
        return new Assembly(code, base, symbols, lines, relocations);
    }

    /** A relocatable object's relocations on the code (see the class comment). */
    private static void applyObjectRelocations(ElfFile elf, ElfFile.Section sec, byte[] code, long from, long routineOffset,
                                               long routineSize, List<Exit> exits, String routine) {
        ByteBuffer bb = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        for (ElfFile.Section rela : elf.sections()) {
            if (rela.type() != ElfFile.SHT_RELA || rela.info() != sec.index()) continue;
            List<ElfFile.Symbol> syms = elf.symbolsOf(rela);
            for (ElfFile.Rela r : elf.relocations(rela)) {
                long p = r.offset() - from;
                int width = r.type() == R_AARCH64_ABS64 || r.type() == R_AARCH64_PREL64 ? 8 : 4;
                if (p < 0 || p + width > code.length) continue;   // outside the window
                if (r.symbol() < 0 || r.symbol() >= syms.size()) {
                    throw new AsmException(elf.name() + ": relocation at " + rela.name() + "+0x" + Long.toHexString(r.offset())
                            + " names symbol " + r.symbol() + " of " + syms.size());
                }
                ElfFile.Symbol s = syms.get(r.symbol());
                boolean inRoutine = p >= routineOffset && p < routineOffset + routineSize;
                String at = elf.name() + ":" + routine + "+0x" + Long.toHexString(p - routineOffset);
                boolean branch = r.type() == R_AARCH64_CALL26 || r.type() == R_AARCH64_JUMP26
                        || r.type() == R_AARCH64_CONDBR19 || r.type() == R_AARCH64_TSTBR14;
                if (s.shndx() != sec.index()) {
                    if (!inRoutine) continue;
                    String name = s.type() == ElfFile.STT_SECTION ? ElfInput.sectionName(elf, s) : s.name();
                    if (branch) {
                        exits.add(new Exit(p, name, r.type() == R_AARCH64_CALL26 ? Relocation.Kind.CALL : Relocation.Kind.JUMP));
                        continue;
                    }
                    throw new AsmException(at + ": " + typeName(r.type()) + " against '" + name + "', which is not in "
                            + sec.name() + ": ctxlab places only the routine's own section (it stops at calls and jumps"
                            + " out of it, but cannot place data or addresses of other sections)");
                }
                long target = s.value() - from + r.addend();   // S + A, as a code offset
                int insn = bb.getInt((int) p);
                switch (r.type()) {
                    case R_AARCH64_CALL26, R_AARCH64_JUMP26, R_AARCH64_CONDBR19, R_AARCH64_TSTBR14 ->
                            bb.putInt((int) p, branchTo(insn, target - p, at));
                    case R_AARCH64_LD_PREL_LO19 -> bb.putInt((int) p, field(insn, (target - p) >> 2, 19, 5, at, r.type()));
                    case R_AARCH64_ADR_PREL_LO21 -> bb.putInt((int) p, adr(insn, target - p, at, r.type()));
                    case R_AARCH64_ADR_PREL_PG_HI21, R_AARCH64_ADR_PREL_PG_HI21_NC ->
                            bb.putInt((int) p, adr(insn, ((target & ~0xfffL) - (p & ~0xfffL)) >> 12, at, r.type()));
                    case R_AARCH64_ADD_ABS_LO12_NC, R_AARCH64_LDST8_ABS_LO12_NC -> bb.putInt((int) p, lo12(insn, target, 0));
                    case R_AARCH64_LDST16_ABS_LO12_NC -> bb.putInt((int) p, lo12(insn, target, 1));
                    case R_AARCH64_LDST32_ABS_LO12_NC -> bb.putInt((int) p, lo12(insn, target, 2));
                    case R_AARCH64_LDST64_ABS_LO12_NC -> bb.putInt((int) p, lo12(insn, target, 3));
                    case R_AARCH64_LDST128_ABS_LO12_NC -> bb.putInt((int) p, lo12(insn, target, 4));
                    case R_AARCH64_PREL32 -> bb.putInt((int) p, (int) (target - p));
                    case R_AARCH64_PREL64 -> bb.putLong((int) p, target - p);
                    default -> {
                        // ABS64/ABS32 need the final address, which depends on where the code is placed.
                        if (inRoutine) {
                            throw new AsmException(at + ": relocation " + typeName(r.type()) + " against '" + s.name()
                                    + "' is not applied by ctxlab (it places code, not data)");
                        }
                    }
                }
            }
        }
    }

    /** A shared library's or executable's direct branches that leave the code, named (PLT stubs by their function). */
    private static void branchesOut(ElfFile elf, List<Instruction> insns, long codeStart, long codeLength, long base, long delta,
                                    List<Exit> exits) {
        Map<Long, String> plt = pltStubs(elf);
        for (Instruction i : insns) {
            String m = i.mnemonic();
            if (!BRANCHES.contains(m) && !m.startsWith("b.")) continue;
            Matcher t = TARGET.matcher(i.opStr().strip());
            if (!t.find()) continue;
            long target = Long.decode(t.group(1));
            if (target >= base + codeStart && target < base + codeLength) continue;   // not into the padding either
            long vaddr = target - base + delta;
            String name = plt.containsKey(vaddr) ? plt.get(vaddr) + "@PLT" : ElfInput.symbolAt(elf, vaddr);
            exits.add(new Exit(i.address() - base, name, m.equals("bl") ? Relocation.Kind.CALL : Relocation.Kind.JUMP));
        }
    }

    /**
     * PLT stub address -> function: {@code .rela.plt}'s JUMP_SLOT k is stub k after the 32-byte
     * PLT0 (16 bytes each, or 24 with BTI and PAC: taken from the section's size).
     */
    static Map<Long, String> pltStubs(ElfFile elf) {
        Map<Long, String> out = new HashMap<>();
        ElfFile.Section relaPlt = elf.section(".rela.plt");
        ElfFile.Section plt = elf.section(".plt");
        if (relaPlt == null || relaPlt.type() != ElfFile.SHT_RELA || plt == null) return out;
        List<ElfFile.Rela> slots = elf.relocations(relaPlt);
        if (slots.isEmpty()) return out;
        long stub = (plt.size() - 32) % slots.size() == 0 ? (plt.size() - 32) / slots.size() : 16;
        List<ElfFile.Symbol> syms = elf.symbolsOf(relaPlt);
        int k = 0;
        for (ElfFile.Rela r : slots) {
            if (r.type() == R_AARCH64_JUMP_SLOT && r.symbol() > 0 && r.symbol() < syms.size()) {
                out.put(plt.addr() + 32 + stub * k, syms.get(r.symbol()).name());
            }
            k++;
        }
        return out;
    }

    /** A b/bl/b.cond/cbz/tbz word with its offset field set to {@code distance} bytes. */
    static int branchTo(int insn, long distance, String at) {
        if ((insn & 0x7c000000) == 0x14000000) return field(insn, distance >> 2, 26, 0, at, R_AARCH64_CALL26);   // b, bl
        if ((insn & 0xff000010) == 0x54000000 || (insn & 0x7e000000) == 0x34000000) {
            return field(insn, distance >> 2, 19, 5, at, R_AARCH64_CONDBR19);                                   // b.cond, cbz, cbnz
        }
        if ((insn & 0x7e000000) == 0x36000000) return field(insn, distance >> 2, 14, 5, at, R_AARCH64_TSTBR14);  // tbz, tbnz
        throw new AsmException(at + ": a branch relocation on a word that is not a branch (0x" + Integer.toHexString(insn) + ")");
    }

    /** {@code value} into the signed field of {@code bits} bits at bit {@code shift}; out of range: refused. */
    static int field(int insn, long value, int bits, int shift, String at, int type) {
        long min = -(1L << (bits - 1)), max = (1L << (bits - 1)) - 1;
        if (value < min || value > max) {
            throw new AsmException(at + ": " + typeName(type) + ": the target is out of range of the instruction's "
                    + bits + "-bit offset");
        }
        int mask = (int) ((1L << bits) - 1) << shift;
        return (insn & ~mask) | (((int) value << shift) & mask);
    }

    /** adr/adrp's 21-bit immediate: immlo in bits 30:29, immhi in bits 23:5. */
    static int adr(int insn, long value, String at, int type) {
        if (value < -(1L << 20) || value >= (1L << 20)) {
            throw new AsmException(at + ": " + typeName(type) + ": the target is out of range of adr/adrp");
        }
        int v = (int) value & 0x1fffff;
        return (insn & ~(0x3 << 29) & ~(0x7ffff << 5)) | ((v & 3) << 29) | ((v >> 2) << 5);
    }

    /** The low 12 bits of an address, scaled by the access size, into bits 21:10. */
    static int lo12(int insn, long target, int scale) {
        int v = (int) ((target & 0xfff) >> scale);
        return (insn & ~(0xfff << 10)) | (v << 10);
    }

    static String typeName(int type) {
        return switch (type) {
            case R_AARCH64_ABS64 -> "R_AARCH64_ABS64";
            case R_AARCH64_ABS32 -> "R_AARCH64_ABS32";
            case R_AARCH64_PREL32 -> "R_AARCH64_PREL32";
            case R_AARCH64_PREL64 -> "R_AARCH64_PREL64";
            case R_AARCH64_LD_PREL_LO19 -> "R_AARCH64_LD_PREL_LO19";
            case R_AARCH64_ADR_PREL_LO21 -> "R_AARCH64_ADR_PREL_LO21";
            case R_AARCH64_ADR_PREL_PG_HI21 -> "R_AARCH64_ADR_PREL_PG_HI21";
            case R_AARCH64_ADR_PREL_PG_HI21_NC -> "R_AARCH64_ADR_PREL_PG_HI21_NC";
            case R_AARCH64_ADD_ABS_LO12_NC -> "R_AARCH64_ADD_ABS_LO12_NC";
            case R_AARCH64_TSTBR14 -> "R_AARCH64_TSTBR14";
            case R_AARCH64_CONDBR19 -> "R_AARCH64_CONDBR19";
            case R_AARCH64_JUMP26 -> "R_AARCH64_JUMP26";
            case R_AARCH64_CALL26 -> "R_AARCH64_CALL26";
            default -> "relocation type " + type;
        };
    }
}
