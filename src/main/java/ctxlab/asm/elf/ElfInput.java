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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A routine taken from an ELF file as an {@link Assembly}, so that everything that takes assembled
 * source (verify, trace, the listing) takes compiled code too.
 *
 * <p><b>Layout.</b> The code is the routine's section (or, for a section over {@value #WHOLE_SECTION}
 * bytes, a window of it around the routine, starting on a 4 KiB boundary of the section), placed at
 * the caller's page-aligned base with every byte at its section offset. So PC-relative references to
 * other code of that section stay right; references that leave it are named:
 * <ul>
 *   <li>in a relocatable object, {@code .rela} entries against symbols of the same section
 *       (a call to a function of the same file) are applied as a linker would; the others become
 *       {@link Relocation}s with their zero field ({@code call _exit} is {@code R_X86_64_PLT32}
 *       against {@code _exit}: {@code _exit@PLT});</li>
 *   <li>in a shared library or executable, a call or jump to a PLT stub ({@code .plt}, {@code .plt.sec})
 *       becomes a {@link Relocation} naming the function ({@code _exit@PLT}); any other call, jump or
 *       RIP-relative operand leaving the code is a relocation named by the symbol there, or by its
 *       address.</li>
 * </ul>
 * Lines are Capstone's disassembly of the routine; their location reads {@code file:symbol+0xOFF}.
 */
public final class ElfInput {
    private ElfInput() {}

    /** Sections up to this size are taken whole. */
    public static final int WHOLE_SECTION = 1 << 20;
    /** Around a routine in a larger section, this much on each side. */
    public static final int WINDOW = 1 << 16;
    /** Routines larger than this are refused (a switch routine is tens of bytes). */
    public static final long MAX_ROUTINE = 1 << 16;

    static final int R_X86_64_64 = 1, R_X86_64_PC32 = 2, R_X86_64_PLT32 = 4, R_X86_64_JUMP_SLOT = 7;

    /** What was chosen: the routine's name and its code. */
    public record Routine(String symbol, Assembly assembly, ElfFile elf) {}

    /**
     * The routine {@code symbol} of the ELF file. When {@code symbolGiven} is false and the file has
     * no such symbol, its only function is taken; several functions are a usage error listing them.
     */
    public static Routine load(ElfFile elf, String symbol, boolean symbolGiven, long base) {
        if ((base & 0xfff) != 0) throw new IllegalArgumentException("base " + Long.toHexString(base) + " is not page-aligned");
        List<ElfFile.Symbol> table = !elf.symtab().isEmpty() ? elf.symtab() : elf.dynsym();
        if (table.isEmpty()) throw new AsmException(elf.name() + ": no symbol table (.symtab or .dynsym): cannot find a routine");
        ElfFile.Symbol chosen = find(elf, symbol);
        if (chosen == null) {
            List<ElfFile.Symbol> functions = functions(elf);
            List<ElfFile.Symbol> sizeless = functions.isEmpty() ? sizelessFunctions(elf) : List.of();
            if (!symbolGiven && functions.size() == 1) {
                chosen = functions.get(0);
            } else if (!symbolGiven && functions.isEmpty() && sizeless.size() == 1) {
                chosen = sizeless.get(0);   // hand-written code without .size, alone in the file
            } else {
                List<String> names = functions.stream().map(ElfFile.Symbol::name).distinct().sorted().toList();
                String list = names.size() > 12 ? String.join(", ", names.subList(0, 12)) + ", … (" + names.size() + ")"
                        : String.join(", ", names);
                String reason = symbol == null ? (names.isEmpty() ? "no function with a size in the symbol table: name the routine with --symbol"
                        : "several functions: pick one with --symbol")
                        : symbolGiven || names.size() <= 1 ? "no function '" + symbol + "'"
                        : symbol == null ? "several functions: pick one with --symbol"
                        : "no function '" + symbol + "', and several others: pick one with --symbol";
                List<String> unsized = sizeless.stream().map(ElfFile.Symbol::name).distinct().sorted().toList();
                throw new AsmException(elf.name() + ": " + reason
                        + (!names.isEmpty() ? " (functions: " + list + ")"
                        : unsized.isEmpty() ? " (no functions defined)"
                        : " (functions without a size: " + String.join(", ", unsized.subList(0, Math.min(12, unsized.size())))
                                + (unsized.size() > 12 ? ", …" : "") + ")"));
            }
        }
        Assembly a = elf.machine() == ElfFile.EM_AARCH64 ? Arm64ElfInput.build(elf, chosen, base) : build(elf, chosen, base);
        return new Routine(chosen.name(), a, elf);
    }

    /** Whether the file defines {@code name} (any defined symbol, with or without a size). */
    public static boolean defines(ElfFile elf, String name) {
        return find(elf, name) != null;
    }

    /** Defined functions with a size, in code sections (from .symtab, else .dynsym). */
    public static List<ElfFile.Symbol> functions(ElfFile elf) {
        List<ElfFile.Symbol> table = !elf.symtab().isEmpty() ? elf.symtab() : elf.dynsym();
        List<ElfFile.Symbol> out = new ArrayList<>();
        for (ElfFile.Symbol s : table) {
            ElfFile.Section sec = s.defined() ? elf.section(s.shndx()) : null;
            if (s.type() == ElfFile.STT_FUNC && s.size() > 0 && sec != null && sec.code() && !s.name().isEmpty()) out.add(s);
        }
        return out;
    }

    /** Defined functions in code sections whose size is 0 (hand-written code without .size). */
    private static List<ElfFile.Symbol> sizelessFunctions(ElfFile elf) {
        List<ElfFile.Symbol> table = !elf.symtab().isEmpty() ? elf.symtab() : elf.dynsym();
        List<ElfFile.Symbol> out = new ArrayList<>();
        for (ElfFile.Symbol s : table) {
            ElfFile.Section sec = s.defined() ? elf.section(s.shndx()) : null;
            if (s.type() == ElfFile.STT_FUNC && s.size() == 0 && sec != null && sec.code() && !s.name().isEmpty()) out.add(s);
        }
        return out;
    }

    static ElfFile.Symbol find(ElfFile elf, String name) {
        if (name == null) return null;
        for (List<ElfFile.Symbol> t : List.of(elf.symtab(), elf.dynsym())) {
            for (ElfFile.Symbol s : t) if (s.name().equals(name) && s.defined()) return s;
        }
        return null;
    }

    private static Assembly build(ElfFile elf, ElfFile.Symbol routine, long base) {
        String what = elf.name() + ": symbol '" + routine.name() + "'";
        ElfFile.Section sec = elf.section(routine.shndx());
        if (sec == null) throw new AsmException(what + " is in section " + routine.shndx() + ", which does not exist");
        if (!sec.code()) throw new AsmException(what + " is in " + sec.name() + ", not a code section");
        boolean relocatable = elf.type() == ElfFile.ET_REL;
        long start = relocatable ? routine.value() : routine.value() - sec.addr();   // offset in the section
        if (start < 0 || start >= sec.size() || routine.size() < 0 || routine.size() > sec.size() - start) {
            throw new AsmException(what + " (value 0x" + Long.toHexString(routine.value()) + ", size " + Long.toUnsignedString(routine.size())
                    + ") lies outside its section " + sec.name() + " (" + sec.size() + " bytes)");
        }
        if (routine.size() > MAX_ROUTINE) throw new AsmException(what + " is " + routine.size() + " bytes long; at most " + MAX_ROUTINE);
        // Hand-written code often has no .size (the symbol's size is 0): the routine then runs to the
        // next function or global symbol of its section, or the section's end (a local label inside it
        // is no end), and stops before bytes Capstone cannot decode (data after it), as objdump lists it.
        boolean sized = routine.size() > 0;
        long size = sized ? routine.size() : Math.min(MAX_ROUTINE, implicitEnd(elf, sec, routine, start, relocatable) - start);

        // The window of the section that becomes the code.
        long from = 0, to = sec.size();
        if (sec.size() > WHOLE_SECTION) {
            from = Math.max(0, (start - WINDOW) & ~0xfffL);
            to = Math.min(sec.size(), start + size + WINDOW);
        }
        byte[] code = elf.bytes(sec, from, to);
        long sectionAddr = relocatable ? 0 : sec.addr();   // symbol values: section offsets (.o) or addresses
        long delta = from + sectionAddr;                   // code offset = value - delta

        Map<String, Assembly.Symbol> symbols = new LinkedHashMap<>();
        for (List<ElfFile.Symbol> t : List.of(elf.symtab(), elf.dynsym())) {
            for (ElfFile.Symbol s : t) {
                if (s.shndx() != sec.index() || s.name().isEmpty() || s.type() == ElfFile.STT_SECTION || s.type() == ElfFile.STT_FILE) continue;
                long off = s.value() - delta;
                if (off < 0 || off > code.length) continue;
                symbols.putIfAbsent(s.name(), new Assembly.Symbol(s.name(), off, s.bind() != ElfFile.STB_LOCAL,
                        s.type() == ElfFile.STT_FUNC && s.size() > 0 ? s.size() : -1));
            }
        }
        long routineOffset = start - from;

        List<Relocation> relocations = new ArrayList<>();
        List<Instruction> insns;
        try (Disassembler d = Disassembler.open()) {
            if (!sized) {   // instruction lengths do not depend on the relocations' values: decode first
                long decoded = 0;
                for (Instruction i : d.disassemble(code, (int) routineOffset, (int) size, base + routineOffset, 0)) decoded += i.size();
                if (decoded == 0) throw new AsmException(what + " has no size, and Capstone cannot decode the bytes at it ("
                        + hex(code, (int) routineOffset, 8) + "): data or a foreign instruction set");
                size = decoded;
            }
            if (relocatable) applyObjectRelocations(elf, sec, code, from, routineOffset, size, relocations, d, base);
            insns = d.disassemble(code, (int) routineOffset, (int) size, base + routineOffset, 0);
        }
        if (!relocatable) nameExits(elf, sec, insns, code.length, base, delta, relocations);

        List<Assembly.Line> lines = new ArrayList<>();
        long covered = routineOffset;
        TreeMap<Long, DwarfLines.Position> dwarf = DwarfLines.of(elf, sec);   // keys: code offset + delta
        for (Instruction i : insns) {
            long off = i.address() - base;
            var row = dwarf.floorEntry(off + delta);
            SourceLocation where = row != null && row.getKey() >= routineOffset + delta
                    ? new SourceLocation(row.getValue().file(), row.getValue().line())
                    : where(elf, routine.name(), off - routineOffset);
            lines.add(new Assembly.Line(off, i.size(), where,
                    i.mnemonic() + (i.opStr().isEmpty() ? "" : " " + i.opStr()), true));
            covered = off + i.size();
        }
        if (covered < routineOffset + size) {
            long bad = covered - routineOffset;
            throw new AsmException(elf.name() + ":" + routine.name() + "+0x" + Long.toHexString(bad)
                    + ": Capstone cannot decode the bytes there (" + hex(code, (int) covered, 8) + "): data or a foreign instruction set");
        }
        relocations.sort((x, y) -> Long.compare(x.offset(), y.offset()));
        return new Assembly(code, base, symbols, lines, relocations);
    }

    /**
     * Where a routine without a size ends (section offset): at the next function or global symbol of
     * its section, else the section's end. Local labels (a {@code retry:} in the routine is one in
     * the symbol table) do not end it.
     */
    static long implicitEnd(ElfFile elf, ElfFile.Section sec, ElfFile.Symbol routine, long start, boolean relocatable) {
        long end = sec.size();
        for (List<ElfFile.Symbol> t : List.of(elf.symtab(), elf.dynsym())) {
            for (ElfFile.Symbol s : t) {
                if (s.shndx() != sec.index() || s.name().isEmpty()) continue;
                if (s.type() != ElfFile.STT_FUNC && s.bind() == ElfFile.STB_LOCAL) continue;
                long off = relocatable ? s.value() : s.value() - sec.addr();
                if (off > start && off < end) end = off;
            }
        }
        return end;
    }

    static SourceLocation where(ElfFile elf, String symbol, long offset) {
        return new SourceLocation(elf.name() + ":" + symbol + "+0x" + Long.toHexString(offset), 0);
    }

    /**
     * A relocatable object's relocations on the code: PC-relative ones against the same section are
     * applied (S + A - P); references to anything else inside the routine are recorded.
     */
    private static void applyObjectRelocations(ElfFile elf, ElfFile.Section sec, byte[] code, long from, long routineOffset,
                                               long routineSize, List<Relocation> out, Disassembler d, long base) {
        ByteBuffer bb = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        // instruction starts of the routine, to name the instruction holding a field
        TreeMap<Long, Instruction> starts = new TreeMap<>();
        for (Instruction i : d.disassemble(code, (int) routineOffset, (int) routineSize, base + routineOffset, 0)) {
            starts.put(i.address() - base, i);
        }
        for (ElfFile.Section rela : elf.sections()) {
            if (rela.type() != ElfFile.SHT_RELA || rela.info() != sec.index()) continue;
            List<ElfFile.Symbol> syms = elf.symbolsOf(rela);
            for (ElfFile.Rela r : elf.relocations(rela)) {
                long field = r.offset() - from;
                int width = r.type() == R_X86_64_64 ? 8 : 4;
                if (field < 0 || field + width > code.length) continue;   // outside the window
                if (r.symbol() < 0 || r.symbol() >= syms.size()) {
                    throw new AsmException(elf.name() + ": relocation at " + rela.name() + "+0x" + Long.toHexString(r.offset())
                            + " names symbol " + r.symbol() + " of " + syms.size());
                }
                ElfFile.Symbol s = syms.get(r.symbol());
                boolean pcRelative = r.type() == R_X86_64_PC32 || r.type() == R_X86_64_PLT32;
                if (pcRelative && s.shndx() == sec.index()) {
                    long target = s.value() - from + r.addend();
                    bb.putInt((int) field, (int) (target - field));
                    continue;
                }
                boolean inRoutine = field >= routineOffset && field < routineOffset + routineSize;
                if (!inRoutine) continue;
                var holder = starts.floorEntry(field);
                long insn = holder == null ? field : holder.getKey();
                String name = s.type() == ElfFile.STT_SECTION ? sectionName(elf, s) : s.name();
                Relocation.Kind kind = kind(holder == null ? null : holder.getValue(), pcRelative);
                if (r.type() == R_X86_64_PLT32) name += "@PLT";
                out.add(new Relocation(field, width, name, r.addend(), insn, kind));
            }
        }
    }

    static String sectionName(ElfFile elf, ElfFile.Symbol s) {
        ElfFile.Section sec = elf.section(s.shndx());
        return sec == null ? "section" + s.shndx() : sec.name();
    }

    private static Relocation.Kind kind(Instruction i, boolean pcRelative) {
        if (i == null || !pcRelative) return Relocation.Kind.DATA;
        String m = i.mnemonic();
        if (m.startsWith("call")) return Relocation.Kind.CALL;
        if (m.startsWith("j")) return Relocation.Kind.JUMP;
        return Relocation.Kind.DATA;
    }

    /**
     * A shared library's or executable's references out of the code: calls and jumps (to PLT
     * stubs, named after their function) and RIP-relative operands.
     */
    private static void nameExits(ElfFile elf, ElfFile.Section sec, List<Instruction> insns, long codeLength, long base,
                                  long delta, List<Relocation> out) {
        Map<Long, String> got = gotSlots(elf);
        Map<Long, String> plt = pltStubs(elf, got);
        for (Instruction i : insns) {
            long off = i.address() - base;
            for (Instruction.Operand o : i.operands()) {
                long target;
                int field, width;
                Relocation.Kind kind;
                if (o instanceof Instruction.Imm imm && i.immSize() == 4 && (i.mnemonic().startsWith("call") || i.mnemonic().startsWith("j"))) {
                    target = imm.value();
                    field = i.immOffset();
                    width = 4;
                    kind = i.mnemonic().startsWith("call") ? Relocation.Kind.CALL : Relocation.Kind.JUMP;
                } else if (o instanceof Instruction.Mem m && m.ripRelative() && i.dispSize() == 4) {
                    target = i.address() + i.size() + m.disp();
                    field = i.dispOffset();
                    width = 4;
                    // "call *f@GOTPCREL(%rip)" (-fno-plt) calls through the GOT slot
                    kind = i.mnemonic().startsWith("call") ? Relocation.Kind.CALL
                            : i.mnemonic().startsWith("j") ? Relocation.Kind.JUMP : Relocation.Kind.DATA;
                } else {
                    continue;
                }
                if (target >= base && target < base + codeLength) continue;   // stays in the code
                long vaddr = target - base + delta;                            // where it points in the file's addresses
                String name;
                if (o instanceof Instruction.Imm && plt.containsKey(vaddr)) {
                    name = plt.get(vaddr) + "@PLT";
                } else if (o instanceof Instruction.Mem && got.containsKey(vaddr)) {
                    name = got.get(vaddr) + "@GOTPCREL";
                } else {
                    name = symbolAt(elf, vaddr);
                }
                out.add(new Relocation(off + field, width, name, -4 - (i.size() - field - width), off, kind));
            }
        }
    }

    static final int R_X86_64_GLOB_DAT = 6;

    /** GOT slot address -> symbol, from the dynamic relocations (GLOB_DAT, JUMP_SLOT). */
    static Map<Long, String> gotSlots(ElfFile elf) {
        Map<Long, String> out = new HashMap<>();
        for (ElfFile.Section rela : elf.sections()) {
            if (rela.type() != ElfFile.SHT_RELA || (rela.flags() & ElfFile.SHF_ALLOC) == 0) continue;
            List<ElfFile.Symbol> syms = elf.symbolsOf(rela);
            for (ElfFile.Rela r : elf.relocations(rela)) {
                if ((r.type() == R_X86_64_GLOB_DAT || r.type() == R_X86_64_JUMP_SLOT) && r.symbol() > 0 && r.symbol() < syms.size()) {
                    out.put(r.offset(), syms.get(r.symbol()).name());
                }
            }
        }
        return out;
    }

    /**
     * PLT stub address -> function name: from .rela.plt (JUMP_SLOT i is stub i of .plt.sec, or stub
     * i+1 of .plt), and the {@code .plt.got} stubs ({@code jmp *slot(%rip)}) through their GOT slot.
     */
    static Map<Long, String> pltStubs(ElfFile elf, Map<Long, String> got) {
        Map<Long, String> out = new HashMap<>();
        ElfFile.Section pltGot = elf.section(".plt.got");
        if (pltGot != null && pltGot.code() && pltGot.size() <= WHOLE_SECTION) {
            byte[] b = elf.bytes(pltGot, 0, pltGot.size());
            try (Disassembler d = Disassembler.open()) {
                for (Instruction i : d.disassemble(b, pltGot.addr())) {
                    if (i.mnemonic().startsWith("jmp") && !i.operands().isEmpty()
                            && i.operands().get(0) instanceof Instruction.Mem m && m.ripRelative()) {
                        String name = got.get(i.address() + i.size() + m.disp());
                        // the stub starts at its (optional) endbr64, 8 bytes per stub without IBT, 16 with
                        long stub = i.address() - (i.address() - pltGot.addr()) % (pltGot.entsize() > 0 ? pltGot.entsize() : 8);
                        if (name != null) out.put(stub, name);
                    }
                }
            }
        }
        ElfFile.Section relaPlt = elf.section(".rela.plt");
        ElfFile.Section pltSec = elf.section(".plt.sec");
        ElfFile.Section plt = elf.section(".plt");
        if (relaPlt == null || relaPlt.type() != ElfFile.SHT_RELA || (plt == null && pltSec == null)) return out;
        List<ElfFile.Symbol> syms = elf.symbolsOf(relaPlt);
        int k = 0;
        for (ElfFile.Rela r : elf.relocations(relaPlt)) {
            if (r.type() == R_X86_64_JUMP_SLOT && r.symbol() > 0 && r.symbol() < syms.size()) {
                String name = syms.get(r.symbol()).name();
                long stub = pltSec != null ? pltSec.addr() + 16L * k : plt.addr() + 16L * (k + 1);
                out.put(stub, name);
            }
            k++;
        }
        return out;
    }

    static String symbolAt(ElfFile elf, long vaddr) {
        for (List<ElfFile.Symbol> t : List.of(elf.symtab(), elf.dynsym())) {
            for (ElfFile.Symbol s : t) {
                if (s.defined() && !s.name().isEmpty() && s.type() != ElfFile.STT_SECTION
                        && (s.value() == vaddr || (s.value() < vaddr && vaddr - s.value() < s.size()))) {
                    return s.value() == vaddr ? s.name() : s.name() + "+0x" + Long.toHexString(vaddr - s.value());
                }
            }
        }
        return "0x" + Long.toHexString(vaddr);
    }

    static String hex(byte[] b, int from, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < Math.min(b.length, from + max); i++) sb.append(sb.isEmpty() ? "" : " ").append(String.format("%02x", b[i]));
        return sb.toString();
    }
}
