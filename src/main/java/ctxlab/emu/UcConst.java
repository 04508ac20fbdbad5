package ctxlab.emu;

/**
 * Constants of the Unicorn 2 C API ({@code unicorn/unicorn.h}, {@code unicorn/x86.h}) used by this
 * package. Every value is checked against the installed headers by {@code UcConstTest}.
 */
public final class UcConst {
    private UcConst() {}

    // uc_arch / uc_mode
    public static final int UC_ARCH_X86 = 4;
    public static final int UC_MODE_64 = 1 << 3;

    // uc_prot
    public static final int UC_PROT_NONE = 0;
    public static final int UC_PROT_READ = 1;
    public static final int UC_PROT_WRITE = 2;
    public static final int UC_PROT_EXEC = 4;
    public static final int UC_PROT_ALL = 7;

    // uc_err
    public static final int UC_ERR_OK = 0;
    public static final int UC_ERR_NOMEM = 1;
    public static final int UC_ERR_ARCH = 2;
    public static final int UC_ERR_HANDLE = 3;
    public static final int UC_ERR_MODE = 4;
    public static final int UC_ERR_VERSION = 5;
    public static final int UC_ERR_READ_UNMAPPED = 6;
    public static final int UC_ERR_WRITE_UNMAPPED = 7;
    public static final int UC_ERR_FETCH_UNMAPPED = 8;
    public static final int UC_ERR_HOOK = 9;
    public static final int UC_ERR_INSN_INVALID = 10;
    public static final int UC_ERR_MAP = 11;
    public static final int UC_ERR_WRITE_PROT = 12;
    public static final int UC_ERR_READ_PROT = 13;
    public static final int UC_ERR_FETCH_PROT = 14;
    public static final int UC_ERR_ARG = 15;
    public static final int UC_ERR_READ_UNALIGNED = 16;
    public static final int UC_ERR_WRITE_UNALIGNED = 17;
    public static final int UC_ERR_FETCH_UNALIGNED = 18;
    public static final int UC_ERR_HOOK_EXIST = 19;
    public static final int UC_ERR_RESOURCE = 20;
    public static final int UC_ERR_EXCEPTION = 21;

    // uc_mem_type (the type argument of memory hooks)
    public static final int UC_MEM_READ = 16;
    public static final int UC_MEM_WRITE = 17;
    public static final int UC_MEM_FETCH = 18;
    public static final int UC_MEM_READ_UNMAPPED = 19;
    public static final int UC_MEM_WRITE_UNMAPPED = 20;
    public static final int UC_MEM_FETCH_UNMAPPED = 21;
    public static final int UC_MEM_WRITE_PROT = 22;
    public static final int UC_MEM_READ_PROT = 23;
    public static final int UC_MEM_FETCH_PROT = 24;

    // uc_hook_type
    public static final int UC_HOOK_INTR = 1 << 0;
    public static final int UC_HOOK_INSN = 1 << 1;
    public static final int UC_HOOK_CODE = 1 << 2;
    public static final int UC_HOOK_BLOCK = 1 << 3;
    public static final int UC_HOOK_MEM_READ_UNMAPPED = 1 << 4;
    public static final int UC_HOOK_MEM_WRITE_UNMAPPED = 1 << 5;
    public static final int UC_HOOK_MEM_FETCH_UNMAPPED = 1 << 6;
    public static final int UC_HOOK_MEM_READ_PROT = 1 << 7;
    public static final int UC_HOOK_MEM_WRITE_PROT = 1 << 8;
    public static final int UC_HOOK_MEM_FETCH_PROT = 1 << 9;
    public static final int UC_HOOK_MEM_READ = 1 << 10;
    public static final int UC_HOOK_MEM_WRITE = 1 << 11;
    public static final int UC_HOOK_MEM_FETCH = 1 << 12;
    /** {@code UC_HOOK_MEM_UNMAPPED + UC_HOOK_MEM_PROT} (a macro in unicorn.h). */
    public static final int UC_HOOK_MEM_INVALID = UC_HOOK_MEM_READ_UNMAPPED + UC_HOOK_MEM_WRITE_UNMAPPED
            + UC_HOOK_MEM_FETCH_UNMAPPED + UC_HOOK_MEM_READ_PROT + UC_HOOK_MEM_WRITE_PROT + UC_HOOK_MEM_FETCH_PROT;

    // uc_query_type
    public static final int UC_QUERY_MODE = 1;
    public static final int UC_QUERY_PAGE_SIZE = 2;
    public static final int UC_QUERY_ARCH = 3;
    public static final int UC_QUERY_TIMEOUT = 4;

    // uc_ctl: UC_CTL(type, nr, rw) = type | nr << 26 | rw << 30
    public static final int UC_CTL_IO_NONE = 0;
    public static final int UC_CTL_IO_WRITE = 1;
    public static final int UC_CTL_IO_READ = 2;
    public static final int UC_CTL_UC_MODE = 0;
    public static final int UC_CTL_UC_PAGE_SIZE = 1;
    public static final int UC_CTL_UC_ARCH = 2;
    public static final int UC_CTL_UC_TIMEOUT = 3;
    public static final int UC_CTL_UC_USE_EXITS = 4;
    public static final int UC_CTL_UC_EXITS_CNT = 5;
    public static final int UC_CTL_UC_EXITS = 6;
    public static final int UC_CTL_CPU_MODEL = 7;
    public static final int UC_CTL_TB_REQUEST_CACHE = 8;
    public static final int UC_CTL_TB_REMOVE_CACHE = 9;
    public static final int UC_CTL_TB_FLUSH = 10;

    /** The {@code UC_CTL(type, nr, rw)} macro of unicorn.h. */
    public static int ucCtl(int type, int nr, int rw) {
        return type | (nr << 26) | (rw << 30);
    }

    /** {@code UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0)}, the control word of {@code uc_ctl_flush_tb}. */
    public static final int UC_CTL_TB_FLUSH_WORD = ucCtl(UC_CTL_TB_FLUSH, 0, UC_CTL_IO_WRITE);
    /** {@code UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2)}, the control word of {@code uc_ctl_remove_cache}. */
    public static final int UC_CTL_TB_REMOVE_CACHE_WORD = ucCtl(UC_CTL_TB_REMOVE_CACHE, 2, UC_CTL_IO_WRITE);

    // uc_x86_reg (x86.h)
    public static final int UC_X86_REG_EFLAGS = 25;
    public static final int UC_X86_REG_RAX = 35;
    public static final int UC_X86_REG_RBP = 36;
    public static final int UC_X86_REG_RBX = 37;
    public static final int UC_X86_REG_RCX = 38;
    public static final int UC_X86_REG_RDI = 39;
    public static final int UC_X86_REG_RDX = 40;
    public static final int UC_X86_REG_RIP = 41;
    public static final int UC_X86_REG_RSI = 43;
    public static final int UC_X86_REG_RSP = 44;
    public static final int UC_X86_REG_R8 = 106;
    public static final int UC_X86_REG_R9 = 107;
    public static final int UC_X86_REG_R10 = 108;
    public static final int UC_X86_REG_R11 = 109;
    public static final int UC_X86_REG_R12 = 110;
    public static final int UC_X86_REG_R13 = 111;
    public static final int UC_X86_REG_R14 = 112;
    public static final int UC_X86_REG_R15 = 113;
    public static final int UC_X86_REG_FPCW = 246;
    public static final int UC_X86_REG_MXCSR = 249;
    public static final int UC_X86_REG_FS_BASE = 250;
    public static final int UC_X86_REG_GS_BASE = 251;
    public static final int UC_X86_REG_RFLAGS = 253;
    public static final int UC_X86_REG_GDTR = 243;

    // uc_x86_insn (x86.h): the instructions UC_HOOK_INSN can watch
    public static final int UC_X86_INS_IN = 218;
    public static final int UC_X86_INS_OUT = 500;
    public static final int UC_X86_INS_SYSCALL = 699;
    public static final int UC_X86_INS_SYSENTER = 700;
}
