# Scenario 5, floating point: strand A rounds down, strand B rounds up (MXCSR.RC), main
# rounds to nearest; they take turns converting the same four doubles with cvtsd2si.
# Each must get the results of its own rounding mode, whoever ran in between.
# Strand A also sets the x87 control word (rounding down, 0x077F) to observe whether
# the switch carries it.
#
# Block inputs (written by Java):
#   0x200  four doubles
#   0x220  MXCSR for A, 0x224 for B (4 bytes each)
# Results:
#   0x240  A's four conversions   0x260 B's   0x280 main's (8 bytes each)
#   0x2A0  A's MXCSR at each turn, 0x2B0 B's (4 bytes each)
#   0x2C0  x87 control word main sees after its first switch to A (2 bytes)
#   0x2C8  x87 control word B sees at its entry (2 bytes)
#   0x2D0  x87 control word main had on entry (2 bytes)
# Strands get r12 = block, r13 = own context, r14 = results offset (0x240 / 0x260),
# r15 = MXCSR-record offset (0x2A0 / 0x2B0), rbx = 1 for A, 2 for B.

        .text
        .globl  fp_main
fp_main:                                # rdi = scenario block
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $24, %rsp               # 0(%rsp) MXCSR, 8(%rsp) x87 CW of our caller
        movq    %rdi, %r12
        stmxcsr 0(%rsp)
        fnstcw  8(%rsp)
        fnstcw  0x2d0(%r12)
        movl    $0x1f80, 16(%rsp)       # main converts rounding to nearest
        ldmxcsr 16(%rsp)
        xorl    %r13d, %r13d            # r13 = turn (0..3)
1:      leaq    0x000(%r12), %rdi
        leaq    0x040(%r12), %rsi       # to A
        call    cem_swapcontext
        testq   %r13, %r13
        jnz     2f
        fnstcw  0x2c0(%r12)             # what A's fldcw did to us
2:      cvtsd2si 0x200(%r12,%r13,8), %rax
        movq    %rax, 0x280(%r12,%r13,8)
        leaq    0x000(%r12), %rdi
        leaq    0x080(%r12), %rsi       # to B
        call    cem_swapcontext
        incq    %r13
        cmpq    $4, %r13
        jb      1b
        fldcw   8(%rsp)                 # give our caller back what it had
        ldmxcsr 0(%rsp)
        addq    $24, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        ret

        .globl  fp_strand
fp_strand:
        ldmxcsr 0x21c(%r12,%rbx,4)      # 0x220 for A (rbx=1), 0x224 for B (rbx=2)
        cmpq    $1, %rbx
        jne     1f
        movw    $0x077f, -8(%rsp)       # x87: round down (red zone scratch)
        fldcw   -8(%rsp)
        jmp     2f
1:      fnstcw  0x2c8(%r12)             # B: the x87 control word it inherited
2:      xorl    %ebp, %ebp              # rbp = turn
3:      cvtsd2si 0x200(%r12,%rbp,8), %rax
        leaq    (%r12,%r14), %rcx
        movq    %rax, (%rcx,%rbp,8)
        leaq    (%r12,%r15), %rcx
        stmxcsr (%rcx,%rbp,4)
        movq    %r13, %rdi
        leaq    0x000(%r12), %rsi       # back to main
        call    cem_swapcontext
        incq    %rbp
        jmp     3b

        .section .note.GNU-stack,"",@progbits
