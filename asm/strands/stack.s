# Scenario 4, stack preservation: strands A and B fill eight slots of their own stack
# frames, switch away and back, and check the slots each time; main does the same with
# its frame. Main runs 6 rounds of main -> A -> main -> B -> main.
#
# Results:
#   0x100  A: checks done   0x108  A: slots found changed
#   0x110  B: checks done   0x118  B: slots found changed
#   0x120  main: rounds     0x128  main: slots found changed
#   0x130  A: rsp after filling its frame   0x140  B: the same (Java reads the slots there)
# Strands get r12 = block, rbx = seed (slot i holds seed + i), r13 = own context,
# r14 = results offset (0x100 for A, 0x110 for B).

        .text
        .globl  stack_main
stack_main:                             # rdi = scenario block
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $72, %rsp               # 8 slots + alignment
        movq    %rdi, %r12
        movabsq $0x4d41494e00000000, %rbx   # "MAIN" seed
        xorl    %ecx, %ecx
1:      leaq    (%rbx,%rcx), %rax
        movq    %rax, (%rsp,%rcx,8)
        incq    %rcx
        cmpq    $8, %rcx
        jb      1b
        xorl    %r13d, %r13d            # r13 = rounds
2:      leaq    0x000(%r12), %rdi
        leaq    0x040(%r12), %rsi       # to A
        call    cem_swapcontext
        leaq    0x000(%r12), %rdi
        leaq    0x080(%r12), %rsi       # to B
        call    cem_swapcontext
        xorl    %ecx, %ecx
3:      leaq    (%rbx,%rcx), %rax
        cmpq    %rax, (%rsp,%rcx,8)
        je      4f
        incq    0x128(%r12)
4:      incq    %rcx
        cmpq    $8, %rcx
        jb      3b
        incq    %r13
        movq    %r13, 0x120(%r12)
        cmpq    $6, %r13
        jb      2b
        addq    $72, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        ret

        .globl  stack_strand
stack_strand:                           # r12 = block, rbx = seed, r13 = own ctx, r14 = results offset
        subq    $64, %rsp               # eight slots in this strand's frame
        xorl    %ecx, %ecx
1:      leaq    (%rbx,%rcx), %rax
        movq    %rax, (%rsp,%rcx,8)
        incq    %rcx
        cmpq    $8, %rcx
        jb      1b
        movq    %rsp, 0x30(%r12,%r14)   # 0x130 for A, 0x140 for B
2:      movq    %r13, %rdi
        leaq    0x000(%r12), %rsi       # back to main
        call    cem_swapcontext
        xorl    %ecx, %ecx
3:      leaq    (%rbx,%rcx), %rax
        cmpq    %rax, (%rsp,%rcx,8)
        je      4f
        incq    0x08(%r12,%r14)         # slots found changed
4:      incq    %rcx
        cmpq    $8, %rcx
        jb      3b
        incq    0x00(%r12,%r14)         # checks done
        jmp     2b

        .section .note.GNU-stack,"",@progbits
