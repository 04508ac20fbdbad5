# broken-mxcsr-not-restored — MXCSR is never loaded from to_co
#
# expect: restore roundtrip makecontext
# convention: libaco
# symbol: acosw
#
# No ldmxcsr: the target runs with the caller's MXCSR (restore), the way back leaves the second
# coroutine's MXCSR in the first (roundtrip), and a fresh coroutine does not start with the MXCSR
# aco_create put in its reg[8], the creator thread's (makecontext).
#
# Convention (libaco acosw, x86-64 System V):
#   void *acosw(aco_t *from_co /* %rdi */, aco_t *to_co /* %rsi */);
#   aco_t begins with void *reg[9] (0x48 bytes):
#   0x00 r12  0x08 r13  0x10 r14  0x18 r15  0x20 retaddr  0x28 rsp  0x30 rbx  0x38 rbp
#   0x40 x87 control word (2)  0x42 unused (2)  0x44 mxcsr (4)
#   Saved rsp is the entry rsp + 8 (as after a ret), retaddr is the caller's return address;
#   resume: rsp = to->rsp, jmp to->retaddr. No stack is written.

        .align  16, 0xcc                # int3 padding
        .globl  acosw
        .type   acosw, @function
acosw:
        movq    (%rsp), %rdx            # the caller's return address
        leaq    8(%rsp), %rcx           # rsp as the caller will have it after a ret
        movq    %r12, 0x00(%rdi)        # from->r12     (0x00)
        movq    %r13, 0x08(%rdi)        # from->r13     (0x08)
        movq    %r14, 0x10(%rdi)        # from->r14     (0x10)
        movq    %r15, 0x18(%rdi)        # from->r15     (0x18)
        movq    %rdx, 0x20(%rdi)        # from->retaddr (0x20)
        movq    %rcx, 0x28(%rdi)        # from->rsp     (0x28)
        movq    %rbx, 0x30(%rdi)        # from->rbx     (0x30)
        movq    %rbp, 0x38(%rdi)        # from->rbp     (0x38)
        fnstcw  0x40(%rdi)              # from->x87cw   (0x40)
        stmxcsr 0x44(%rdi)              # from->mxcsr   (0x44)

        movq    0x00(%rsi), %r12        # to->r12       (0x00)
        movq    0x08(%rsi), %r13        # to->r13       (0x08)
        movq    0x10(%rsi), %r14        # to->r14       (0x10)
        movq    0x18(%rsi), %r15        # to->r15       (0x18)
        movq    0x20(%rsi), %rax        # to->retaddr   (0x20): where the target resumes
        movq    0x28(%rsi), %rcx        # to->rsp       (0x28)
        movq    0x30(%rsi), %rbx        # to->rbx       (0x30)
        movq    0x38(%rsi), %rbp        # to->rbp       (0x38)
        fldcw   0x40(%rsi)              # to->x87cw     (0x40)
                                        # BUG: no ldmxcsr 0x44(%rsi): MXCSR is not restored
        movq    %rcx, %rsp              # onto the target's stack
        jmpq    *%rax                   # resume it (a fresh coroutine: its entry function)
