# Scenario 3, context to context: main -> A -> B -> C -> main, each leaving a mark.
#
# Results:
#   0x100  number of marks
#   0x108  the marks in order, 8 bytes each: 'A', 'B', 'C', then 'M' by main
#   0x180  main's rbx, rbp, r12, r13, r14, r15 afterwards (6 x 8 bytes)
# Strands get r12 = block, rbx = their letter, r13 = own context, r14 = next context.

        .text
        .globl  chain_main
chain_main:                             # rdi = scenario block
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp
        movq    %rdi, %r12
        movabsq $0x1111111111111111, %rbx
        movabsq $0x5555555555555555, %rbp
        movabsq $0x3333333333333333, %r13
        movabsq $0x4444444444444444, %r14
        movabsq $0x6666666666666666, %r15
        leaq    0x000(%r12), %rdi       # save: main
        leaq    0x040(%r12), %rsi       # restore: A
        call    cem_swapcontext
        movq    0x100(%r12), %rax       # mark 'M'
        movq    $0x4d, 0x108(%r12,%rax,8)
        incq    0x100(%r12)
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

        .globl  chain_strand
chain_strand:                           # shared by A, B and C
        movq    0x100(%r12), %rax
        movq    %rbx, 0x108(%r12,%rax,8)
        incq    0x100(%r12)
        movq    %r13, %rdi              # save: this strand
        movq    %r14, %rsi              # restore: the next one
        call    cem_swapcontext
        ud2                             # never resumed

        .section .note.GNU-stack,"",@progbits
