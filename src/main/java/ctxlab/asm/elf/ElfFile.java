package ctxlab.asm.elf;

import ctxlab.asm.AsmException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An ELF64 little-endian x86-64 or AArch64 file (relocatable object, executable or shared library), read by
 * section headers: sections, {@code .symtab}/{@code .dynsym}, {@code SHT_RELA} relocations. Every
 * offset and size is checked against the file before it is used, so a hostile file is an
 * {@link AsmException} naming the file, never a read past its end or a huge allocation.
 */
public final class ElfFile {
    /** Larger files are refused before they are read (shared libraries of switch routines are small). */
    public static final long MAX_FILE = 256L << 20;

    public static final int ET_REL = 1, ET_EXEC = 2, ET_DYN = 3;
    public static final int EM_X86_64 = 62, EM_AARCH64 = 183;
    public static final int SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4, SHT_NOBITS = 8,
            SHT_DYNSYM = 11;
    public static final long SHF_ALLOC = 2, SHF_EXECINSTR = 4;
    public static final int STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4;
    public static final int STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
    public static final int SHN_UNDEF = 0, SHN_LORESERVE = 0xff00;

    public record Section(int index, String name, int type, long flags, long addr, long offset, long size,
                          int link, int info, long entsize) {
        public boolean code() {
            return type == SHT_PROGBITS && (flags & SHF_EXECINSTR) != 0;
        }

        public boolean contains(long address) {
            return address >= addr && address - addr < size;
        }
    }

    /** A symbol; {@code shndx} 0 = undefined. {@code dynamic}: from {@code .dynsym}. */
    public record Symbol(int index, String name, long value, long size, int type, int bind, int shndx, boolean dynamic) {
        public boolean defined() {
            return shndx != SHN_UNDEF && shndx < SHN_LORESERVE;
        }
    }

    /** One {@code Elf64_Rela}. */
    public record Rela(long offset, int type, int symbol, long addend) {}

    private final String name;
    private final byte[] data;
    private final ByteBuffer bb;
    private final int type;
    private final int machine;
    private final List<Section> sections;
    private final List<Symbol> symtab;
    private final List<Symbol> dynsym;

    private ElfFile(String name, byte[] data) {
        this.name = name;
        this.data = data;
        this.bb = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (data.length < 64) throw bad("truncated ELF header (" + data.length + " bytes, 64 needed)");
        if (!isElf(data)) throw bad("not an ELF file");
        if (data[4] != 2) throw bad("not a 64-bit ELF file (class " + Byte.toUnsignedInt(data[4]) + "): only ELF64 x86-64 and AArch64 are supported");
        if (data[5] != 1) throw bad("not a little-endian ELF file (data encoding " + Byte.toUnsignedInt(data[5]) + ")");
        machine = Short.toUnsignedInt(bb.getShort(18));
        if (machine != EM_X86_64 && machine != EM_AARCH64) {
            throw bad("not an x86-64 or AArch64 ELF file (e_machine " + machine + machineName(machine)
                    + "; x86-64 is 62, AArch64 183)");
        }
        type = Short.toUnsignedInt(bb.getShort(16));
        if (type != ET_REL && type != ET_EXEC && type != ET_DYN) {
            throw bad("unsupported ELF type " + type + " (relocatable object, executable or shared library expected)");
        }
        sections = readSections();
        symtab = readSymbols(SHT_SYMTAB);
        dynsym = readSymbols(SHT_DYNSYM);
    }

    public static boolean isElf(byte[] head) {
        return head.length >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
    }

    /** Whether the file starts with the ELF magic (the extension does not matter). */
    public static boolean isElf(Path path) {
        // Only a regular file can be an ELF object; a FIFO must be opened once, by the source reader.
        if (!Files.isRegularFile(path)) return false;
        try (var in = Files.newInputStream(path)) {
            return isElf(in.readNBytes(4));
        } catch (IOException e) {
            return false;
        }
    }

    public static ElfFile read(Path path, String name) {
        try {
            long size = Files.size(path);
            if (size > MAX_FILE) throw new AsmException(name + ": ELF file too large (" + size + " bytes; at most " + MAX_FILE + ")");
            return new ElfFile(name, Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            throw new AsmException(name + ": no such file");
        } catch (IOException e) {
            throw new AsmException(name + ": cannot read: " + e.getMessage());
        }
    }

    public static ElfFile parse(String name, byte[] data) {
        return new ElfFile(name, data.clone());
    }

    AsmException bad(String reason) {
        return new AsmException(name + ": " + reason);
    }

    public String name() {
        return name;
    }

    public int type() {
        return type;
    }

    /** {@link #EM_X86_64} or {@link #EM_AARCH64}. */
    public int machine() {
        return machine;
    }

    /** " (name)" for a few well-known e_machine values, else "": for messages. */
    public static String machineName(int machine) {
        String n = switch (machine) {
            case 3 -> "i386";
            case 8 -> "MIPS";
            case 20 -> "PowerPC";
            case 21 -> "PowerPC64";
            case 22 -> "S/390";
            case 40 -> "32-bit ARM";
            case 43 -> "SPARC V9";
            case 62 -> "x86-64";
            case 183 -> "AArch64";
            case 243 -> "RISC-V";
            case 258 -> "LoongArch";
            default -> null;
        };
        return n == null ? "" : " (" + n + ")";
    }

    public String typeName() {
        return switch (type) {
            case ET_REL -> "relocatable object";
            case ET_EXEC -> "executable";
            default -> "shared library";
        };
    }

    public List<Section> sections() {
        return sections;
    }

    public List<Symbol> symtab() {
        return symtab;
    }

    public List<Symbol> dynsym() {
        return dynsym;
    }

    public Section section(int index) {
        if (index <= 0 || index >= sections.size()) return null;
        return sections.get(index);
    }

    public Section section(String sectionName) {
        for (Section s : sections) if (s.name().equals(sectionName)) return s;
        return null;
    }

    /** The section's bytes (zeros for NOBITS); bounds were checked when the headers were read. */
    public byte[] bytes(Section s) {
        if (s.type() == SHT_NOBITS) {
            throw bad("section " + s.name() + " has no bytes in the file");
        }
        return Arrays.copyOfRange(data, (int) s.offset(), (int) (s.offset() + s.size()));
    }

    /** Bytes {@code [from, to)} of a section, copied without the rest of it. */
    public byte[] bytes(Section s, long from, long to) {
        if (s.type() == SHT_NOBITS) throw bad("section " + s.name() + " has no bytes in the file");
        if (from < 0 || to < from || to > s.size()) throw new IllegalArgumentException("range outside " + s.name());
        return Arrays.copyOfRange(data, (int) (s.offset() + from), (int) (s.offset() + to));
    }

    /** The {@code Elf64_Rela} entries of a {@code SHT_RELA} section. */
    public List<Rela> relocations(Section rela) {
        if (rela.type() != SHT_RELA) throw new IllegalArgumentException(rela.name() + " is not SHT_RELA");
        if (rela.entsize() != 24) throw bad("section " + rela.name() + ": relocation entry size " + Long.toUnsignedString(rela.entsize()) + ", 24 expected");
        List<Rela> out = new ArrayList<>();
        for (long p = rela.offset(); p + 24 <= rela.offset() + rela.size(); p += 24) {
            long info = bb.getLong((int) p + 8);
            out.add(new Rela(bb.getLong((int) p), (int) info, (int) (info >>> 32), bb.getLong((int) p + 16)));
        }
        return out;
    }

    /** The symbol table a relocation section refers to (its sh_link). */
    public List<Symbol> symbolsOf(Section rela) {
        Section link = section(rela.link());
        if (link == null) throw bad("section " + rela.name() + " links to no symbol table (sh_link " + Integer.toUnsignedString(rela.link()) + ")");
        return link.type() == SHT_DYNSYM ? dynsym : symtab;
    }

    // ---- reading ------------------------------------------------------------------------------

    private List<Section> readSections() {
        long shoff = bb.getLong(40);
        int shentsize = Short.toUnsignedInt(bb.getShort(58));
        int shnum = Short.toUnsignedInt(bb.getShort(60));
        int shstrndx = Short.toUnsignedInt(bb.getShort(62));
        if (shoff == 0 || shnum == 0) throw bad("no section headers (a stripped or unusual file): symbols cannot be found");
        if (shentsize != 64) throw bad("section header size " + shentsize + ", 64 expected");
        if (shoff < 0 || shoff > data.length || (long) shnum * 64 > data.length - shoff) {
            throw bad("section header table (" + shnum + " entries at offset " + Long.toUnsignedString(shoff) + ") lies past the end of the file ("
                    + data.length + " bytes)");
        }
        if (shstrndx >= shnum) throw bad("section name table index " + shstrndx + " out of range (" + shnum + " sections)");
        long[][] raw = new long[shnum][];
        for (int i = 0; i < shnum; i++) {
            int p = (int) (shoff + 64L * i);
            raw[i] = new long[] {Integer.toUnsignedLong(bb.getInt(p)), Integer.toUnsignedLong(bb.getInt(p + 4)), bb.getLong(p + 8),
                    bb.getLong(p + 16), bb.getLong(p + 24), bb.getLong(p + 32), Integer.toUnsignedLong(bb.getInt(p + 40)),
                    Integer.toUnsignedLong(bb.getInt(p + 44)), bb.getLong(p + 56)};
        }
        List<Section> out = new ArrayList<>();
        for (int i = 0; i < shnum; i++) {
            long[] r = raw[i];
            int stype = (int) r[1];
            long offset = r[4], size = r[5];
            if (i > 0 && stype != SHT_NOBITS && stype != 0 && (offset < 0 || size < 0 || offset > data.length
                    || size > data.length - offset)) {
                throw bad("section " + i + " (offset " + Long.toUnsignedString(offset) + ", size " + Long.toUnsignedString(size) + ") lies past the end of the file ("
                        + data.length + " bytes)");
            }
            out.add(new Section(i, null, stype, r[2], r[3], offset, size, (int) r[6], (int) r[7], r[8]));
        }
        Section strtab = out.get(shstrndx);
        if (strtab.type() != SHT_STRTAB) throw bad("section name table (section " + shstrndx + ") is not a string table");
        List<Section> named = new ArrayList<>();
        for (Section s : out) {
            String n = s.index() == 0 ? "" : string(strtab, Integer.toUnsignedLong(bb.getInt((int) (shoff + 64L * s.index()))));
            named.add(new Section(s.index(), n, s.type(), s.flags(), s.addr(), s.offset(), s.size(), s.link(), s.info(),
                    s.entsize()));
        }
        return List.copyOf(named);
    }

    private List<Symbol> readSymbols(int kind) {
        Section table = null;
        for (Section s : sections) if (s.type() == kind) { table = s; break; }
        if (table == null) return List.of();
        if (table.entsize() != 24) throw bad("symbol table " + table.name() + ": entry size " + Long.toUnsignedString(table.entsize()) + ", 24 expected");
        if (table.link() <= 0 || table.link() >= sections.size() || sections.get(table.link()).type() != SHT_STRTAB) {
            throw bad("symbol table " + table.name() + " has no string table (sh_link " + Integer.toUnsignedString(table.link()) + ")");
        }
        Section strings = sections.get(table.link());
        List<Symbol> out = new ArrayList<>();
        int count = (int) (table.size() / 24);
        for (int i = 0; i < count; i++) {
            int p = (int) (table.offset() + 24L * i);
            long nameOff = Integer.toUnsignedLong(bb.getInt(p));
            int info = Byte.toUnsignedInt(data[p + 4]);
            int shndx = Short.toUnsignedInt(bb.getShort(p + 6));
            long value = bb.getLong(p + 8), size = bb.getLong(p + 16);
            out.add(new Symbol(i, string(strings, nameOff), value, size, info & 0xf, info >>> 4, shndx, kind == SHT_DYNSYM));
        }
        return List.copyOf(out);
    }

    /** A NUL-terminated string of a string table, bounded by the table. */
    String string(Section strtab, long offset) {
        if (offset < 0 || offset >= strtab.size()) {
            if (offset == 0 && strtab.size() == 0) return "";
            throw bad("string offset " + offset + " outside " + (strtab.name() == null ? "the section name table" : strtab.name())
                    + " (" + strtab.size() + " bytes)");
        }
        int from = (int) (strtab.offset() + offset), end = from;
        int limit = (int) (strtab.offset() + strtab.size());
        while (end < limit && data[end] != 0) end++;
        if (end == limit) throw bad("unterminated string at offset " + offset + " of a string table");
        return new String(data, from, end - from, StandardCharsets.UTF_8);
    }
}
