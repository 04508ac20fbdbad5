// Cem runtime, x86-64 context switch (style of the upstream file: // comments,
// one-line statements joined with ';', numeric local labels).
    .text
    .align 16
    .global cem_swap ; .type cem_swap, @function
cem_swap:
    // save
    movq %rbx, 0x00(%rdi) ; movq %rbp, 0x08(%rdi)
    movq %r12, 0x10(%rdi) ; movq %r13, 0x18(%rdi)
    movq %r14, 0x20(%rdi) ; movq %r15, 0x28(%rdi)
    movq %rsp, 0x30(%rdi)
    stmxcsr 0x38(%rdi)
    // restore
    movq 0x00(%rsi), %rbx ; movq 0x08(%rsi), %rbp
    movq 0x10(%rsi), %r12 ; movq 0x18(%rsi), %r13
    movq 0x20(%rsi), %r14 ; movq 0x28(%rsi), %r15
    movq 0x30(%rsi), %rsp
    ldmxcsr 0x38(%rsi)
    ret
    .size cem_swap, .-cem_swap

    # A helper with local numeric labels: count down rdi to zero, return the steps in rax.
    .globl count_down
    .type count_down, @function
count_down:
    xorl %eax, %eax
1:  testq %rdi, %rdi
    jz 2f
    decq %rdi
    incq %rax
    jmp 1b
2:  ret
    .size count_down, .-count_down

    .section .note.GNU-stack,"",@progbits
