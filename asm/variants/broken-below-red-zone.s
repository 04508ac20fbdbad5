# broken-below-red-zone — spills a scratch register below the red zone
#
# expect: memory
#
# The 128-byte red zone ends at rsp - 128; a spill to -136(%rsp) lands in memory that a signal
# handler may own.
#
# Context layout (64 bytes): rbx 0x00, rbp 0x08, r12 0x10, r13 0x18, r14 0x20, r15 0x28,
# rsp 0x30 ([rsp] = resume address), mxcsr 0x38 (4 bytes), spare 0x3c-0x3f.

        .text
        .align 16
        .globl  cem_swapcontext
        .type   cem_swapcontext, @function
cem_swapcontext:
        movq    %rax, -136(%rsp)        # BUG: below the 128-byte red zone
        // Save the running strand into *save (%rdi).
        movq    %rbx, 0(%rdi)           # save->rbx   (0x00)
        movq    %rbp, 8(%rdi)           # save->rbp   (0x08)
        movq    %r12, 16(%rdi)          # save->r12   (0x10)
        movq    %r13, 24(%rdi)          # save->r13   (0x18)
        movq    %r14, 32(%rdi)          # save->r14   (0x20)
        movq    %r15, 40(%rdi)          # save->r15   (0x28)
        movq    %rsp, 48(%rdi)          # save->rsp   (0x30): points at our return address
        stmxcsr 56(%rdi)                # save->mxcsr (0x38)

        // Resume the strand in *restore (%rsi).
        movq    0(%rsi), %rbx           # restore->rbx   (0x00)
        movq    8(%rsi), %rbp           # restore->rbp   (0x08)
        movq    16(%rsi), %r12          # restore->r12   (0x10)
        movq    24(%rsi), %r13          # restore->r13   (0x18)
        movq    32(%rsi), %r14          # restore->r14   (0x20)
        movq    40(%rsi), %r15          # restore->r15   (0x28)
        movq    48(%rsi), %rsp          # restore->rsp   (0x30): now on the other stack
        ldmxcsr 56(%rsi)                # restore->mxcsr (0x38)
        ret                             # pops the resume (or entry) address of the other strand
        .size   cem_swapcontext, .-cem_swapcontext

        .section .note.GNU-stack,"",@progbits
