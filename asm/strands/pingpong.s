# Scenario 2, multiple switches: 1000 round trips main <-> strand with a counter.
#
# Results:
#   0x100  counter, incremented by the strand once per round trip   (must be 1000)
#   0x108  round trips where main saw the counter out of step       (must be 0)
#   0x110  rounds completed by main                                 (must be 1000)
#   0x118  the strand's own count, kept in its rbx across switches  (must be 1000)
#   0x180  main's rbx, rbp, r12, r13, r14, r15 at the end (6 x 8 bytes)

        .text
        .globl  pingpong_main
pingpong_main:                          # rdi = scenario block
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp
        movq    %rdi, %r12              # r12 = block
        xorl    %r13d, %r13d            # r13 = rounds done
        movabsq $0x1111111111111111, %rbx
        movabsq $0x5555555555555555, %rbp
        movabsq $0x4444444444444444, %r14
        movabsq $0x6666666666666666, %r15
1:
        leaq    0x000(%r12), %rdi
        leaq    0x040(%r12), %rsi
        call    cem_swapcontext
        incq    %r13
        cmpq    %r13, 0x100(%r12)       # the strand counted exactly as many
        je      2f
        incq    0x108(%r12)
2:
        cmpq    $1000, %r13
        jb      1b
        movq    %r13, 0x110(%r12)
        movq    %rbx, 0x180(%r12)
        movq    %rbp, 0x188(%r12)
        movq    %r12, 0x190(%r12)
        movq    %r13, 0x198(%r12)
        movq    %r14, 0x1a0(%r12)
        movq    %r15, 0x1a8(%r12)
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        ret

        .globl  pingpong_strand
pingpong_strand:                        # r12 = block, rbx = 0 (preset)
1:
        incq    0x100(%r12)
        incq    %rbx                    # survives only if the switch restores rbx
        movq    %rbx, 0x118(%r12)
        leaq    0x040(%r12), %rdi
        leaq    0x000(%r12), %rsi
        call    cem_swapcontext
        jmp     1b

        .section .note.GNU-stack,"",@progbits
