package ctxlab.emu;

/**
 * Names the instructions that a program at user privilege (CPL 3, IOPL 0, as Linux runs it) cannot
 * execute by itself: they enter the kernel ({@code syscall}, {@code sysenter}, {@code int n},
 * {@code int3}, {@code int1}) or raise #GP/#UD there (privileged and port-I/O instructions). Used by
 * {@link Machine} to say which instruction ended a run; the CPU model itself (CPL 3) does the
 * trapping, this only puts a name on it.
 *
 * <p>Instructions that user code may run (rdtsc, rdtscp, cpuid, sgdt/sidt/smsw without UMIP,
 * rdpkru/wrpkru, xgetbv) are not named here.
 */
public final class UserTraps {
    private UserTraps() {}

    /** The longest x86 instruction. */
    public static final int MAX_LENGTH = 15;

    /**
     * The mnemonic of the instruction at the start of {@code b} (up to {@code len} bytes) if it
     * needs the kernel, else null.
     */
    public static String name(byte[] b, int len) {
        int i = 0;
        boolean rexW = false, rexR = false, opsize = false;
        while (i < len && isLegacyPrefix(b[i] & 0xff)) {
            if ((b[i] & 0xff) == 0x66) opsize = true;
            i++;
        }
        if (i < len && (b[i] & 0xf0) == 0x40) {
            rexW = (b[i] & 8) != 0;
            rexR = (b[i] & 4) != 0;
            i++;
        }
        if (i >= len) return null;
        int op = b[i] & 0xff;
        int next = i + 1 < len ? b[i + 1] & 0xff : -1;
        switch (op) {
            case 0xF4: return "hlt";
            case 0xFA: return "cli";
            case 0xFB: return "sti";
            case 0xCC: return "int3";
            case 0xF1: return "int1";
            case 0xCE: return "into";
            case 0xCD: return next < 0 ? "int" : String.format("int $0x%x", next);
            case 0xE4: case 0xE5: case 0xEC: case 0xED: return "in";
            case 0xE6: case 0xE7: case 0xEE: case 0xEF: return "out";
            case 0x6C: case 0x6D: return "ins";
            case 0x6E: case 0x6F: return "outs";
            case 0xCF: return rexW ? "iretq" : "iret";
            case 0x0F: break;
            default: return null;
        }
        if (next < 0) return null;
        int modrm = i + 2 < len ? b[i + 2] & 0xff : -1;
        int reg = modrm < 0 ? -1 : (modrm >> 3) & 7;
        boolean memory = modrm >= 0 && (modrm >> 6) != 3;
        switch (next) {
            case 0x05: return "syscall";
            case 0x07: return rexW ? "sysretq" : "sysret";
            case 0x34: return "sysenter";
            case 0x35: return "sysexit";
            case 0x30: return "wrmsr";
            case 0x32: return "rdmsr";
            case 0x33: return "rdpmc";
            case 0x06: return "clts";
            case 0x08: return "invd";
            case 0x09: return "wbinvd";
            case 0xAA: return "rsm";
            case 0x78: return "vmread";
            case 0x79: return "vmwrite";
            case 0x20: case 0x22: {
                int n = reg < 0 ? -1 : reg + (rexR ? 8 : 0);
                return next == 0x22 ? "mov to %cr" + n : "mov from %cr" + n;
            }
            case 0x21: case 0x23: {
                int n = reg < 0 ? -1 : reg + (rexR ? 8 : 0);
                return next == 0x23 ? "mov to %dr" + n : "mov from %dr" + n;
            }
            case 0x00:
                return switch (reg) {
                    case 2 -> "lldt";
                    case 3 -> "ltr";
                    default -> null;
                };
            case 0x01:
                if (modrm < 0) return null;
                if (!memory) {
                    return switch (modrm) {
                        case 0xF8 -> "swapgs";
                        case 0xC1 -> "vmcall";
                        case 0xC2 -> "vmlaunch";
                        case 0xC3 -> "vmresume";
                        case 0xC4 -> "vmxoff";
                        case 0xC8 -> "monitor";
                        case 0xC9 -> "mwait";
                        case 0xCA -> "clac";
                        case 0xCB -> "stac";
                        case 0xD1 -> "xsetbv";
                        case 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF -> "svm instruction";
                        default -> reg == 6 ? "lmsw" : null;
                    };
                }
                return switch (reg) {
                    case 2 -> "lgdt";
                    case 3 -> "lidt";
                    case 6 -> "lmsw";
                    case 7 -> "invlpg";
                    default -> null;
                };
            case 0x38:
                if (opsize && modrm >= 0) {
                    int third = modrm; // 0F 38 xx
                    if (third == 0x80) return "invept";
                    if (third == 0x81) return "invvpid";
                    if (third == 0x82) return "invpcid";
                }
                return null;
            default:
                return null;
        }
    }

    private static boolean isLegacyPrefix(int b) {
        return switch (b) {
            case 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3 -> true;
            default -> false;
        };
    }

    /** The name of an x86 exception vector ("#GP general protection"), for messages. */
    public static String vector(int intno) {
        return switch (intno) {
            case 0 -> "#DE divide error";
            case 1 -> "#DB debug trap";
            case 3 -> "#BP breakpoint";
            case 4 -> "#OF overflow";
            case 5 -> "#BR bound range";
            case 6 -> "#UD invalid opcode";
            case 7 -> "#NM device not available";
            case 8 -> "#GP or #DE (Unicorn reports a repeated exception as #DF)";
            case 10 -> "#TS invalid TSS";
            case 11 -> "#NP segment not present";
            case 12 -> "#SS stack fault";
            case 13 -> "#GP general protection";
            case 14 -> "#PF page fault";
            case 16 -> "#MF x87 error";
            case 17 -> "#AC alignment check";
            case 18 -> "#MC machine check";
            case 19 -> "#XM SIMD floating-point";
            default -> "interrupt " + intno;
        };
    }
}
