package ctxlab.asm.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The address → {@code file:line} table of an ELF file's {@code .debug_line} (DWARF 2–5), read only
 * as far as a listing needs: rows of the line programs, for one code section. In a relocatable
 * object the program's addresses and string offsets are relocation targets, so {@code .rela.debug_line}
 * is applied first and each sequence is kept only when its {@code DW_LNE_set_address} refers to the
 * wanted section.
 *
 * <p>Line information is optional: anything unexpected (an unknown form, a truncated table, a hostile
 * length) yields an empty table instead of an error, and every read is bounded by the section.
 */
public final class DwarfLines {
    private DwarfLines() {}

    /** A source position. */
    public record Position(String file, int line) {}

    /**
     * For the code section {@code code}: section offset (.o) or address (.so, executable) → position
     * of the row that starts there. Empty when there is no usable line information.
     */
    public static TreeMap<Long, Position> of(ElfFile elf, ElfFile.Section code) {
        try {
            return read(elf, code);
        } catch (RuntimeException e) {
            return new TreeMap<>();
        }
    }

    private static final int DW_LNS_copy = 1, DW_LNS_advance_pc = 2, DW_LNS_advance_line = 3, DW_LNS_set_file = 4,
            DW_LNS_const_add_pc = 8, DW_LNS_fixed_advance_pc = 9;
    private static final int DW_LNE_end_sequence = 1, DW_LNE_set_address = 2;
    private static final int DW_LNCT_path = 1, DW_LNCT_directory_index = 2;

    private static TreeMap<Long, Position> read(ElfFile elf, ElfFile.Section code) {
        TreeMap<Long, Position> out = new TreeMap<>();
        ElfFile.Section lines = elf.section(".debug_line");
        if (lines == null || lines.type() == ElfFile.SHT_NOBITS || lines.size() > ElfFile.MAX_FILE) return out;
        byte[] data = elf.bytes(lines, 0, lines.size());
        ByteBuffer bb = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        ElfFile.Section lineStr = elf.section(".debug_line_str");
        ElfFile.Section str = elf.section(".debug_str");
        byte[] lineStrData = lineStr == null || lineStr.type() == ElfFile.SHT_NOBITS ? new byte[0] : elf.bytes(lineStr, 0, lineStr.size());
        byte[] strData = str == null || str.type() == ElfFile.SHT_NOBITS ? new byte[0] : elf.bytes(str, 0, str.size());

        // In an object, set_address fields name a section: remember which, and apply the addends.
        Map<Integer, Integer> addressSection = new HashMap<>();
        boolean relocatable = elf.type() == ElfFile.ET_REL;
        if (relocatable) {
            for (ElfFile.Section rela : elf.sections()) {
                if (rela.type() != ElfFile.SHT_RELA || rela.info() != lines.index()) continue;
                List<ElfFile.Symbol> syms = elf.symbolsOf(rela);
                for (ElfFile.Rela r : elf.relocations(rela)) {
                    if (r.symbol() <= 0 || r.symbol() >= syms.size() || r.offset() < 0) continue;
                    ElfFile.Symbol s = syms.get(r.symbol());
                    long value = s.value() + r.addend();
                    boolean a64 = elf.machine() == ElfFile.EM_AARCH64;
                    if (r.type() == (a64 ? 257 : 1) && r.offset() + 8 <= data.length) {            // R_X86_64_64, R_AARCH64_ABS64
                        bb.putLong((int) r.offset(), value);
                        addressSection.put((int) r.offset(), s.shndx());
                    } else if (r.type() == (a64 ? 258 : 10) && r.offset() + 4 <= data.length) {    // R_X86_64_32, R_AARCH64_ABS32
                        bb.putInt((int) r.offset(), (int) value);
                    }
                }
            }
        }

        int unit = 0;
        while (unit + 4 <= data.length) {
            long length = Integer.toUnsignedLong(bb.getInt(unit));
            int offsetSize = 4, p = unit + 4;
            if (length == 0xffffffffL) {
                length = bb.getLong(p);
                p += 8;
                offsetSize = 8;
            }
            if (length <= 0 || length > data.length - p) break;
            int end = (int) (p + length);
            int version = Short.toUnsignedInt(bb.getShort(p));
            p += 2;
            if (version < 2 || version > 5) break;
            if (version >= 5) p += 2;   // address_size, segment_selector_size
            long headerLength = offsetSize == 8 ? bb.getLong(p) : Integer.toUnsignedLong(bb.getInt(p));
            p += offsetSize;
            int program = (int) (p + headerLength);
            if (headerLength < 0 || program > end) break;
            int minInsn = Byte.toUnsignedInt(data[p++]);
            if (version >= 4) p++;      // maximum_operations_per_instruction
            p++;                        // default_is_stmt
            int lineBase = data[p++];
            int lineRange = Byte.toUnsignedInt(data[p++]);
            int opcodeBase = Byte.toUnsignedInt(data[p++]);
            if (lineRange == 0 || opcodeBase == 0) break;
            int[] argc = new int[opcodeBase];
            for (int i = 1; i < opcodeBase; i++) argc[i] = Byte.toUnsignedInt(data[p++]);
            List<String> dirs = new ArrayList<>();
            List<String> files = new ArrayList<>();
            int[] cursor = {p};
            if (version >= 5) {
                dirs.addAll(entries(bb, data, cursor, offsetSize, lineStrData, strData, null));
                files.addAll(entries(bb, data, cursor, offsetSize, lineStrData, strData, dirs));
            } else {
                files.add("?");   // DWARF 2-4 number files from 1
                while (data[cursor[0]] != 0) dirs.add(cstring(data, cursor));
                cursor[0]++;
                while (data[cursor[0]] != 0) {
                    files.add(cstring(data, cursor));
                    uleb(data, cursor);
                    uleb(data, cursor);
                    uleb(data, cursor);
                }
            }
            run(bb, data, program, end, minInsn, lineBase, lineRange, opcodeBase, argc, files, addressSection,
                    relocatable, code, out);
            unit = end;
        }
        return out;
    }

    private static void run(ByteBuffer bb, byte[] data, int from, int end, int minInsn, int lineBase, int lineRange,
                            int opcodeBase, int[] argc, List<String> files, Map<Integer, Integer> addressSection,
                            boolean relocatable, ElfFile.Section code, TreeMap<Long, Position> out) {
        long address = 0;
        long file = 1, line = 1;
        boolean wanted = !relocatable;
        int[] c = {from};
        while (c[0] < end) {
            int op = Byte.toUnsignedInt(data[c[0]++]);
            if (op >= opcodeBase) {
                int adj = op - opcodeBase;
                address += (long) (adj / lineRange) * minInsn;
                line += lineBase + adj % lineRange;
                row(out, wanted, code, relocatable, address, files, file, line);
            } else if (op == 0) {
                long len = uleb(data, c);
                int next = (int) Math.min(end, c[0] + len);
                if (len <= 0 || c[0] + len > end) return;
                int sub = Byte.toUnsignedInt(data[c[0]]);
                if (sub == DW_LNE_end_sequence) {
                    address = 0; file = 1; line = 1;
                    wanted = !relocatable;
                } else if (sub == DW_LNE_set_address && len == 9) {
                    address = bb.getLong(c[0] + 1);
                    if (relocatable) {
                        Integer sec = addressSection.get(c[0] + 1);
                        wanted = sec != null && sec == code.index();
                    }
                }
                c[0] = next;
            } else if (op == DW_LNS_copy) {
                row(out, wanted, code, relocatable, address, files, file, line);
            } else if (op == DW_LNS_advance_pc) {
                address += uleb(data, c) * minInsn;
            } else if (op == DW_LNS_advance_line) {
                line += sleb(data, c);
            } else if (op == DW_LNS_set_file) {
                file = uleb(data, c);
            } else if (op == DW_LNS_const_add_pc) {
                address += (long) ((255 - opcodeBase) / lineRange) * minInsn;
            } else if (op == DW_LNS_fixed_advance_pc) {
                address += Short.toUnsignedInt(bb.getShort(c[0]));
                c[0] += 2;
            } else {
                for (int i = 0; i < argc[op]; i++) uleb(data, c);
            }
        }
    }

    private static void row(TreeMap<Long, Position> out, boolean wanted, ElfFile.Section code, boolean relocatable,
                            long address, List<String> files, long file, long line) {
        if (!wanted || line <= 0 || line > Integer.MAX_VALUE) return;
        if (!relocatable && !code.contains(address)) return;
        String name = file >= 0 && file < files.size() ? files.get((int) file) : "file" + file;
        out.putIfAbsent(address, new Position(name, (int) line));
    }

    /** A DWARF 5 directory or file-name table; file names keep only their last path element. */
    private static List<String> entries(ByteBuffer bb, byte[] data, int[] c, int offsetSize, byte[] lineStr, byte[] str,
                                        List<String> dirs) {
        int formats = Byte.toUnsignedInt(data[c[0]++]);
        long[][] f = new long[formats][2];
        for (int i = 0; i < formats; i++) {
            f[i][0] = uleb(data, c);
            f[i][1] = uleb(data, c);
        }
        long count = uleb(data, c);
        // every entry takes at least one byte per format: a count the table cannot hold is hostile
        if (count < 0 || count > data.length - c[0] || (count > 0 && formats == 0)) throw new IllegalStateException("bad count");
        List<String> out = new ArrayList<>();
        for (long n = 0; n < count; n++) {
            String path = null;
            for (long[] fmt : f) {
                String s = null;
                long v = 0;
                switch ((int) fmt[1]) {
                    case 0x08 -> s = cstring(data, c);                                          // DW_FORM_string
                    case 0x1f, 0x0e -> {                                                        // line_strp, strp
                        long off = offsetSize == 8 ? bb.getLong(c[0]) : Integer.toUnsignedLong(bb.getInt(c[0]));
                        c[0] += offsetSize;
                        s = cstring(fmt[1] == 0x1f ? lineStr : str, off);
                    }
                    case 0x0f -> v = uleb(data, c);                                             // udata
                    case 0x0b -> v = Byte.toUnsignedInt(data[c[0]++]);                          // data1
                    case 0x05 -> { v = Short.toUnsignedInt(bb.getShort(c[0])); c[0] += 2; }     // data2
                    case 0x06 -> { v = Integer.toUnsignedLong(bb.getInt(c[0])); c[0] += 4; }    // data4
                    case 0x07 -> { v = bb.getLong(c[0]); c[0] += 8; }                           // data8
                    case 0x1e -> c[0] += 16;                                                    // data16 (MD5)
                    case 0x09 -> { long len = uleb(data, c); c[0] += (int) len; }               // block
                    default -> throw new IllegalStateException("form " + fmt[1]);
                }
                if (fmt[0] == DW_LNCT_path && s != null) path = s;
                if (fmt[0] == DW_LNCT_directory_index) {
                    // a directory is not needed to name the file in a listing
                }
            }
            out.add(path == null ? "?" : dirs == null ? path : path.substring(path.lastIndexOf('/') + 1));
        }
        return out;
    }

    private static String cstring(byte[] data, int[] c) {
        int from = c[0], end = from;
        while (data[end] != 0) end++;
        c[0] = end + 1;
        return new String(data, from, end - from, StandardCharsets.UTF_8);
    }

    private static String cstring(byte[] data, long offset) {
        if (offset < 0 || offset >= data.length) throw new IllegalStateException("string offset");
        return cstring(data, new int[] {(int) offset});
    }

    private static long uleb(byte[] data, int[] c) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = Byte.toUnsignedInt(data[c[0]++]);
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new IllegalStateException("LEB128 too long");
    }

    private static long sleb(byte[] data, int[] c) {
        long v = 0;
        int shift = 0, b;
        do {
            if (shift >= 64) throw new IllegalStateException("LEB128 too long");
            b = Byte.toUnsignedInt(data[c[0]++]);
            v |= (long) (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        if (shift < 64 && (b & 0x40) != 0) v |= -1L << shift;
        return v;
    }
}
