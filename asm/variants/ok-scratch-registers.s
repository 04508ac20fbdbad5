# ok-scratch-registers — goes through caller-saved registers
#
# expect: pass
# findings: cet-shadow-stack x87-control-word
#
# Loads every restore slot into caller-saved scratch registers (rax, rcx, rdx, r8-r11) first
# and moves them into place afterwards; rsp is saved via rax. Caller-saved registers are free
# to clobber.
#
# Context layout (64 bytes): rbx 0x00, rbp 0x08, r12 0x10, r13 0x18, r14 0x20, r15 0x28,
# rsp 0x30 ([rsp] = resume address), mxcsr 0x38 (4 bytes), spare 0x3c-0x3f.

        .text
        .align 16
        .globl  cem_swapcontext
        .type   cem_swapcontext, @function
cem_swapcontext:
        // Save the running strand into *save (%rdi).
        movq    %rbx, 0(%rdi)           # save->rbx   (0x00)
        movq    %rbp, 8(%rdi)           # save->rbp   (0x08)
        movq    %r12, 16(%rdi)          # save->r12   (0x10)
        movq    %r13, 24(%rdi)          # save->r13   (0x18)
        movq    %r14, 32(%rdi)          # save->r14   (0x20)
        movq    %r15, 40(%rdi)          # save->r15   (0x28)
        movq    %rsp, %rax              # scratch
        movq    %rax, 48(%rdi)          # save->rsp   (0x30)
        stmxcsr 56(%rdi)                # save->mxcsr (0x38)

        // Resume the strand in *restore (%rsi).
        movq    0(%rsi), %rax           # restore->rbx   (0x00)
        movq    8(%rsi), %rcx           # restore->rbp   (0x08)
        movq    16(%rsi), %rdx          # restore->r12   (0x10)
        movq    24(%rsi), %r8           # restore->r13   (0x18)
        movq    32(%rsi), %r9           # restore->r14   (0x20)
        movq    40(%rsi), %r10          # restore->r15   (0x28)
        movq    48(%rsi), %r11          # restore->rsp   (0x30)
        movq    %rax, %rbx
        movq    %rcx, %rbp
        movq    %rdx, %r12
        movq    %r8, %r13
        movq    %r9, %r14
        movq    %r10, %r15
        ldmxcsr 56(%rsi)                # restore->mxcsr (0x38)
        movq    %r11, %rsp              # now on the other stack
        ret                             # pops the resume (or entry) address of the other strand
        .size   cem_swapcontext, .-cem_swapcontext

        .section .note.GNU-stack,"",@progbits
