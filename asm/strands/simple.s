# Scenario 1, simple switch: main -> strand -> main.
#
# Results in the scenario block:
#   0x100  1 once the strand has run
#   0x108  rsp at the strand's entry            (must be 8 mod 16)
#   0x110  MXCSR at the strand's entry          (must be 0x1F80)
#   0x118  rbx at the strand's entry            (the value preset by makeContext)
#   0x180  main's rbx, rbp, r12, r13, r14, r15 after the round trip (6 x 8 bytes)
#   0x1B0  main's rsp just before the switch
#   0x1B8  main's rsp just after it             (must be equal)
#   0x1C0  main's MXCSR after the round trip    (must be main's own, 0x5F80)
#
# Main runs with MXCSR 0x5F80 (round up) so that a strand inheriting it instead of starting
# with 0x1F80 is caught, and so is main getting the strand's MXCSR back.

        .text
        .globl  simple_main
simple_main:                            # rdi = scenario block
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $24, %rsp               # 0(%rsp) caller's MXCSR, 8(%rsp) main's; aligned for calls
        movq    %rdi, %r12              # r12 = block, must survive the switch
        stmxcsr 0(%rsp)
        movl    $0x5f80, 8(%rsp)        # round up
        ldmxcsr 8(%rsp)
        movabsq $0x1111111111111111, %rbx
        movabsq $0x5555555555555555, %rbp
        movabsq $0x3333333333333333, %r13
        movabsq $0x4444444444444444, %r14
        movabsq $0x6666666666666666, %r15
        movq    %rsp, 0x1b0(%r12)
        leaq    0x000(%r12), %rdi       # save: main
        leaq    0x040(%r12), %rsi       # restore: strand
        call    cem_swapcontext
        movq    %rsp, 0x1b8(%r12)
        movq    %rbx, 0x180(%r12)
        movq    %rbp, 0x188(%r12)
        movq    %r12, 0x190(%r12)
        movq    %r13, 0x198(%r12)
        movq    %r14, 0x1a0(%r12)
        movq    %r15, 0x1a8(%r12)
        stmxcsr 0x1c0(%r12)
        ldmxcsr 0(%rsp)                 # the caller's MXCSR back
        addq    $24, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        ret

        .globl  simple_strand
simple_strand:                          # r12 = block (preset), rbx = preset marker
        movq    %rsp, 0x108(%r12)
        stmxcsr 0x110(%r12)
        movq    %rbx, 0x118(%r12)
        movq    $1, 0x100(%r12)
        leaq    0x040(%r12), %rdi       # save: strand
        leaq    0x000(%r12), %rsi       # restore: main
        call    cem_swapcontext
        ud2                             # never resumed

        .section .note.GNU-stack,"",@progbits
