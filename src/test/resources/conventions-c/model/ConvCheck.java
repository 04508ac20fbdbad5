/*
 * ConvCheck.java — a throwaway model checker for the expect headers of asm/conventions/ (issue 10),
 * NOT part of the build (it lives in test resources, which Maven does not compile). It encodes the
 * property model written down in asm/conventions/README.md ("What the expectations assume") with
 * ctxlab's own Keystone front-end and Unicorn Machine, two seeds x 400 iterations per file (every
 * 4th switching to a fresh context), and prints expect vs got per file. It is a reference for the
 * convention-neutral verifier, not a replacement: no blame, no prose, fixed zones.
 *
 * Run (after `mvn -o -q -DskipTests package` so that target/ctxlab.jar exists):
 *   CP="target/ctxlab.jar:$(cat target/runtime-classpath.txt)"
 *   javac -cp "$CP" -d /tmp/cc src/test/resources/conventions-c/model/ConvCheck.java
 *   java --enable-native-access=ALL-UNNAMED -cp "/tmp/cc:$CP" ConvCheck asm/conventions/* /*.s
 *   (without the space in "* /")
 */
import ctxlab.asm.*;
import ctxlab.emu.*;
import java.nio.file.*;
import java.util.*;

/** Throwaway model checker for asm/conventions/ expect headers (my model of issue 10's properties). */
public class ConvCheck {
    static final long CODE = 0x40_0000L, PADS = 0x5e5e_0000_0000L, LANDING = PADS, RESUME = PADS + 0x100,
            CALLER = PADS + 0x200, TAG = 0x7a67_0000_0000_0000L, B_RET = 0x5b5b_0000_0000L, EXIT = 0x5e71_0000_0000L;
    static final long ZB = 0x7ffd_e000_0000L, ZS = 0x4000L, ZSIZE = 0x2000L;
    static final Reg[] G = {Reg.RAX, Reg.RBX, Reg.RCX, Reg.RDX, Reg.RSI, Reg.RDI, Reg.RBP, Reg.RSP,
            Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.R13, Reg.R14, Reg.R15, Reg.RFLAGS, Reg.MXCSR, Reg.FPCW};
    static final int RAX=0,RBX=1,RCX=2,RDX=3,RSI=4,RDI=5,RBP=6,RSP=7,R8=8,R9=9,R11=11,R12=12,R13=13,R14=14,R15=15,FL=16,MX=17,CW=18;
    static final int[] CALLEE = {RBX, RBP, R12, R13, R14, R15};

    String conv; Assembly asm; Machine m; long entry;
    long lo1, hi1, lo2, hi2, lo3, hi3; boolean bad; String badWhere;
    Set<String> v = new TreeSet<>();

    // slot offsets per convention: reg index -> offset (-1 none)
    Map<Integer, Integer> slots = new HashMap<>();
    int size; int mxOff = -1, cwOff = -1;

    ConvCheck(String conv, Path file) throws Exception {
        this.conv = conv;
        asm = Assembler.assemble(new SourceFile(file.toString(), Files.readString(file)), CODE);
        String sym = switch (conv) { case "boost-fcontext" -> "jump_fcontext"; case "libaco" -> "acosw";
            case "minicoro" -> "_mco_switch"; default -> "coctx_swap"; };
        entry = asm.address(sym);
        switch (conv) {
            case "boost-fcontext" -> { size = 0x40; slots.putAll(Map.of(R12, 0x10, R13, 0x18, R14, 0x20, R15, 0x28, RBX, 0x30, RBP, 0x38)); mxOff = 0; cwOff = 4; }
            case "libaco" -> { size = 0x48; slots.putAll(Map.of(R12, 0, R13, 8, R14, 0x10, R15, 0x18, RBX, 0x30, RBP, 0x38)); mxOff = 0x44; cwOff = 0x40; }
            case "minicoro" -> { size = 0x40; slots.putAll(Map.of(RBP, 0x10, RBX, 0x18, R12, 0x20, R13, 0x28, R14, 0x30, R15, 0x38)); }
            default -> { size = 0x70; slots.putAll(Map.of(R15, 0, R14, 8, R13, 0x10, R12, 0x18, R9, 0x20, R8, 0x28, RBP, 0x30, RDI, 0x38, RSI, 0x40));
                slots.putAll(Map.of(RDX, 0x50, RCX, 0x58, RBX, 0x60)); }
        }
        m = Machine.x86_64();
        long pages = Machine.pages(asm.size());
        m.map(CODE, pages, 5);
        byte[] img = new byte[(int) pages]; Arrays.fill(img, (byte) 0xF4); System.arraycopy(asm.code(), 0, img, 0, asm.code().length);
        m.write(CODE, img);
        m.map(PADS, 4096, 5);
        byte[] pads = new byte[4096]; Arrays.fill(pads, (byte) 0xF4);
        for (long pad : new long[] {RESUME, CALLER}) {
            int at = (int) (pad - PADS);
            pads[at] = 0x49; pads[at + 1] = (byte) 0xBB;
            long t = TAG | pad; for (int i = 0; i < 8; i++) pads[at + 2 + i] = (byte) (t >>> (8 * i));
            pads[at + 10] = (byte) 0xE9; int rel = (int) (LANDING - (pad + 15));
            for (int i = 0; i < 4; i++) pads[at + 11 + i] = (byte) (rel >>> (8 * i));
        }
        m.write(PADS, pads);
        for (int z = 0; z < 6; z++) m.map(ZB + z * ZS, ZSIZE, 3);
        m.onMemoryWrite((pc, a, s, val) -> {
            if (!bad && !(in(a, s, lo1, hi1) || in(a, s, lo2, hi2) || in(a, s, lo3, hi3))) { bad = true; badWhere = asm.describe(pc) + " -> " + Long.toHexString(a); }
        });
    }
    static boolean in(long a, int s, long lo, long hi) { return a >= lo && a + s <= hi; }

    long[] regs(SplittableRandom r) {
        long[] x = new long[19];
        for (int i = 0; i < 16; i++) x[i] = r.nextLong();
        x[FL] = (r.nextLong() & 0x8D5L) | 0x202L; x[MX] = r.nextInt(0x10000); x[CW] = (r.nextInt(0x10000) & 0x1F3F) | 0x40;
        return x;
    }

    /** Runs one switch; returns arrival regs or null, adding violations. */
    long[] sw(long[] in, long save, long saveSize, long entryRsp, long lo3, long hi3, long want, String wrong) {
        lo1 = save; hi1 = save + saveSize; lo2 = entryRsp - 128; hi2 = entryRsp; this.lo3 = lo3; this.hi3 = hi3; bad = false;
        m.set(G, in);
        try { m.run(entry, LANDING, 1002, null); }
        catch (EmulationException e) {
            if (bad) v.add("memory");
            switch (e.kind()) {
                case UNMAPPED_WRITE, WRITE_PROT -> v.add("memory");
                case UNMAPPED_FETCH, FETCH_PROT -> v.add(wrong);
                case OTHER -> { if (e.pc() - 1 >= CODE && e.pc() - 1 < CODE + 0x10000) v.add("termination"); else v.add(wrong); }
                default -> v.add("termination");
            }
            return null;
        }
        if (bad) v.add("memory");
        long[] after = m.get(G);
        long pad = (after[R11] & TAG) == TAG ? after[R11] & ~TAG : -1;
        if (pad != want) { v.add(wrong); return null; }
        if ((after[FL] & (1 << 10)) != 0) v.add("flags");
        if ((after[MX] & ~0xFFFFL) != 0) v.add("termination");
        return after;
    }

    void iteration(long seed, int it) {
        SplittableRandom r = new SplittableRandom(seed * 1000003 + it);
        boolean fresh = it % 4 == 0;
        long saveA = ZB + 0 * ZS + 8 * r.nextInt(200), restB = ZB + ZS + 8 * r.nextInt(200), saveB = ZB + 4 * ZS + 8 * r.nextInt(200);
        long stackA = ZB + 2 * ZS, stackB = ZB + 3 * ZS;
        long EA = stackA + 0x1000 + 8 + 16 * r.nextInt(100);
        // random fill of everything
        for (int z = 0; z < 6; z++) { byte[] f = new byte[(int) ZSIZE]; r.nextBytes(f); m.write(ZB + z * ZS, f); }
        long[] a = regs(r), b = regs(r);
        if (b[CW] == a[CW]) b[CW] ^= 0x0C00;
        m.writeLong(EA, CALLER);
        boolean boost = conv.equals("boost-fcontext");
        long restore, restoreRsp, data = r.nextLong(), s = r.nextLong(), s1 = r.nextLong();
        long arriveRsp; long[] slotVals = new long[19]; boolean haveFp = mxOff >= 0;
        long freshTop = ((stackB + 0x1000 + 8L * r.nextInt(100)) & ~15L);
        if (!fresh) {
            restoreRsp = stackB + 0x800 + 8L * r.nextInt(100);
            if (boost) {
                restore = restoreRsp; m.writeLong(restore + 0x40, RESUME); arriveRsp = restore + 0x48;
            } else {
                restore = restB;
                switch (conv) {
                    case "libaco" -> { m.writeLong(restore + 0x20, RESUME); m.writeLong(restore + 0x28, restoreRsp); arriveRsp = restoreRsp; }
                    case "minicoro" -> { m.writeLong(restore, RESUME); m.writeLong(restore + 8, restoreRsp); arriveRsp = restoreRsp; }
                    default -> { m.writeLong(restore + 0x48, RESUME); m.writeLong(restore + 0x68, restoreRsp); arriveRsp = restoreRsp + 8; }
                }
            }
            if (haveFp) { m.writeInt(restore + mxOff, r.nextInt(0x10000)); }
        } else {
            if (boost) {
                m.set(Reg.MXCSR, 0x1F80); m.set(Reg.FPCW, 0x037F);
                long scratch = ZB + 5 * ZS + 0x1000;
                m.call(asm.address("make_fcontext"), scratch, 100000, null, freshTop, 0x1000, RESUME);
                restore = m.get(Reg.RAX); restoreRsp = restore; arriveRsp = restore + 0x40;
            } else {
                restore = restB;
                byte[] z = new byte[size]; m.write(restore, z);
                switch (conv) {
                    case "libaco" -> { long hp = (freshTop - 16) & ~15L; restoreRsp = hp - 8; m.writeLong(restoreRsp, EXIT);
                        m.writeLong(restore + 0x20, RESUME); m.writeLong(restore + 0x28, restoreRsp); m.writeInt(restore + 0x40, 0x037F); m.writeInt(restore + 0x44, 0x1F80); arriveRsp = restoreRsp; }
                    case "minicoro" -> { restoreRsp = freshTop - 136; m.writeLong(restoreRsp, EXIT); m.writeLong(restore, RESUME); m.writeLong(restore + 8, restoreRsp); arriveRsp = restoreRsp; }
                    default -> { restoreRsp = (freshTop - 8) & ~15L; m.writeLong(restoreRsp, RESUME); m.writeLong(restore + 0x48, RESUME);
                        m.writeLong(restore + 0x68, restoreRsp); m.writeLong(restore + 0x38, s); m.writeLong(restore + 0x40, s1); arriveRsp = restoreRsp + 8; }
                }
            }
        }
        byte[] rb = m.read(restore, 0x78);
        // switch 1
        long[] in = a.clone();
        long save1, save1Size;
        if (boost) { in[RDI] = restore; in[RSI] = data; save1 = EA - 0x40; save1Size = 0x40; }
        else { in[RDI] = saveA; in[RSI] = restore; save1 = saveA; save1Size = size; }
        in[RSP] = EA;
        long l3 = conv.equals("libco") ? restoreRsp : 0, h3 = conv.equals("libco") ? restoreRsp + 8 : 0;
        if (boost && fresh) { l3 = freshTop - 0x1000; h3 = freshTop; }   // the trampoline's push
        long[] af = sw(in, save1, save1Size, EA, l3, h3, RESUME, "restore");
        if (af == null) return;
        // restore check
        for (var e : slots.entrySet()) {
            long want = le(rb, e.getValue());
            if (boost && fresh && e.getKey() == RBP) continue; // fresh boost: rbp = finish, checked below via slot anyway
            if (af[e.getKey()] != want) v.add("restore");
        }
        if (af[RSP] != arriveRsp) v.add("restore");
        if (haveFp) {
            if (af[MX] != (le(rb, mxOff) & 0xFFFFFFFFL)) v.add("restore");
            if (af[CW] != (le(rb, cwOff) & 0xFFFF)) v.add("restore");
        }
        if (boost) { if (af[RAX] != EA - 0x40 || af[RDI] != EA - 0x40 || af[RDX] != data || af[RSI] != data) v.add("restore"); }
        if (conv.equals("libco") && af[RAX] != 0) v.add("restore");
        if (fresh) {
            if ((af[RSP] & 15) != 8) v.add("makecontext");
            if (haveFp && (af[MX] != 0x1F80 || af[CW] != 0x037F)) v.add("makecontext");
            if (boost && (af[RDI] != EA - 0x40 || af[RSI] != data)) v.add("makecontext");
            if (conv.equals("libco") && (af[RDI] != s || af[RSI] != s1)) v.add("makecontext");
        }
        // save check
        byte[] sb = m.read(save1, (int) save1Size + 8);
        for (var e : slots.entrySet()) if (le(sb, e.getValue()) != in[e.getKey()]) v.add("save");
        if (conv.equals("libco")) { if (le(sb, 0x38) != in[RDI] || le(sb, 0x40) != in[RSI] || le(sb, 0x68) != EA || le(sb, 0x48) != CALLER) v.add("save"); }
        if (conv.equals("libaco")) { if (le(sb, 0x28) != EA + 8 || le(sb, 0x20) != CALLER) v.add("save"); }
        if (conv.equals("minicoro")) { if (le(sb, 8) != EA) v.add("save"); }
        if (haveFp) { if ((le(sb, mxOff) & 0xFFFFFFFFL) != a[MX] || (le(sb, cwOff) & 0xFFFF) != a[CW]) v.add("save"); }
        // switch 2: B -> A
        long E2 = ((af[RSP] - 8L * r.nextInt(16)) & ~15L) - 8 - 64;
        m.writeLong(E2, B_RET);
        long[] in2 = b.clone(); in2[RSP] = E2;
        long data2 = r.nextLong();
        long save2, save2Size;
        if (boost) { in2[RDI] = EA - 0x40; in2[RSI] = data2; save2 = E2 - 0x40; save2Size = 0x40; }
        else { in2[RDI] = saveB; in2[RSI] = saveA; save2 = saveB; save2Size = size; }
        long aRsp = conv.equals("libco") ? le(sb, 0x68) : 0;
        long[] a2 = sw(in2, save2, save2Size, E2, conv.equals("libco") ? aRsp : 0, conv.equals("libco") ? aRsp + 8 : 0, CALLER, "roundtrip");
        if (a2 == null) return;
        for (int k : CALLEE) if (a2[k] != a[k]) v.add("roundtrip");
        if (a2[RSP] != EA + 8) v.add("roundtrip");
        if (haveFp && (a2[MX] != a[MX] || a2[CW] != a[CW])) v.add("roundtrip");
        if (boost && (a2[RAX] != E2 - 0x40 || a2[RDX] != data2)) v.add("roundtrip");
        if (conv.equals("libco")) { if (a2[RDI] != in[RDI] || a2[RSI] != in[RSI] || a2[RDX] != a[RDX] || a2[RCX] != a[RCX] || a2[R8] != a[R8] || a2[R9] != a[R9]) v.add("roundtrip"); }
        // B's save in switch 2
        byte[] sb2 = m.read(save2, (int) save2Size + 8);
        for (var e : slots.entrySet()) if (le(sb2, e.getValue()) != in2[e.getKey()]) v.add("save");
    }
    static long le(byte[] b, int off) { long x = 0; for (int i = 7; i >= 0; i--) x = (x << 8) | (b[off + i] & 0xFF); return x; }

    public static void main(String[] args) throws Exception {
        int bad = 0;
        for (String f : args) {
            Path p = Path.of(f);
            String conv = p.getParent().getFileName().toString();
            String expect = Files.readAllLines(p).stream().filter(l -> l.startsWith("# expect:")).findFirst().get().substring(9).strip();
            ConvCheck c = new ConvCheck(conv, p);
            for (long seed : new long[] {1, 0x5eed}) for (int i = 0; i < 400; i++) c.iteration(seed, i);
            String got = c.v.isEmpty() ? "pass" : String.join(" ", c.v);
            Set<String> want = new TreeSet<>(Arrays.asList(expect.split("\\s+")));
            boolean ok = expect.equals("pass") ? c.v.isEmpty() : want.equals(c.v);
            if (!ok) bad++;
            System.out.printf("%-4s %-50s expect=[%s] got=[%s]%s%n", ok ? "ok" : "MISS", conv + "/" + p.getFileName(), expect, got,
                    c.badWhere != null ? "  (write " + c.badWhere + ")" : "");
            c.m.close();
        }
        System.exit(bad == 0 ? 0 : 1);
    }
}
